//! Politeness: per-host rate and concurrency hold under concurrent load, hosts are isolated,
//! unknown hosts get the conservative default, and the meter itself catches a rude client.

mod support;

use std::time::Duration;

use futures::future::join_all;
use nianbao::fetch::{FetchConfig, Fetcher, Request};
use nianbao::site::Rate;
use support::*;
use tokio::time::Instant;

fn detail_requests(mock: &MockServer, i: usize) -> Vec<Request> {
    mock.site(i).docs.iter().map(|d| Request::get(mock.url(i, &d.path)).site(mock.site(i).name.clone())).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_fetches_never_exceed_the_rule_rate() {
    let mock = MockServer::builder().sites(2).docs_per_site(8).rate(10, Duration::from_secs(1)).mixed_styles().start().await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    for i in 0..2 {
        fetcher.add_site(&mock.rule(i)).unwrap();
    }
    let reqs: Vec<Request> = (0..2).flat_map(|i| detail_requests(&mock, i)).collect();
    let t0 = Instant::now();
    let results = join_all(reqs.iter().map(|r| fetcher.fetch(r))).await;
    for r in &results {
        let f = r.as_ref().expect("fetch ok");
        assert!(f.outcome.is_ok(), "{:?}", f.outcome);
    }
    // 8 documents + robots.txt per host at 10/s: at least 8 intervals on each host.
    assert!(t0.elapsed() >= Duration::from_millis(760), "{:?}", t0.elapsed());
    assert_eq!(mock.hits_for(0).len(), 9);
    assert_eq!(mock.hits_for(1).len(), 9);
    mock.assert_all_polite();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_cap_is_used_and_never_exceeded() {
    let mock = MockServer::builder()
        .docs_per_site(6)
        .rate(50, Duration::from_secs(1))
        .concurrency(2)
        .fault(Target::path(0, "/zwgk/zfxxgknb/2"), Fault::Latency(Duration::from_millis(250)))
        .start()
        .await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    fetcher.add_site(&mock.rule(0)).unwrap();
    let reqs = detail_requests(&mock, 0);
    let results = join_all(reqs.iter().map(|r| fetcher.fetch(r))).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(mock.meter().max_in_flight(&mock.site(0).host), 2, "two slow requests overlap, never three");
    mock.assert_polite(0, mock.rate(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_host_does_not_slow_another() {
    let mock = MockServer::builder()
        .sites(2)
        .docs_per_site(5)
        .rate(20, Duration::from_secs(1))
        .fault(Target::site(0), Fault::Latency(Duration::from_millis(400)))
        .start()
        .await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    let mut slow_rule = mock.rule(0);
    slow_rule.rate = Rate { requests: 2, per: Duration::from_secs(1) };
    fetcher.add_site(&slow_rule).unwrap();
    fetcher.add_site(&mock.rule(1)).unwrap();

    let t0 = Instant::now();
    let timed = |r: Request| {
        let f = fetcher.clone();
        async move {
            f.fetch(&r).await.expect("fetch ok");
            t0.elapsed()
        }
    };
    let slow = join_all(detail_requests(&mock, 0).into_iter().take(3).map(timed));
    let fast = join_all(detail_requests(&mock, 1).into_iter().map(timed));
    let (slow, fast) = tokio::join!(slow, fast);
    let fast_done = *fast.iter().max().unwrap();
    let slow_done = *slow.iter().max().unwrap();
    // Fast host: robots + 5 pages at 20/s ≈ 250 ms; slow host: ≥ 3 × 500 ms. Held up behind the
    // slow host, the fast one could not finish before it; the bound leaves room for a loaded CI.
    assert!(fast_done < Duration::from_millis(1300), "fast host held up: {fast_done:?}");
    assert!(slow_done >= Duration::from_millis(1400), "slow host too fast: {slow_done:?}");
    mock.assert_polite(0, slow_rule.rate, 1);
    mock.assert_polite(1, mock.rate(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_hosts_get_the_default_rate_and_site_requests_inherit_the_site_policy() {
    let mock = MockServer::builder().sites(3).docs_per_site(3).rate(20, Duration::from_secs(1)).start().await;
    let default_rate = Rate { requests: 4, per: Duration::from_secs(1) };
    let fetcher = Fetcher::new(FetchConfig { default_rate, ..mock.fetch_config() }).unwrap();
    fetcher.add_site(&mock.rule(0)).unwrap();
    // Host 1: no rule, no site named → default rate.
    for r in detail_requests(&mock, 1) {
        fetcher.fetch(&Request::get(r.url)).await.unwrap();
    }
    assert_eq!(fetcher.host(&mock.site(1).host).unwrap().policy().interval, Duration::from_millis(250));
    mock.assert_polite(1, default_rate, 1);
    // Host 2: not in site 0's domains, but the request names site 0 (an attachment on a
    // storage host) → site 0's policy.
    let r = Request::get(mock.url(2, &mock.site(2).docs[0].path)).site(mock.site(0).name.clone());
    fetcher.fetch(&r).await.unwrap();
    assert_eq!(fetcher.host(&mock.site(2).host).unwrap().policy().interval, Duration::from_millis(50));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_meter_catches_a_client_without_limits() {
    let mock = MockServer::builder().docs_per_site(5).start().await;
    nianbao::fetch::install_tls_provider();
    let mut b = reqwest::Client::builder();
    for (h, a) in mock.resolve() {
        b = b.resolve(&h, a);
    }
    let client = b.build().unwrap();
    let urls: Vec<String> = mock.site(0).docs.iter().map(|d| mock.url(0, &d.path)).collect();
    join_all(urls.iter().map(|u| client.get(u).send())).await;
    let rude = std::panic::catch_unwind(|| mock.assert_polite(0, mock.rate(), 1));
    assert!(rude.is_err(), "5 simultaneous requests must trip the meter");
}
