//! `capture`: one-off captures with attachments, by the domain's rule or the generic extractor,
//! following list pages `depth` levels.

mod support;

use std::process::Command;
use std::time::Duration;

use nianbao::archive::Archive;
use nianbao::crawl::{capture, CaptureOptions};
use nianbao::fetch::Fetcher;
use nianbao::site::SiteSet;
use sqlx::Row;
use support::*;

async fn setup(style: Style) -> (MockServer, Archive, Fetcher, tempfile::TempDir) {
    let mock = MockServer::builder().rate(50, Duration::from_secs(1)).docs_per_site(8).per_page(4).style(style).start().await;
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(dir.path().join("a.db")).await.unwrap();
    let fetcher = Fetcher::new(mock.fetch_config()).unwrap();
    (mock, archive, fetcher, dir)
}

#[tokio::test]
async fn a_detail_page_is_captured_with_its_attachment() {
    let (mock, archive, fetcher, _dir) = setup(Style::Trs).await;
    let sites = SiteSet::from_sites([mock.rule(0)]);
    let doc = &mock.site(0).docs[0];
    let url = mock.url(0, &doc.path);
    let report = capture(&archive, &fetcher, &sites, std::slice::from_ref(&url), &CaptureOptions::default()).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.pages.len(), 1);
    let p = &report.pages[0];
    assert_eq!((p.kind.as_str(), p.site.as_deref(), p.title.as_str()), ("document", Some("county1"), doc.title.as_str()));
    assert_eq!(p.report_year, Some(doc.year as i32));
    assert_eq!(p.attachments.len(), 1);
    assert!(p.attachments[0].bytes.is_some_and(|n| n > 0), "{:?}", p.attachments);
    let att = archive.attachments(p.document_id.unwrap()).await.unwrap();
    assert!(att[0].blob_hash.is_some());
    assert_eq!(mock.hits_for(0).iter().filter(|h| h.target == doc.attachment_path).count(), 1);
    mock.assert_all_polite();
}

#[tokio::test]
async fn depth_follows_the_list_with_the_domain_rule() {
    let (mock, archive, fetcher, _dir) = setup(Style::Trs).await;
    let sites = SiteSet::from_sites([mock.rule(0)]);
    let list = mock.url(0, "/zwgk/zfxxgknb/index.html");
    let report = capture(&archive, &fetcher, &sites, &[list], &CaptureOptions { depth: 1, site: None }).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.pages[0].kind, "list");
    // The rule's keep filter applies: the first page's reports, one level down, no further.
    let first_page: Vec<&MockDoc> = mock.site(0).docs.iter().take(4).filter(|d| d.is_report).collect();
    assert_eq!(report.pages[0].followed, first_page.len());
    let docs: Vec<&str> = report.pages[1..].iter().map(|p| p.title.as_str()).collect();
    assert_eq!(docs, first_page.iter().map(|d| d.title.as_str()).collect::<Vec<_>>());
    assert!(report.pages[1..].iter().all(|p| p.kind == "document" && p.level == 1 && p.attachments.len() == 1));
    let n: i64 = sqlx::query("SELECT count(*) FROM documents").fetch_one(archive.reader()).await.unwrap().get(0);
    assert_eq!(n as usize, first_page.len());
    assert_eq!(mock.count(0, "/zwgk/zfxxgknb/index_1.html"), 0);
}

#[tokio::test]
async fn without_a_rule_the_generic_extractor_and_list_detector_are_used() {
    let (mock, archive, fetcher, _dir) = setup(Style::Trs).await;
    let list = mock.url(0, "/zwgk/zfxxgknb/index.html");
    let report = capture(&archive, &fetcher, &SiteSet::default(), &[list], &CaptureOptions { depth: 1, site: None }).await.unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // No keep filter without a rule: every listed document of the first page.
    assert_eq!(report.pages[0].followed, 4);
    assert!(report.pages[1..].iter().all(|p| p.site.is_none() && p.kind == "document" && !p.title.is_empty()));
    assert_eq!(report.pages.len(), 5);
}

