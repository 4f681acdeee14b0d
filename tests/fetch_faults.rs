//! Retries and faults: 5xx bursts, 429/503 with Retry-After (seconds and HTTP-date), resets,
//! truncated and slow bodies, timeouts, unreachable hosts and bad URLs — each against the mock,
//! with the politeness meter checked after every scenario.

mod support;

use std::time::Duration;

use nianbao::fetch::{FetchConfig, FetchError, Fetcher, Request};
use support::*;

const LIST: &str = "/zwgk/zfxxgknb/index.html";

async fn setup(builder: MockBuilder, config: impl FnOnce(FetchConfig) -> FetchConfig) -> (MockServer, Fetcher) {
    let mock = builder.start().await;
    let fetcher = mock.fetcher_with(config);
    (mock, fetcher)
}

fn list(mock: &MockServer) -> Request {
    Request::get(mock.url(0, LIST)).site("county1")
}

/// Arrival times of the requests for `path` on site 0.
fn arrivals(mock: &MockServer, path: &str) -> Vec<tokio::time::Instant> {
    mock.hits_for(0).iter().filter(|h| h.target.split('?').next() == Some(path)).map(|h| h.at).collect()
}

#[tokio::test]
async fn a_5xx_burst_is_retried_until_it_passes() {
    let b = MockServer::builder().fault(Target::path(0, LIST), Fault::Status { status: 503, count: 2, retry_after: None });
    let (mock, fetcher) = setup(b, |c| c).await;
    let f = fetcher.fetch(&list(&mock)).await.expect("third attempt succeeds");
    assert_eq!(f.status, 200);
    assert_eq!(f.attempts, 3);
    assert_eq!(mock.count(0, LIST), 3);
    mock.assert_all_polite();
}

#[tokio::test]
async fn a_persistent_500_fails_after_the_configured_retries_naming_the_url() {
    let b = MockServer::builder().fault(Target::path(0, LIST), Fault::Status { status: 500, count: 100, retry_after: None });
    let (mock, fetcher) = setup(b, |c| FetchConfig { retries: 2, ..c }).await;
    let err = fetcher.fetch(&list(&mock)).await.unwrap_err();
    match &err {
        FetchError::Status { status: 500, attempts: 3, url } => assert!(url.ends_with(LIST)),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("www.county1.gov.cn"), "{err}");
    assert_eq!(mock.count(0, LIST), 3);
    mock.assert_all_polite();
}

#[tokio::test]
async fn retry_after_seconds_is_honoured_and_slows_the_host() {
    let b = MockServer::builder().fault(Target::path(0, LIST), Fault::Status { status: 429, count: 1, retry_after: Some("1".into()) });
    let (mock, fetcher) = setup(b, |c| c).await;
    let f = fetcher.fetch(&list(&mock)).await.unwrap();
    assert_eq!(f.attempts, 2);
    let t = arrivals(&mock, LIST);
    assert!(t[1] - t[0] >= Duration::from_secs(1), "retried after {:?}", t[1] - t[0]);
    // The host now runs at half speed (rule: 20/s → 100 ms spacing) for a while.
    let host = fetcher.host("www.county1.gov.cn").unwrap();
    assert_eq!(host.current_interval(), Duration::from_millis(100));
    // And the next two requests are spaced accordingly.
    let doc = mock.site(0).docs[0].path.clone();
    for _ in 0..2 {
        fetcher.fetch(&Request::get(mock.url(0, &doc)).site("county1")).await.unwrap();
    }
    let t = arrivals(&mock, &doc);
    assert!(t[1] - t[0] >= Duration::from_millis(95), "{:?}", t[1] - t[0]);
    mock.assert_all_polite();
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    // The date is absolute: what must hold is that no retry reaches the server before it,
    // however long the set-up took (a loaded CI machine can take a second to start the mock).
    let (i0, w0) = (tokio::time::Instant::now(), chrono::Utc::now());
    let when = w0 + chrono::Duration::seconds(3);
    let date = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let not_before = chrono::DateTime::parse_from_rfc2822(&date).unwrap().with_timezone(&chrono::Utc);
    let b = MockServer::builder().fault(Target::path(0, LIST), Fault::Status { status: 503, count: 1, retry_after: Some(date) });
    let (mock, fetcher) = setup(b, |c| c).await;
    fetcher.fetch(&list(&mock)).await.unwrap();
    let t = arrivals(&mock, LIST);
    assert_eq!(t.len(), 2, "one 503, one retry");
    let retry_wall = w0 + chrono::Duration::from_std(t[1] - i0).unwrap();
    // 50 ms for the two clocks read one after the other at the start.
    assert!(
        retry_wall + chrono::Duration::milliseconds(50) >= not_before,
        "retried at {retry_wall}, before the Retry-After date {not_before}"
    );
    mock.assert_all_polite();
}

