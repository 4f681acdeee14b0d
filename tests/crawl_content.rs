//! What a crawl stores: GBK sites end to end (GBK bytes, GBK-encoded query strings), attachments
//! (downloaded once, sniffed, linked; an HTML answer for a .pdf is an error), and takedowns when
//! an item leaves its list.

mod crawl_common;
mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crawl_common::{scalar, Setup};
use nianbao::archive::Archive;
use nianbao::crawl::{CrawlOptions, Crawler};
use nianbao::fetch::{FetchConfig, Fetcher};
use sqlx::Row;
use support::http::{HttpRequest, HttpResponse};
use support::*;

fn fast() -> MockBuilder {
    MockServer::builder().rate(50, Duration::from_secs(1))
}

#[tokio::test]
async fn a_gbk_site_is_decoded_and_its_raw_gbk_bytes_kept() {
    let s = Setup::new(fast().docs_per_site(6).per_page(6).style(Style::NextLink).encoding(Encoding::Gbk)).await;
    let report = s.crawl_default().await;
    assert!(report.is_ok(), "{:?}", report.errors());
    let doc = &s.mock.site(0).docs[0];
    let row = sqlx::query(
        "SELECT v.title, v.text, v.encoding_label, r.body_hash FROM documents d JOIN versions v ON v.id = d.current_version
         JOIN responses r ON r.id = v.response_id WHERE d.url = ?",
    )
    .bind(s.mock.url(0, &doc.path))
    .fetch_one(s.archive().reader())
    .await
    .unwrap();
    assert_eq!(row.get::<String, _>(0), doc.title);
    let text: String = row.get(1);
    assert!(text.contains(&doc.paragraphs[0]), "{text}");
    assert!(!text.contains('\u{FFFD}'));
    assert_eq!(row.get::<String, _>(2), "gb18030");
    let raw = s.archive().blob(&row.get::<String, _>(3)).await.unwrap().unwrap();
    let (gbk_title, _, _) = encoding_rs::GBK.encode(&doc.title);
    assert!(raw.windows(gbk_title.len()).any(|w| w == &gbk_title[..]), "the stored body is the GBK bytes");
    assert!(std::str::from_utf8(&raw).is_err());
}

#[tokio::test]
async fn attachments_are_downloaded_once_and_linked_to_their_document() {
    let s = Setup::new(fast().sites(2).docs_per_site(8).per_page(8).mixed_styles()).await;
    let report = s.crawl_default().await;
    assert!(report.is_ok(), "{:?}", report.errors());
    // TRS: the PDF is fetched directly; Hanweb: downfile.jsp redirects to /attach/0/….
    for i in 0..2 {
        for d in s.mock.site(i).docs.iter().filter(|d| d.is_report) {
            let hits = s.mock.hits_for(i).iter().filter(|h| h.target == d.attachment_path).count();
            assert_eq!(hits, 1, "{}", d.attachment_path);
        }
    }
    let linked = scalar(s.archive(), "SELECT count(*) FROM attachments WHERE blob_hash IS NOT NULL").await;
    let all = scalar(s.archive(), "SELECT count(*) FROM attachments").await;
    let reports = (0..2).map(|i| s.report_paths(i).len()).sum::<usize>() as i64;
    assert_eq!((linked, all), (reports, reports));
    let hash: String = sqlx::query("SELECT blob_hash FROM attachments LIMIT 1")
        .fetch_one(s.archive().reader())
        .await
        .unwrap()
        .get(0);
    assert!(s.archive().blob(&hash).await.unwrap().unwrap().starts_with(b"%PDF-"));
}

#[tokio::test]
async fn an_html_page_answering_for_a_pdf_is_an_error_not_an_attachment() {
    let probe = fast().docs_per_site(4).per_page(4).style(Style::NextLink).start().await;
    let doc = probe.site(0).docs[0].clone();
    drop(probe);
    // The PDF link of the first report redirects to an HTML page.
    let b = fast()
        .docs_per_site(4)
        .per_page(4)
        .style(Style::NextLink)
        .fault(Target::path(0, &doc.attachment_path), Fault::RedirectTo(doc.path.clone()));
    let s = Setup::new(b).await;
    let report = s.crawl_default().await;
    let site = report.site("county1").unwrap();
    assert!(!site.is_ok());
    assert_eq!(site.errors.len(), 1, "{:?}", site.errors);
    assert!(site.errors[0].contains(&doc.attachment_path) && site.errors[0].contains("HTML"), "{:?}", site.errors);
    let unlinked = scalar(s.archive(), "SELECT count(*) FROM attachments WHERE blob_hash IS NULL").await;
    assert_eq!(unlinked, 1);
    // The other documents and their attachments are fine.
    assert_eq!(s.documents("county1").await.len(), s.report_paths(0).len());
}

// ---- a small mutable site (axum) for GBK queries and takedowns ----------------------------

#[derive(Clone, Default)]
struct Mini {
    /// (id, title) listed on /list.html.
    items: Arc<Mutex<Vec<(u32, String)>>>,
    /// Raw query strings the detail handler received.
    queries: Arc<Mutex<Vec<String>>>,
}

fn gbk(html: String) -> HttpResponse {
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    HttpResponse::new(200, "text/html; charset=GBK", bytes.into_owned())
}