#[tokio::test]
async fn bad_urls_and_blocked_pages_are_reported_per_url() {
    let doc = SiteContent::generate(0, 8, Encoding::Utf8, Style::Trs, 4).docs[0].clone();
    let mock = MockServer::builder()
        .rate(50, Duration::from_secs(1))
        .docs_per_site(8)
        .per_page(4)
        .fault(Target::path(0, &doc.path), Fault::Challenge412)
        .start()
        .await;
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(dir.path().join("a.db")).await.unwrap();
    let fetcher2 = Fetcher::new(mock.fetch_config()).unwrap();
    let urls = vec!["not a url".to_string(), "ftp://x.gov.cn/a".to_string(), mock.url(0, &doc.path), mock.url(0, &mock.site(0).docs[1].path)];
    let report = capture(&archive, &fetcher2, &SiteSet::from_sites([mock.rule(0)]), &urls, &CaptureOptions::default()).await.unwrap();
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    assert!(report.errors[0].starts_with("not a url: invalid URL"));
    assert!(report.errors[1].contains("ftp://x.gov.cn/a"));
    assert!(report.pages[0].kind.starts_with("blocked"), "{:?}", report.pages[0]);
    assert_eq!(report.pages[1].kind, "document");
    let n: i64 = sqlx::query("SELECT count(*) FROM documents").fetch_one(archive.reader()).await.unwrap().get(0);
    assert_eq!(n, 1, "the challenge page is not a document");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_prints_what_it_captured_and_where() {
    let mock = MockServer::builder().rate(50, Duration::from_secs(1)).docs_per_site(4).per_page(4).style(Style::NextLink).start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let doc = mock.site(0).docs[0].clone();
    let url = mock.url(0, &doc.path);
    let resolve = format!("{}={}", mock.site(0).host, mock.addr());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .arg("--archive")
            .arg(&db)
            .arg("--sites-dir")
            .arg(dir.path().join("no-sites"))
            .args(["capture", &url])
            .env("NIANBAO_RESOLVE", resolve)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&doc.title) && stdout.contains("[generic]") && stdout.contains("document 1"), "{stdout}");
    assert!(stdout.contains(&format!("report year {}", doc.year)), "{stdout}");
    assert!(stdout.contains("attachment") && stdout.contains("bytes"), "{stdout}");
}

/// `NIANBAO_PROXY` sends every request through the given proxy (here the mock itself, which
/// then sees absolute-form targets; no `NIANBAO_RESOLVE`: the host is only known to the proxy);
/// a proxy nianbao cannot use is a configuration error (exit 2) naming the variable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nianbao_proxy_carries_every_request() {
    let mock = MockServer::builder().rate(50, Duration::from_secs(1)).docs_per_site(2).per_page(2).style(Style::NextLink).start().await;
    let dir = tempfile::tempdir().unwrap();
    let doc = mock.site(0).docs[0].clone();
    let url = format!("http://{}{}", mock.site(0).host, doc.path);
    let proxy = format!("http://{}", mock.addr());
    let run = move |proxy: String| {
        let (db, sites) = (dir.path().join("a.db"), dir.path().join("no-sites"));
        let url = url.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                Command::new(env!("CARGO_BIN_EXE_nianbao"))
                    .arg("--archive")
                    .arg(&db)
                    .arg("--sites-dir")
                    .arg(sites)
                    .args(["capture", &url])
                    .env("NIANBAO_PROXY", proxy)
                    .env_remove("NIANBAO_RESOLVE")
                    .output()
                    .unwrap()
            })
            .await
            .unwrap()
        }
    };
    let out = run(proxy).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hits = mock.hits_for(0);
    assert!(hits.iter().any(|h| h.target == doc.path), "{hits:?}");
    assert!(hits.iter().all(|h| h.via_proxy), "every request through the proxy: {hits:?}");

    let bad = run("ftp://proxy.example.org:21".into()).await;
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("NIANBAO_PROXY=ftp://proxy.example.org:21") && err.contains("unsupported scheme"), "{err}");
}
