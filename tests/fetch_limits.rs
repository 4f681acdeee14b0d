//! Limits and wire details: body caps (declared and streamed), gzip, raw GBK bytes under a
//! lying charset header, the User-Agent, the Hanweb POST, per-site proxies and legacy TLS.

mod support;

use std::time::Duration;

use nianbao::fetch::{ClientKey, FetchConfig, FetchError, Fetcher, Request};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LIST: &str = "/zwgk/zfxxgknb/index.html";

#[tokio::test]
async fn huge_bodies_are_refused_without_buffering_them() {
    let mock = MockServer::builder()
        .sites(2)
        .fault(Target::path(0, "/big.pdf"), Fault::Huge { len: 200 * 1024 * 1024, chunked: false })
        .fault(Target::path(1, "/big.pdf"), Fault::Huge { len: 200 * 1024 * 1024, chunked: true })
        .start()
        .await;
    let fetcher = Fetcher::new(FetchConfig { max_body_bytes: 1024 * 1024, ..mock.fetch_config() }).unwrap();
    fetcher.add_site(&mock.rule(0)).unwrap();
    fetcher.add_site(&mock.rule(1)).unwrap();
    let t0 = tokio::time::Instant::now();
    let declared = fetcher.fetch(&Request::get(mock.url(0, "/big.pdf"))).await.unwrap_err();
    assert!(matches!(declared, FetchError::TooLarge { limit: 1048576, declared: Some(209715200), .. }), "{declared:?}");
    let streamed = fetcher.fetch(&Request::get(mock.url(1, "/big.pdf"))).await.unwrap_err();
    assert!(matches!(streamed, FetchError::TooLarge { declared: None, .. }), "{streamed:?}");
    assert!(t0.elapsed() < Duration::from_secs(2), "stopped early: {:?}", t0.elapsed());
    assert_eq!(mock.count(0, "/big.pdf"), 1, "not retried");
    assert_eq!(mock.count(1, "/big.pdf"), 1, "not retried");
}