#[tokio::test]
async fn a_retry_after_beyond_the_maximum_fails_instead_of_stalling() {
    let b = MockServer::builder().fault(Target::path(0, LIST), Fault::Status { status: 429, count: 5, retry_after: Some("3600".into()) });
    let (mock, fetcher) = setup(b, |c| c).await;
    let err = fetcher.fetch(&list(&mock)).await.unwrap_err();
    assert!(matches!(err, FetchError::RetryAfterTooLong { status: 429, .. }), "{err:?}");
    assert_eq!(mock.count(0, LIST), 1);
}

#[tokio::test]
async fn connection_resets_are_retried_and_reported_when_persistent() {
    let b = MockServer::builder()
        .sites(2)
        .fault(Target::path(0, LIST), Fault::Reset { count: 2 })
        .fault(Target::path(1, LIST), Fault::Reset { count: 100 });
    let (mock, fetcher) = setup(b, |c| c).await;
    let f = fetcher.fetch(&list(&mock)).await.expect("third attempt succeeds");
    assert_eq!(f.attempts, 3);
    let err = fetcher.fetch(&Request::get(mock.url(1, LIST)).site("county2")).await.unwrap_err();
    assert!(matches!(err, FetchError::Connect { attempts: 4, .. }), "{err:?}");
    assert_eq!(mock.count(1, LIST), 4);
    mock.assert_all_polite();
}

#[tokio::test]
async fn truncated_bodies_are_retried_and_never_returned() {
    let b = MockServer::builder()
        .sites(2)
        .fault(Target::path(0, LIST), Fault::Truncate { count: 1 })
        .fault(Target::path(1, LIST), Fault::Truncate { count: 100 });
    let (mock, fetcher) = setup(b, |c| FetchConfig { retries: 2, ..c }).await;
    let f = fetcher.fetch(&list(&mock)).await.unwrap();
    assert_eq!(f.attempts, 2);
    assert!(String::from_utf8_lossy(&f.body).contains("</html>"), "complete body");
    let err = fetcher.fetch(&Request::get(mock.url(1, LIST)).site("county2")).await.unwrap_err();
    assert!(matches!(err, FetchError::Body { attempts: 3, .. }), "{err:?}");
    mock.assert_all_polite();
}

#[tokio::test]
async fn slow_bodies_and_slow_servers_time_out() {
    let b = MockServer::builder()
        .sites(2)
        .fault(Target::path(0, LIST), Fault::SlowBody { chunk: 64, every: Duration::from_millis(100) })
        .fault(Target::path(1, LIST), Fault::Latency(Duration::from_secs(3)));
    let (mock, fetcher) = setup(b, |c| FetchConfig { timeout: Duration::from_millis(400), retries: 1, ..c }).await;
    let t0 = tokio::time::Instant::now();
    let (r0, r1) = (list(&mock), Request::get(mock.url(1, LIST)).site("county2"));
    let (a, b) = tokio::join!(fetcher.fetch(&r0), fetcher.fetch(&r1));
    for err in [a.unwrap_err(), b.unwrap_err()] {
        assert!(matches!(err, FetchError::Timeout { attempts: 2, .. }), "{err:?}");
    }
    assert!(t0.elapsed() < Duration::from_secs(3), "bounded by the timeout, not the server: {:?}", t0.elapsed());
    mock.assert_all_polite();
}

#[tokio::test]
async fn unreachable_hosts_and_bad_urls_fail_clearly_while_other_sites_go_on() {
    let mock = MockServer::builder().start().await;
    // A port nobody listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let mut config = mock.fetch_config();
    config.resolve.push(("www.dead-county.gov.cn".into(), dead));
    config.retries = 1;
    let fetcher = Fetcher::new(config).unwrap();
    fetcher.add_site(&mock.rule(0)).unwrap();

    let dead_url = format!("http://www.dead-county.gov.cn:{}/zwgk/index.html", dead.port());
    let dead_req = Request::get(dead_url.clone());
    let good = list(&mock);
    let (dead_res, good_res) = tokio::join!(fetcher.fetch(&dead_req), fetcher.fetch(&good));
    let err = dead_res.unwrap_err();
    assert!(matches!(err, FetchError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("www.dead-county.gov.cn"), "{err}");
    assert!(good_res.unwrap().outcome.is_ok());

    for bad in ["not a url", "ftp://www.county1.gov.cn/a.pdf", "http://", "javascript:void(0)"] {
        let err = fetcher.fetch(&Request::get(bad)).await.unwrap_err();
        assert!(matches!(err, FetchError::InvalidUrl { .. }), "{bad}: {err:?}");
        assert!(err.to_string().contains(bad), "{err}");
    }
    // Converted into the crate error, the URL is kept and not repeated in the message.
    let e: nianbao::Error = fetcher.fetch(&Request::get("not a url")).await.unwrap_err().into();
    assert!(matches!(&e, nianbao::Error::Fetch { url, message } if url == "not a url" && !message.starts_with("not a url")), "{e:?}");
}
