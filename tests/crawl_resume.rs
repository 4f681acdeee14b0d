//! Kill -9 in the middle of `nianbao crawl`, run it again: it resumes without refetching what was
//! stored and without duplicate documents. The real binary runs as a child process against the
//! mock server (in this test process), with rule FILES in a temp sites dir and the mock hosts
//! mapped to 127.0.0.1 through `NIANBAO_RESOLVE`.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nianbao::archive::Archive;
use sqlx::Row;
use support::*;

/// The rule file of a mock site (the TOML form of `support::site_rule`).
fn rule_toml(s: &SiteContent, list_url: &str, rate: &str) -> String {
    let (items, content, pages) = match s.style {
        Style::Trs => ("ul.list li", ".TRS_Editor", r#"{ template = "index_{n}.html" }"#.to_string()),
        Style::Hanweb => (
            "li",
            "#zoom",
            format!(
                r#"{{ hanweb = true, column_id = "{}", unit_id = "{}", window = {}, per_page = {} }}"#,
                10_000 + s.index,
                200_000 + s.index,
                s.hanweb_window_size(),
                s.per_page
            ),
        ),
        Style::NextLink => ("div.news-list li", ".article-content", r#"{ next = "a.next" }"#.to_string()),
    };
    format!(
        r#"title = "{title}"
domains = ["{host}"]
rate = "{rate}"
concurrency = 1

[[lists]]
url = "{list_url}"
items = "{items}"
link = "a"
title = "a@title"
pages = {pages}
keep = "年度报告|年报"

[detail]
title = "meta[name=ArticleTitle]@content, h1"
content = "{content}"
published_at = "meta[name=PubDate]@content"
attachments = "a[appendix=true]@href"
"#,
        title = s.title,
        host = s.host,
    )
}

fn write_rules(mock: &MockServer, dir: &Path, rate: &str) {
    for (i, s) in mock.sites().iter().enumerate() {
        std::fs::write(dir.join(format!("{}.toml", s.name)), rule_toml(s, &mock.url(i, &s.list_path()), rate)).unwrap();
    }
}

fn crawl_cmd(mock: &MockServer, db: &Path, sites: &Path) -> Command {
    let resolve: Vec<String> = mock.sites().iter().map(|s| format!("{}={}", s.host, mock.addr())).collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.arg("--archive").arg(db).arg("--sites-dir").arg(sites).arg("crawl");
    cmd.env("NIANBAO_RESOLVE", resolve.join(",")).env("NIANBAO_CONTACT", "tests@example.org").env_remove("RUST_LOG");
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    cmd
}

/// Detail requests per (site, path).
fn detail_hits(mock: &MockServer) -> HashMap<(usize, String), usize> {
    let mut out = HashMap::new();
    for (i, s) in mock.sites().iter().enumerate() {
        for d in &s.docs {
            out.insert((i, d.path.clone()), mock.count(i, &d.path));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_crawl_then_rerun_resumes_without_refetching_or_duplicates() {
    let mock = MockServer::builder()
        .sites(2)
        .docs_per_site(40)
        .per_page(10)
        .style(Style::Trs)
        .mixed_styles()
        .rate(25, Duration::from_secs(1))
        .start()
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let (db, sites) = (tmp.path().join("archive/nianbao.db"), tmp.path().join("sites"));
    std::fs::create_dir_all(&sites).unwrap();
    write_rules(&mock, &sites, "25/s");

    // First run: killed once the mock has served K detail pages.
    const K: usize = 24;
    let mut child = crawl_cmd(&mock, &db, &sites).spawn().unwrap();
    let t0 = Instant::now();
    loop {
        let served: usize = detail_hits(&mock).values().sum();
        if served >= K {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "child served only {served} detail pages in 60 s");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("crawl ended before the kill: {status}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let hits_at_kill = detail_hits(&mock);

    // What the killed run had stored (committed).
    let stored_before: Vec<String> = {
        let a = Archive::open(&db).await.unwrap();
        let urls = sqlx::query("SELECT url FROM documents").fetch_all(a.reader()).await.unwrap();
        let urls = urls.iter().map(|r| r.get::<String, _>(0)).collect();
        a.close().await.unwrap();
        urls
    };
    assert!(!stored_before.is_empty(), "the killed run stored nothing");
    let reports: usize = mock.sites().iter().map(|s| s.docs.iter().filter(|d| d.is_report).count()).sum();
    assert!(stored_before.len() < reports, "the kill came too late to test anything");

    // Second run: to the end.
    let out = tokio::task::spawn_blocking({
        let mut cmd = crawl_cmd(&mock, &db, &sites);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "rerun failed: {}", String::from_utf8_lossy(&out.stderr));
    let hits = detail_hits(&mock);

    let a = Archive::open(&db).await.unwrap();
    // Every report archived exactly once, with one version.
    let rows = sqlx::query("SELECT url, (SELECT count(*) FROM versions v WHERE v.document_id = d.id) FROM documents d")
        .fetch_all(a.reader())
        .await
        .unwrap();
    assert_eq!(rows.len(), reports);
    assert!(rows.iter().all(|r| r.get::<i64, _>(1) == 1), "a document got a second version");
    for (i, s) in mock.sites().iter().enumerate() {
        for d in &s.docs {
            let url = mock.url(i, &d.path);
            let n = hits[&(i, d.path.clone())];
            if !d.is_report {
                assert_eq!(n, 0, "{url}: filtered out, never fetched");
            } else if stored_before.contains(&url) {
                assert_eq!(n, 1, "{url}: stored before the kill, fetched again");
            } else {
                // In flight at the kill (fetched, not stored): at most once more.
                assert!(n >= 1 && n <= hits_at_kill[&(i, d.path.clone())] + 1, "{url}: fetched {n} times");
            }
        }
    }
    // Attachments: every one linked once, none downloaded twice after being stored.
    let unlinked: i64 = sqlx::query("SELECT count(*) FROM attachments WHERE blob_hash IS NULL").fetch_one(a.reader()).await.unwrap().get(0);
    assert_eq!(unlinked, 0);
    let dup_frontier: i64 = sqlx::query("SELECT count(*) FROM frontier WHERE state <> 'done'").fetch_one(a.reader()).await.unwrap().get(0);
    assert_eq!(dup_frontier, 0, "frontier left unfinished");
    // The killed run is marked interrupted, the rerun ok.
    let outcomes: Vec<String> = sqlx::query("SELECT outcome FROM runs ORDER BY id").fetch_all(a.reader()).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(outcomes, ["interrupted", "ok"]);
    // The finished manual crawl recorded each site's run with its stats, for the health flags.
    let site_runs = sqlx::query("SELECT site, reason, status, documents FROM site_runs ORDER BY site").fetch_all(a.reader()).await.unwrap();
    assert_eq!(site_runs.len(), mock.sites().len(), "one recorded run per site");
    for r in &site_runs {
        let (reason, status, docs): (String, String, Option<i64>) = (r.get(1), r.get(2), r.get(3));
        assert_eq!((reason.as_str(), status.as_str()), ("manual crawl", "ok"));
        assert!(docs.unwrap_or(0) > 0, "site run without document stats");
    }
    assert_eq!(a.check_integrity().await.unwrap(), Vec::<String>::new());
    a.close().await.unwrap();
    mock.assert_all_polite();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_2_on_unknown_sites_and_broken_rules() {
    let mock = MockServer::builder().start().await;
    let tmp = tempfile::tempdir().unwrap();
    let (db, sites) = (tmp.path().join("a.db"), tmp.path().join("sites"));
    std::fs::create_dir_all(&sites).unwrap();
    write_rules(&mock, &sites, "20/s");
    let out = crawl_cmd(&mock, &db, &sites).args(["--site", "nosuch"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nosuch"));

    std::fs::write(sites.join("broken.toml"), "title = \"x\"\n[[lists]]\nurl = \"http://www.x.gov.cn/\"\nitems = \"ul >> li\"\n").unwrap();
    let out = crawl_cmd(&mock, &db, &sites).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.toml") && err.contains("lists[0].items"), "{err}");
}

#[tokio::test]
async fn only_runs_of_the_sites_taken_over_are_marked_interrupted() {
    let tmp = tempfile::tempdir().unwrap();
    let a = Archive::open(tmp.path().join("a.db")).await.unwrap();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let r1 = a.start_run(&s(&["a"])).await.unwrap();
    let r2 = a.start_run(&s(&["a", "b"])).await.unwrap();
    let r3 = a.start_run(&s(&["b", "c"])).await.unwrap();
    assert_eq!(a.interrupt_runs_of(&s(&["a", "b"])).await.unwrap(), 2);
    for (run, want) in [(r1, "interrupted"), (r2, "interrupted"), (r3, "running")] {
        let got = a.run_summary(run).await.unwrap().unwrap().outcome;
        assert_eq!(got.as_str(), want, "run {run}");
    }
}

#[tokio::test]
async fn pending_urls_are_not_settled_done_ones_are() {
    use nianbao::archive::{FetchKind, FrontierItem, FrontierState};
    let tmp = tempfile::tempdir().unwrap();
    let a = Archive::open(tmp.path().join("a.db")).await.unwrap();
    let item = |u: &str| FrontierItem { url: u.into(), site: "s".into(), kind: FetchKind::Detail, depth: 1, parent: None, run_id: None };
    a.enqueue(vec![item("http://x.gov.cn/1.html"), item("http://x.gov.cn/2.html")]).await.unwrap();
    a.complete("http://x.gov.cn/2.html", FrontierState::Done, None).await.unwrap();
    let urls = vec!["http://x.gov.cn/1.html".to_string(), "http://x.gov.cn/2.html".to_string(), "http://x.gov.cn/3.html".to_string()];
    let settled = a.settled_urls("s", &urls).await.unwrap();
    assert_eq!(settled.into_iter().collect::<Vec<_>>(), vec!["http://x.gov.cn/2.html".to_string()]);
    // Another site's frontier does not count.
    assert!(a.settled_urls("other", &urls).await.unwrap().is_empty());
}