#[tokio::test]
async fn gzip_bodies_are_decompressed() {
    let mock = MockServer::builder().start().await;
    // The mock really compresses when asked to.
    let mut s = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    s.write_all(format!("GET {LIST} HTTP/1.1\r\nHost: www.county1.gov.cn\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    assert!(String::from_utf8_lossy(&raw).contains("Content-Encoding: gzip"));

    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    let f = fetcher.fetch(&Request::get(mock.url(0, LIST))).await.unwrap();
    let text = String::from_utf8(f.body.clone()).expect("decompressed UTF-8 HTML");
    assert!(text.starts_with("<!DOCTYPE html>") && text.contains(&mock.site(0).docs[0].title));
    assert!(f.header("content-encoding").is_none());
}

#[tokio::test]
async fn gbk_bytes_pass_through_untouched_even_under_a_lying_header() {
    let mock = MockServer::builder()
        .encoding(Encoding::Gbk)
        .fault(Target::site(0), Fault::WrongCharset("utf-8"))
        .start()
        .await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    let doc = &mock.site(0).docs[0];
    let f = fetcher.fetch(&Request::get(mock.url(0, &doc.path))).await.unwrap();
    assert_eq!(f.content_type(), Some("text/html; charset=utf-8"), "the lie is passed on for decode to judge");
    assert!(std::str::from_utf8(&f.body).is_err(), "bytes are GBK, not UTF-8");
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&f.body);
    assert!(!had_errors);
    assert!(text.contains(&doc.title) && text.contains("charset=gb2312"));
    assert!(f.outcome.is_ok());
}

#[tokio::test]
async fn the_user_agent_names_the_tool_and_the_contact() {
    let mock = MockServer::builder().start().await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    fetcher.fetch(&Request::get(mock.url(0, LIST))).await.unwrap();
    let ua = mock.hits()[0].user_agent.clone().unwrap();
    assert!(ua.starts_with("nianbao/") && ua.contains("crawler-tests@example.org") && ua.contains("+https://"), "{ua}");
}

#[tokio::test]
async fn hanweb_dataproxy_post_returns_the_requested_window() {
    let mock = MockServer::builder().style(Style::Hanweb).docs_per_site(40).per_page(5).start().await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    let form = vec![("columnid".to_string(), "10000".to_string()), ("unitid".to_string(), "200000".to_string())];
    let url = mock.url(0, "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=30&perpage=5");
    let f = fetcher.fetch(&Request::post_form(url, form).header("Referer", mock.url(0, &mock.site(0).list_path()))).await.unwrap();
    let xml = String::from_utf8(f.body).unwrap();
    assert!(xml.contains("<totalrecord>40</totalrecord>"));
    // Records 15 (overlap) ..= 30.
    assert_eq!(xml.matches("<record>").count(), 16);
    assert!(xml.contains(&mock.site(0).docs[14].path) && xml.contains(&mock.site(0).docs[29].path));
    assert!(!xml.contains(&mock.site(0).docs[30].path));
}

/// The fetcher-wide proxy (`FetchConfig::proxy`, what `nianbao demo` relies on to keep every
/// request on 127.0.0.1) carries requests of sites without a proxy of their own and of hosts no
/// rule names; a site's own proxy still wins.
#[tokio::test]
async fn the_default_proxy_carries_every_request_without_a_site_proxy() {
    let mock = MockServer::builder().sites(2).start().await;
    let other = MockServer::builder().sites(1).start().await;
    let mut config = mock.fetch_config();
    config.proxy = Some(format!("http://{}", mock.addr()));
    let fetcher = Fetcher::new(config).unwrap();
    let mut own = mock.rule(1);
    own.proxy = Some(format!("http://{}", other.addr()));
    fetcher.add_site(&mock.rule(0)).unwrap();
    fetcher.add_site(&own).unwrap();
    fetcher.fetch(&Request::get(mock.url(0, LIST)).site("county1")).await.unwrap();
    assert!(!mock.hits_for(0).is_empty() && mock.hits_for(0).iter().all(|h| h.via_proxy), "a site without a proxy");
    // No rule: the URL's host is only known to the proxy (it resolves nothing itself).
    let unruled = format!("http://{}{LIST}", mock.site(0).host);
    fetcher.fetch(&Request::get(unruled)).await.unwrap();
    assert!(mock.hits_for(0).iter().all(|h| h.via_proxy));
    fetcher.fetch(&Request::get(mock.url(1, LIST)).site("county2")).await.unwrap();
    assert!(mock.hits_for(1).is_empty(), "county2 went through its own proxy, not the default");
    assert_eq!(fetcher.client_key(&Request::get("http://x.gov.cn/")).proxy, Some(format!("http://{}", mock.addr())));
}

#[tokio::test]
async fn a_site_proxy_is_used_and_bad_proxies_are_reported_by_site() {
    let mock = MockServer::builder().sites(2).start().await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    let mut proxied = mock.rule(0);
    // The mock doubles as an HTTP forward proxy: it sees absolute-form request targets.
    proxied.proxy = Some(format!("http://{}", mock.addr()));
    fetcher.add_site(&proxied).unwrap();
    fetcher.add_site(&mock.rule(1)).unwrap();
    fetcher.fetch(&Request::get(mock.url(0, LIST)).site("county1")).await.unwrap();
    fetcher.fetch(&Request::get(mock.url(1, LIST)).site("county2")).await.unwrap();
    assert!(mock.hits_for(0).iter().all(|h| h.via_proxy), "site 0 through its proxy");
    assert!(mock.hits_for(1).iter().all(|h| !h.via_proxy), "site 1 direct");
    assert_eq!(fetcher.client_count(), 2);

    let mut socks = mock.rule(1);
    socks.name = "socks-site".into();
    socks.proxy = Some("socks5h://127.0.0.1:1080".into());
    fetcher.add_site(&socks).expect("socks5 proxies are supported");
    assert_eq!(fetcher.client_key(&Request::get("http://x.gov.cn/").site("socks-site")).proxy.as_deref(), Some("socks5h://127.0.0.1:1080"));

    let mut bad = mock.rule(1);
    bad.name = "bad-proxy".into();
    bad.proxy = Some("ftp://proxy.example.org:21".into());
    let err = fetcher.add_site(&bad).unwrap_err();
    assert!(matches!(&err, FetchError::Proxy { site, .. } if site == "bad-proxy"), "{err:?}");
    assert!(err.to_string().contains("bad-proxy") && err.to_string().contains("ftp://proxy.example.org:21"));
}

#[tokio::test]
async fn legacy_tls_sites_get_their_own_client() {
    let mock = MockServer::builder().sites(2).start().await;
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    let mut old = mock.rule(1);
    old.legacy_tls = true;
    fetcher.add_site(&mock.rule(0)).unwrap();
    fetcher.add_site(&old).unwrap();
    assert_eq!(fetcher.client_key(&Request::get("http://a/").site("county2")), ClientKey { proxy: None, legacy_tls: true, tls_ca: None });
    assert_eq!(fetcher.client_key(&Request::get("http://a/").site("county1")), ClientKey::default());
    assert_eq!(fetcher.client_count(), 2);
    // Plain http still works through it.
    let f = fetcher.fetch(&Request::get(mock.url(1, LIST)).site("county2")).await.unwrap();
    assert!(f.outcome.is_ok());
}
