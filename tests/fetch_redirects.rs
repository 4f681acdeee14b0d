//! Redirects: followed by the fetcher itself (every hop through its host's limiter), with a
//! limit, loop detection, method rewriting, and the Hanweb downfile.jsp → /attach/ pattern.

mod support;

use nianbao::fetch::{FetchConfig, FetchError, Fetcher, Request};
use support::*;

const LIST: &str = "/zwgk/zfxxgknb/index.html";

async fn setup(builder: MockBuilder, config: impl FnOnce(FetchConfig) -> FetchConfig) -> (MockServer, Fetcher) {
    let mock = builder.start().await;
    let fetcher = mock.fetcher_with(config);
    (mock, fetcher)
}

#[tokio::test]
async fn a_redirect_loop_is_detected() {
    let (mock, fetcher) = setup(MockServer::builder().fault(Target::path(0, LIST), Fault::RedirectLoop), |c| c).await;
    let err = fetcher.fetch(&Request::get(mock.url(0, LIST))).await.unwrap_err();
    assert!(matches!(&err, FetchError::RedirectLoop { repeated, .. } if repeated.ends_with(LIST)), "{err:?}");
    assert_eq!(mock.count(0, LIST), 2, "stopped at the first repeat");
    mock.assert_all_polite();
}

#[tokio::test]
async fn a_redirect_chain_is_followed_and_recorded() {
    let b = MockServer::builder().fault(Target::path(0, LIST), Fault::RedirectChain { hops: 3 });
    let (mock, fetcher) = setup(b, |c| c).await;
    let f = fetcher.fetch(&Request::get(mock.url(0, LIST))).await.unwrap();
    assert!(f.outcome.is_ok());
    assert_eq!(f.redirects.len(), 3);
    assert_eq!(f.final_url.query(), Some("hop=3"));
    assert_eq!(f.attempts, 4);
    assert!(f.url.ends_with(LIST));
    mock.assert_all_polite();
}

#[tokio::test]
async fn too_many_redirects_fail() {
    let b = MockServer::builder().fault(Target::path(0, LIST), Fault::RedirectChain { hops: 5 });
    let (mock, fetcher) = setup(b, |c| FetchConfig { max_redirects: 3, ..c }).await;
    let err = fetcher.fetch(&Request::get(mock.url(0, LIST))).await.unwrap_err();
    assert!(matches!(err, FetchError::TooManyRedirects { limit: 3, .. }), "{err:?}");
    assert_eq!(mock.count(0, LIST), 4);
}

#[tokio::test]
async fn hanweb_attachments_redirect_to_the_stored_pdf() {
    let (mock, fetcher) = setup(MockServer::builder().style(Style::Hanweb), |c| c).await;
    let doc = &mock.site(0).docs[0];
    assert!(doc.attachment_path.starts_with("/module/download/downfile.jsp"));
    let f = fetcher.fetch(&Request::get(mock.url(0, &doc.attachment_path)).site("county1")).await.unwrap();
    assert!(f.body.starts_with(b"%PDF-"), "PDF magic");
    assert!(f.outcome.is_ok());
    assert_eq!(f.redirects.len(), 1);
    assert!(f.final_url.path().starts_with("/attach/0/"));
}

#[tokio::test]
async fn a_post_redirected_with_302_becomes_a_get() {
    let b = MockServer::builder()
        .style(Style::Hanweb)
        .fault(Target::path(0, "/module/web/jpage/dataproxy.jsp"), Fault::RedirectChain { hops: 1 });
    let (mock, fetcher) = setup(b, |c| c).await;
    let form = vec![("columnid".to_string(), "10000".to_string()), ("unitid".to_string(), "200000".to_string())];
    let url = mock.url(0, "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=15&perpage=5");
    let f = fetcher.fetch(&Request::post_form(url, form)).await.unwrap();
    assert_eq!(f.redirects.len(), 1);
    let hits: Vec<Hit> = mock.hits_for(0).into_iter().filter(|h| h.target.starts_with("/module/")).collect();
    assert_eq!(hits.iter().map(|h| h.method.as_str()).collect::<Vec<_>>(), ["POST", "GET"]);
}

#[tokio::test]
async fn a_cross_host_redirect_goes_through_the_other_hosts_limiter_and_robots() {
    let b = MockServer::builder().sites(2).docs_per_site(10);
    let path = "/zwgk/zfxxgknb/index_1.html".to_string();
    let b = b.fault(Target::path(0, LIST), Fault::RedirectToSite { site: 1, path: path.clone() });
    let (mock, fetcher) = setup(b, |c| c).await;
    let f = fetcher.fetch(&Request::get(mock.url(0, LIST)).site("county1")).await.unwrap();
    assert_eq!(f.final_url.host_str(), Some("www.county2.gov.cn"));
    assert_eq!(f.final_url.path(), path);
    assert!(f.outcome.is_ok(), "{:?}", f.outcome);
    assert_eq!(mock.count(1, "/robots.txt"), 1, "robots of the second host checked");
    assert_eq!(fetcher.host("www.county2.gov.cn").unwrap().policy().site.as_deref(), Some("county2"));
    mock.assert_all_polite();
}
