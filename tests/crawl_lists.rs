//! Lists and pagination against the mock server: TRS `createPageHTML`/`index_N`, Hanweb
//! `dataproxy.jsp` windows (with the overlapping record), "下一页" links; keep/skip and `--since`
//! filters; `--max-pages`; incremental stop and `--full`.

mod crawl_common;
mod support;

use std::time::Duration;

use crawl_common::{scalar, Setup};
use nianbao::crawl::CrawlOptions;
use support::*;

fn fast() -> MockBuilder {
    MockServer::builder().rate(50, Duration::from_secs(1))
}

/// Every report detail fetched exactly once, nothing else fetched, all archived once.
fn assert_reports_fetched_once(s: &Setup, i: usize) {
    for d in &s.mock.site(i).docs {
        let want = usize::from(d.is_report);
        assert_eq!(s.count(i, &d.path), want, "{} ({})", d.path, d.title);
    }
}

#[tokio::test]
async fn trs_pages_are_walked_from_create_page_html() {
    let s = Setup::new(fast().docs_per_site(23).per_page(5).style(Style::Trs)).await;
    let report = s.crawl_default().await;
    assert!(report.is_ok(), "{:?}", report.errors());
    assert_eq!(s.count(0, "/zwgk/zfxxgknb/index.html"), 1);
    for n in 1..5 {
        assert_eq!(s.count(0, &format!("/zwgk/zfxxgknb/index_{n}.html")), 1, "index_{n}");
    }
    assert_eq!(s.count(0, "/zwgk/zfxxgknb/index_5.html"), 0, "no page past createPageHTML's count");
    assert_reports_fetched_once(&s, 0);
    let reports = s.report_paths(0).len();
    assert_eq!(s.documents("county1").await.len(), reports);
    let site = report.site("county1").unwrap();
    assert_eq!(site.counts.new as usize, reports);
    assert_eq!(site.lists[0].pages, 5);
    assert_eq!(site.lists[0].items as usize, reports);
    assert!(site.lists[0].complete);
    s.mock.assert_all_polite();
}

#[tokio::test]
async fn hanweb_dataproxy_windows_are_posted_and_the_overlap_record_fetched_once() {
    let s = Setup::new(fast().docs_per_site(40).per_page(5).style(Style::Hanweb)).await;
    let report = s.crawl_default().await;
    assert!(report.is_ok(), "{:?}", report.errors());
    let posts: Vec<Hit> = s.mock.hits_for(0).into_iter().filter(|h| h.target.starts_with("/module/web/jpage/dataproxy.jsp")).collect();
    // 40 records in windows of 15: the first inline, two by POST.
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(posts.iter().all(|h| h.method == "POST"));
    assert!(posts.iter().any(|h| h.target.contains("startrecord=16&endrecord=30")));
    assert!(posts.iter().any(|h| h.target.contains("startrecord=31&endrecord=45")));
    // Record 15 comes again at the head of the second window: still one fetch.
    assert_reports_fetched_once(&s, 0);
    assert_eq!(s.documents("county1").await.len(), s.report_paths(0).len());
    s.mock.assert_all_polite();
}

#[tokio::test]
async fn next_links_are_followed_page_by_page() {
    let s = Setup::new(fast().docs_per_site(17).per_page(5).style(Style::NextLink)).await;
    let report = s.crawl_default().await;
    assert!(report.is_ok(), "{:?}", report.errors());
    for n in 1..=4 {
        assert_eq!(s.count(0, &format!("/xxgk/ndbg/list_{n}.html")), 1, "list_{n}");
    }
    assert_eq!(s.count(0, "/xxgk/ndbg/list_5.html"), 0);
    assert_reports_fetched_once(&s, 0);
    assert_eq!(report.site("county1").unwrap().lists[0].pages, 4);
    s.mock.assert_all_polite();
}

#[tokio::test]
async fn since_keeps_recent_reports_only() {
    let s = Setup::new(fast().docs_per_site(16).per_page(8).style(Style::Trs)).await;
    let report = s.crawl(&CrawlOptions { since: Some(2021), ..Default::default() }).await;
    assert!(report.is_ok(), "{:?}", report.errors());
    let mut fetched = 0;
    for d in &s.mock.site(0).docs {
        let want = usize::from(d.is_report && d.year >= 2021);
        assert_eq!(s.count(0, &d.path), want, "{} year {}", d.title, d.year);
        fetched += want;
    }
    assert!(fetched > 0 && fetched < s.report_paths(0).len());
    assert_eq!(s.documents("county1").await.len(), fetched);
}

