//! Blocked and gone: challenge and WAF pages, deleted pages and 404s come back with their
//! outcome and evidence (never as documents), and the WZWS cookie warm-up passes.

mod support;

use nianbao::fetch::{Fetcher, Outcome, Request};
use support::*;

async fn one_site(fault: Fault) -> (MockServer, Fetcher, Request) {
    let mock = MockServer::builder().fault(Target::path(0, "/zwgk/zfxxgknb/2"), fault).start().await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    fetcher.add_site(&mock.rule(0)).unwrap();
    let req = Request::get(mock.url(0, &mock.site(0).docs[0].path)).site("county1");
    (mock, fetcher, req)
}

#[tokio::test]
async fn a_412_js_challenge_is_blocked_with_evidence_and_not_retried() {
    let (mock, fetcher, req) = one_site(Fault::Challenge412).await;
    let f = fetcher.fetch(&req).await.expect("a blocked page is an answer, not an error");
    assert_eq!(f.status, 412);
    match &f.outcome {
        Outcome::Blocked { reason, evidence } => {
            assert!(reason.contains("瑞数"), "{reason}");
            assert!(evidence.contains("HTTP 412") && evidence.contains("$_ts"), "{evidence}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(f.attempts, 1);
    assert_eq!(mock.count(0, &mock.site(0).docs[0].path), 1);
}

#[tokio::test]
async fn a_403_waf_page_is_blocked() {
    let (_mock, fetcher, req) = one_site(Fault::Waf403).await;
    let f = fetcher.fetch(&req).await.unwrap();
    assert!(matches!(&f.outcome, Outcome::Blocked { reason, .. } if reason.contains("防火墙")), "{:?}", f.outcome);
}

#[tokio::test]
async fn deleted_and_missing_pages_are_gone_or_not_found() {
    let (_m, fetcher, req) = one_site(Fault::Deleted).await;
    let f = fetcher.fetch(&req).await.unwrap();
    assert_eq!(f.status, 200);
    assert!(matches!(&f.outcome, Outcome::Gone { evidence, .. } if evidence.contains("已被删除") || evidence.contains("该信息已撤销")), "{:?}", f.outcome);

    let (_m, fetcher, req) = one_site(Fault::Gone410).await;
    assert!(matches!(fetcher.fetch(&req).await.unwrap().outcome, Outcome::Gone { .. }));

    let (mock, fetcher, _) = one_site(Fault::Latency(std::time::Duration::ZERO)).await;
    let missing = Request::get(mock.url(0, "/zwgk/zfxxgknb/202001/t20200101_1.html")).site("county1");
    let f = fetcher.fetch(&missing).await.unwrap();
    assert_eq!((f.status, f.outcome), (404, Outcome::NotFound));
}

#[tokio::test]
async fn wzws_cookie_warm_up_is_followed_once() {
    let (mock, fetcher, req) = one_site(Fault::CookieWarmup).await;
    let f = fetcher.fetch(&req).await.expect("307 + Set-Cookie, then the page");
    assert!(f.outcome.is_ok(), "{:?}", f.outcome);
    assert_eq!(f.redirects.len(), 1);
    assert_eq!(f.redirects[0], f.final_url);
    let hits: Vec<Hit> = mock.hits_for(0).into_iter().filter(|h| h.target == mock.site(0).docs[0].path).collect();
    assert_eq!(hits.len(), 2);
    assert!(hits[0].cookie.is_none());
    assert!(hits[1].cookie.as_deref().unwrap_or_default().contains("wzws_cid="), "{:?}", hits[1].cookie);
    mock.assert_all_polite();
}