fn list_page(m: &Mini) -> HttpResponse {
    let items: String = m
        .items
        .lock()
        .unwrap()
        .iter()
        .map(|(id, t)| format!("<li><a href=\"detail.jsp?lm=年报&id={id}\">{t}</a><span>2024-03-0{}</span></li>", id % 9 + 1))
        .collect();
    gbk(format!("<html><head><meta charset=\"gb2312\"><title>年报</title></head><body><ul class=\"docs\">{items}</ul></body></html>"))
}

fn detail_page(m: &Mini, req: &HttpRequest) -> HttpResponse {
    let q = req.target.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
    m.queries.lock().unwrap().push(q.clone());
    let id = q.rsplit("id=").next().unwrap_or("0").to_string();
    gbk(format!(
        "<html><head><meta charset=\"gb2312\"><title>第{id}号</title></head><body><h1>平潭县2023年政府信息公开工作年度报告{id}</h1>\
         <div class=\"content\"><p>本年度共主动公开政府信息一千二百条，第{id}号。</p></div></body></html>"
    ))
}

/// Serve the mini site on 127.0.0.1 (HTTP/1.1 with keep-alive, the mock's own request reader).
async fn start_mini(m: Mini) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let m = m.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Ok(Some((req, _))) = support::http::read_request(&mut stream, &mut buf).await {
                    let resp = match req.path() {
                        "/list.html" => list_page(&m),
                        "/detail.jsp" => detail_page(&m, &req),
                        other => HttpResponse::new(404, "text/plain", other.to_string()),
                    };
                    if !matches!(support::http::write_response(&mut stream, &resp, req.method == "HEAD").await, Ok(true)) {
                        break;
                    }
                }
            });
        }
    });
    port
}

fn mini_rule(port: u16, gbk_query: bool) -> nianbao::site::Site {
    let toml = format!(
        r#"
title = "测试县"
domains = ["127.0.0.1"]
rate = "50/s"
concurrency = 2

[[lists]]
url = "http://127.0.0.1:{port}/list.html"
items = "ul.docs li"
link = "a"
gbk_query = {gbk_query}

[detail]
title = "h1"
content = "div.content"
"#
    );
    nianbao::site::parse_str("mini.toml", &toml).unwrap()
}

async fn mini_crawler(dir: &tempfile::TempDir) -> Crawler {
    let archive = Archive::open(dir.path().join("a.db")).await.unwrap();
    let config = FetchConfig { base_backoff: Duration::from_millis(10), ..FetchConfig::default() };
    Crawler::new(archive, Fetcher::new(config).unwrap())
}

#[tokio::test]
async fn gbk_query_sends_gb18030_percent_escapes() {
    for (gbk_query, want) in [(true, "lm=%C4%EA%B1%A8&id=1"), (false, "lm=%E5%B9%B4%E6%8A%A5&id=1")] {
        let m = Mini::default();
        m.items.lock().unwrap().push((1, "平潭县2023年政府信息公开工作年度报告".into()));
        let port = start_mini(m.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let crawler = mini_crawler(&dir).await;
        let rule = mini_rule(port, gbk_query);
        let report = crawler.crawl(&[&rule], &CrawlOptions::default()).await.unwrap();
        assert!(report.is_ok(), "{:?}", report.errors());
        assert_eq!(*m.queries.lock().unwrap(), vec![want.to_string()], "gbk_query = {gbk_query}");
        let title: String = sqlx::query("SELECT title FROM current_documents")
            .fetch_one(crawler.archive().reader())
            .await
            .unwrap()
            .get(0);
        assert_eq!(title, "平潭县2023年政府信息公开工作年度报告1");
    }
}

#[tokio::test]
async fn a_document_that_leaves_its_list_is_taken_down_and_comes_back() {
    let m = Mini::default();
    for id in 1..=3 {
        m.items.lock().unwrap().push((id, format!("雨花区2023年政府信息公开年报{id}")));
    }
    let port = start_mini(m.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let crawler = mini_crawler(&dir).await;
    let rule = mini_rule(port, true);
    let a = crawler.archive().clone();
    let first = crawler.crawl(&[&rule], &CrawlOptions::default()).await.unwrap();
    assert_eq!(first.sites[0].counts.new, 3);

    m.items.lock().unwrap().retain(|(id, _)| *id != 2);
    let second = crawler.crawl(&[&rule], &CrawlOptions::default()).await.unwrap();
    assert_eq!(second.sites[0].missing_from_list, 1);
    assert_eq!(second.sites[0].counts.taken_down, 1);
    let down: Vec<(String, String)> = sqlx::query("SELECT url, taken_down_reason FROM documents WHERE taken_down_at IS NOT NULL")
        .fetch_all(a.reader())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(down.len(), 1);
    assert!(down[0].0.ends_with("id=2") && down[0].1 == "missing_from_list", "{down:?}");
    // Nothing was refetched: the list was all known.
    assert_eq!(m.queries.lock().unwrap().len(), 3);

    m.items.lock().unwrap().push((2, "雨花区2023年政府信息公开年报2".into()));
    crawler.crawl(&[&rule], &CrawlOptions::default()).await.unwrap();
    assert_eq!(scalar(&a, "SELECT count(*) FROM documents WHERE taken_down_at IS NOT NULL").await, 0);
    assert_eq!(scalar(&a, "SELECT count(*) FROM document_events WHERE event = 'back'").await, 1);
}