#[tokio::test]
async fn skip_filter_drops_matching_titles() {
    let mut s = Setup::new(fast().docs_per_site(8).per_page(8).style(Style::NextLink)).await;
    s.rules[0].lists[0].keep = None;
    s.rules[0].lists[0].skip = Some(regex::Regex::new("通知").unwrap());
    s.crawl_default().await;
    // Without `keep` the notices would be fetched; `skip` drops them again.
    for d in &s.mock.site(0).docs {
        assert_eq!(s.count(0, &d.path), usize::from(d.is_report), "{}", d.title);
    }
}

#[tokio::test]
async fn max_pages_caps_each_list_and_skips_the_takedown_check() {
    let s = Setup::new(fast().docs_per_site(25).per_page(5).style(Style::Trs)).await;
    let report = s.crawl(&CrawlOptions { max_pages: Some(2), ..Default::default() }).await;
    assert_eq!(s.count(0, "/zwgk/zfxxgknb/index.html"), 1);
    assert_eq!(s.count(0, "/zwgk/zfxxgknb/index_1.html"), 1);
    assert_eq!(s.count(0, "/zwgk/zfxxgknb/index_2.html"), 0);
    let list = &report.site("county1").unwrap().lists[0];
    assert_eq!(list.pages, 2);
    assert!(!list.complete, "a capped walk is not a complete walk");
    let first_ten = s.mock.site(0).docs.iter().take(10).filter(|d| d.is_report).count();
    assert_eq!(s.documents("county1").await.len(), first_ten);
}

#[tokio::test]
async fn a_second_crawl_stops_at_the_first_page_of_known_documents_unless_full() {
    let s = Setup::new(fast().docs_per_site(20).per_page(5).style(Style::Trs)).await;
    s.crawl_default().await;
    let details_after_first = s.mock.hits_for(0).len();

    let second = s.crawl_default().await;
    assert!(second.is_ok(), "{:?}", second.errors());
    let list = &second.site("county1").unwrap().lists[0];
    assert!(list.stopped_early && !list.complete);
    assert_eq!(list.pages, 1);
    assert_eq!(s.count(0, "/zwgk/zfxxgknb/index.html"), 2);
    assert_eq!(s.count(0, "/zwgk/zfxxgknb/index_1.html"), 1);
    // Only the first list page was fetched again; no detail.
    assert_eq!(s.mock.hits_for(0).len(), details_after_first + 1);
    assert_eq!(second.site("county1").unwrap().counts.new, 0);

    let full = s.crawl(&CrawlOptions { full: true, ..Default::default() }).await;
    assert!(full.is_ok(), "{:?}", full.errors());
    let list = &full.site("county1").unwrap().lists[0];
    assert!(list.complete && !list.stopped_early);
    assert_eq!(s.count(0, "/zwgk/zfxxgknb/index_3.html"), 2);
    let counts = &full.site("county1").unwrap().counts;
    assert_eq!(counts.unchanged as usize, s.report_paths(0).len(), "every listed document refetched, none changed");
    assert_eq!(counts.new + counts.changed, 0);
    // Still one document per URL.
    let dups = scalar(s.archive(), "SELECT count(*) - count(DISTINCT url) FROM documents").await;
    assert_eq!(dups, 0);
    s.mock.assert_all_polite();
}

#[tokio::test]
async fn sites_of_every_style_crawl_concurrently() {
    let s = Setup::new(fast().sites(3).docs_per_site(12).per_page(4).mixed_styles().mixed_encodings()).await;
    let report = s.crawl_default().await;
    assert!(report.is_ok(), "{:?}", report.errors());
    for i in 0..3 {
        assert_reports_fetched_once(&s, i);
        let name = &s.mock.site(i).name;
        assert_eq!(s.documents(name).await.len(), s.report_paths(i).len(), "{name}");
    }
    s.mock.assert_all_polite();
}
