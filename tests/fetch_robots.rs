//! robots.txt: fetched once per host through the limiter, Disallow and Crawl-delay obeyed,
//! absent and unreadable files handled, and the per-site opt-out.

mod support;

use std::time::Duration;

use futures::future::join_all;
use nianbao::fetch::{FetchError, Fetcher, Request, RobotsStatus};
use nianbao::site::{Rate, RobotsPolicy};
use support::*;

async fn fetcher_for(mock: &MockServer) -> Fetcher {
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    fetcher.add_site(&mock.rule(0)).unwrap();
    fetcher
}

fn doc(mock: &MockServer, k: usize) -> Request {
    Request::get(mock.url(0, &mock.site(0).docs[k].path)).site("county1")
}

#[tokio::test]
async fn disallowed_paths_are_refused_and_robots_is_fetched_once() {
    let robots = "User-agent: *\nDisallow: /zwgk/zfxxgknb/index_\nAllow: /\n";
    let mock = MockServer::builder().docs_per_site(12).robots(None, Robots::Text(robots.into())).start().await;
    let fetcher = fetcher_for(&mock).await;
    let reqs: Vec<Request> = (0..5).map(|k| doc(&mock, k)).collect();
    let results = join_all(reqs.iter().map(|r| fetcher.fetch(r))).await;
    assert!(results.iter().all(|r| r.is_ok()));
    let page2 = Request::get(mock.url(0, "/zwgk/zfxxgknb/index_1.html")).site("county1");
    let err = fetcher.fetch(&page2).await.unwrap_err();
    assert!(matches!(&err, FetchError::RobotsDisallowed { host, .. } if host == "www.county1.gov.cn"), "{err:?}");
    assert_eq!(mock.count(0, "/zwgk/zfxxgknb/index_1.html"), 0, "never requested");
    assert_eq!(mock.count(0, "/robots.txt"), 1);
    mock.assert_all_polite();
}

#[tokio::test]
async fn our_agent_group_wins_and_blanket_disallow_is_reported() {
    let robots = "User-agent: *\nAllow: /\n\nUser-agent: nianbao\nDisallow: /\n";
    let mock = MockServer::builder().robots(Some(0), Robots::Text(robots.into())).start().await;
    let fetcher = fetcher_for(&mock).await;
    assert!(matches!(fetcher.fetch(&doc(&mock, 0)).await, Err(FetchError::RobotsDisallowed { .. })));
    assert!(matches!(
        fetcher.robots_status("www.county1.gov.cn").await,
        RobotsStatus::Present { blanket_disallow: true, .. }
    ));
}

#[tokio::test]
async fn crawl_delay_slows_the_host_below_the_rule_rate() {
    let robots = "User-agent: *\nCrawl-delay: 0.3\n";
    let mock = MockServer::builder().docs_per_site(4).robots(None, Robots::Text(robots.into())).start().await;
    let fetcher = fetcher_for(&mock).await;
    let reqs: Vec<Request> = (0..4).map(|k| doc(&mock, k)).collect();
    join_all(reqs.iter().map(|r| fetcher.fetch(r))).await;
    assert_eq!(fetcher.host("www.county1.gov.cn").unwrap().current_interval(), Duration::from_millis(300));
    // The page requests (after robots.txt) respect 1 per 300 ms, not the rule's 20/s.
    let mut hits = mock.hits_for(0);
    hits.retain(|h| h.target != "/robots.txt");
    let gaps: Vec<Duration> = hits.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert_eq!(gaps.len(), 3);
    assert!(gaps.iter().all(|g| *g >= Duration::from_millis(280)), "{gaps:?}");
    mock.assert_polite(0, Rate { requests: 20, per: Duration::from_secs(1) }, 1);
}

#[tokio::test]
async fn absent_robots_allows_everything_and_is_recorded() {
    let mock = MockServer::builder().start().await;
    let fetcher = fetcher_for(&mock).await;
    assert_eq!(fetcher.robots_status("www.county1.gov.cn").await, RobotsStatus::Unknown);
    fetcher.fetch(&doc(&mock, 0)).await.unwrap();
    assert_eq!(fetcher.robots_status("www.county1.gov.cn").await, RobotsStatus::Absent { status: 404 });
}

#[tokio::test]
async fn a_5xx_robots_pauses_the_host_without_requesting_pages() {
    let mock = MockServer::builder().robots(None, Robots::Status(503)).start().await;
    let fetcher = fetcher_for(&mock).await;
    let err = fetcher.fetch(&doc(&mock, 0)).await.unwrap_err();
    match &err {
        FetchError::RobotsUnavailable { reason, retry_in, .. } => {
            assert!(reason.contains("503"), "{reason}");
            assert!(*retry_in > Duration::from_secs(50), "{retry_in:?}");
        }
        other => panic!("{other:?}"),
    }
    // Retried like any 5xx (1 + 3 retries), then the host is paused: no page request at all,
    // and the next call fails fast without asking robots.txt again.
    assert_eq!(mock.count(0, "/robots.txt"), 4);
    assert!(matches!(fetcher.fetch(&doc(&mock, 1)).await, Err(FetchError::RobotsUnavailable { .. })));
    assert_eq!(mock.hits_for(0).len(), 4);
    assert!(matches!(fetcher.robots_status("www.county1.gov.cn").await, RobotsStatus::Unavailable { .. }));
    mock.assert_all_polite();
}

#[tokio::test]
async fn a_rule_can_opt_out_with_a_reason() {
    let mock = MockServer::builder().robots(None, Robots::Text("User-agent: *\nDisallow: /\n".into())).start().await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    let mut rule = mock.rule(0);
    rule.robots = RobotsPolicy::Ignore { reason: "agreed with the webmaster by letter".into() };
    fetcher.add_site(&rule).unwrap();
    fetcher.fetch(&doc(&mock, 0)).await.expect("robots ignored");
    assert_eq!(mock.count(0, "/robots.txt"), 0);
    assert_eq!(
        fetcher.robots_status("www.county1.gov.cn").await,
        RobotsStatus::Ignored { reason: "agreed with the webmaster by letter".into() }
    );
}
