//! Faults during a crawl: blocked (412 challenge) and gone pages are recorded, never stored as
//! documents; a site that keeps blocking is stopped; 5xx bursts, 429, resets and truncated bodies
//! end in success; permanent failures, unreachable hosts and bad URLs give per-site errors naming
//! the URL while the other sites complete. The politeness meter is checked after each.

mod crawl_common;
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use crawl_common::{scalar, Setup};
use nianbao::crawl::CrawlOptions;
use sqlx::Row;
use support::*;

fn fast() -> MockBuilder {
    MockServer::builder().rate(50, Duration::from_secs(1)).style(Style::Trs).docs_per_site(8).per_page(4)
}

/// The paths of the mock's docs (same generator as the server's).
fn docs() -> Vec<MockDoc> {
    SiteContent::generate(0, 8, Encoding::Utf8, Style::Trs, 4).docs
}

async fn frontier_state(s: &Setup, path: &str) -> String {
    sqlx::query("SELECT state FROM frontier WHERE url = ?")
        .bind(s.mock.url(0, path))
        .fetch_one(s.archive().reader())
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn blocked_and_gone_pages_are_recorded_not_stored() {
    let d = docs();
    let b = fast()
        .fault(Target::path(0, &d[0].path), Fault::Challenge412)
        .fault(Target::path(0, &d[1].path), Fault::Deleted)
        .fault(Target::path(0, &d[2].path), Fault::Gone410);
    let s = Setup::new(b).await;
    let report = s.crawl_default().await;
    let site = report.site("county1").unwrap();
    assert_eq!(site.counts.blocked, 1);
    assert!(!site.blocked, "one challenge does not stop the site");
    let docs_stored = s.documents("county1").await;
    for (doc, state) in [(&d[0], "blocked"), (&d[1], "gone"), (&d[2], "gone")] {
        assert!(!docs_stored.contains(&s.mock.url(0, &doc.path)), "{} stored as a document", doc.path);
        assert_eq!(frontier_state(&s, &doc.path).await, state, "{}", doc.path);
    }
    let outcomes: Vec<String> = sqlx::query("SELECT outcome FROM responses WHERE kind = 'detail' AND outcome <> 'ok' ORDER BY outcome")
        .fetch_all(s.archive().reader())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(outcomes, ["blocked", "gone", "gone"]);
    let reports = d.iter().filter(|x| x.is_report).count();
    assert_eq!(docs_stored.len(), reports - 3);
    s.mock.assert_all_polite();
}

#[tokio::test]
async fn a_site_that_keeps_blocking_is_stopped_and_the_rest_left_pending() {
    let b = fast().docs_per_site(24).per_page(24).fault(Target::path(0, "/zwgk/zfxxgknb/20"), Fault::Challenge412);
    let s = Setup::new(b).await;
    let report = s.crawl_default().await;
    let site = report.site("county1").unwrap();
    assert!(site.blocked && !site.is_ok());
    assert!(site.errors.iter().any(|e| e.contains("blocked")), "{:?}", site.errors);
    let detail_hits = s.mock.hits_for(0).iter().filter(|h| h.target.starts_with("/zwgk/zfxxgknb/20")).count();
    // Three in a row stop it; at most the claimed-and-waiting ones follow.
    assert!((3..=6).contains(&detail_hits), "{detail_hits} detail requests to a blocking site");
    // What was not tried stays pending for the next run.
    let pending = scalar(s.archive(), "SELECT count(*) FROM frontier WHERE state = 'pending'").await;
    assert_eq!(pending as usize, 18 - detail_hits);
    assert_eq!(s.documents("county1").await.len(), 0);
    s.mock.assert_all_polite();
}

#[tokio::test]
async fn transient_faults_end_in_success() {
    let d = docs();
    let b = fast()
        .fault(Target::path(0, "/zwgk/zfxxgknb/index.html"), Fault::Status { status: 503, count: 2, retry_after: None })
        .fault(Target::path(0, &d[0].path), Fault::Status { status: 429, count: 1, retry_after: Some("1".into()) })
        .fault(Target::path(0, &d[1].path), Fault::Reset { count: 2 })
        .fault(Target::path(0, &d[2].path), Fault::Truncate { count: 1 })
        .fault(Target::path(0, &d[4].path), Fault::Status { status: 502, count: 3, retry_after: None });
    let s = Setup::new(b).await;
    let report = s.crawl_default().await;
    assert!(report.is_ok(), "{:?}", report.errors());
    assert_eq!(s.documents("county1").await.len(), d.iter().filter(|x| x.is_report).count());
    assert_eq!(s.count(0, "/zwgk/zfxxgknb/index.html"), 3);
    s.mock.assert_all_polite();
}

#[tokio::test]
async fn a_permanent_failure_is_a_clear_error_and_retried_next_run() {
    let d = docs();
    let b = fast().fault(Target::path(0, &d[0].path), Fault::Status { status: 500, count: 4, retry_after: None });
    let s = Setup::new(b).await;
    let report = s.crawl_default().await;
    let site = report.site("county1").unwrap();
    assert_eq!(site.counts.failed, 1);
    assert_eq!(site.errors.len(), 1);
    assert!(site.errors[0].contains(&d[0].path) && site.errors[0].contains("HTTP 500"), "{:?}", site.errors);
    assert_eq!(frontier_state(&s, &d[0].path).await, "failed");
    let summary = s.archive().run_summary(report.run_id).await.unwrap().unwrap();
    assert_eq!(summary.outcome, nianbao::archive::RunOutcome::Partial);
    assert!(summary.errors[0].url.as_deref().is_some_and(|u| u.ends_with(&d[0].path)));

    // Next run: the failed URL is tried again (the fault is used up) and archived.
    let again = s.crawl_default().await;
    assert!(again.is_ok(), "{:?}", again.errors());
    assert_eq!(frontier_state(&s, &d[0].path).await, "done");
    assert_eq!(s.documents("county1").await.len(), d.iter().filter(|x| x.is_report).count());
    s.mock.assert_all_polite();
}

#[tokio::test]
async fn unreachable_hosts_and_bad_urls_fail_their_site_only() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead: SocketAddr = closed.local_addr().unwrap();
    drop(closed);
    let mut s = Setup::with_config(fast().sites(3), |mut c| {
        c.resolve.push(("www.unreachable.gov.cn".into(), dead));
        c
    })
    .await;
    s.rules[1].domains.push("www.unreachable.gov.cn".into());
    s.rules[1].lists[0].url = url::Url::parse("http://www.unreachable.gov.cn/zwgk/index.html").unwrap();
    s.rules[2].lists[0].url = url::Url::parse("ftp://www.county3.gov.cn/zwgk/index.html").unwrap();
    let report = tokio::time::timeout(Duration::from_secs(60), s.crawl(&CrawlOptions::default())).await.expect("bounded");
    assert!(report.site("county1").unwrap().is_ok());
    assert_eq!(s.documents("county1").await.len(), docs().iter().filter(|x| x.is_report).count());
    let e1 = &report.site("county2").unwrap().errors;
    assert!(e1.len() == 1 && e1[0].contains("http://www.unreachable.gov.cn/zwgk/index.html") && e1[0].contains("connect"), "{e1:?}");
    let e2 = &report.site("county3").unwrap().errors;
    assert!(e2.len() == 1 && e2[0].contains("ftp://www.county3.gov.cn/zwgk/index.html") && e2[0].contains("invalid URL"), "{e2:?}");
    assert!(!report.is_ok());
    s.mock.assert_all_polite();
}
