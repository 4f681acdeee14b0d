//! The crawler as the scheduler's `SiteRunner`: cancellation finishes the pages in flight and
//! returns `Interrupted`, the next run resumes; `nianbao schedule --once` crawls due sites.

mod crawl_common;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crawl_common::{scalar, Setup};
use nianbao::crawl::{CrawlOptions, CrawlRunner};
use nianbao::schedule::{CancelToken, RunStatus, SiteRunner};
use nianbao::site::SiteSet;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_finishes_pages_in_flight_then_the_next_run_resumes() {
    let s = Setup::new(MockServer::builder().rate(20, Duration::from_secs(1)).docs_per_site(24).per_page(24).style(Style::Trs)).await;
    let runner = CrawlRunner::new(s.crawler.clone(), Arc::new(SiteSet::from_sites(s.rules.clone())), CrawlOptions::default());
    let cancel = CancelToken::new();
    let task = {
        let (runner, cancel) = (runner.clone(), cancel.clone());
        tokio::spawn(async move { runner.run_site("county1", cancel).await })
    };
    let t0 = Instant::now();
    while s.mock.hits_for(0).iter().filter(|h| h.target.contains("/t20")).count() < 4 {
        assert!(t0.elapsed() < Duration::from_secs(30), "crawl did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cancel.cancel();
    let out = tokio::time::timeout(Duration::from_secs(10), task).await.expect("returns soon after cancel").unwrap();
    assert_eq!(out.status, RunStatus::Interrupted);
    let stored = s.documents("county1").await.len();
    let reports = s.report_paths(0).len();
    assert!(stored > 0 && stored < reports, "{stored} of {reports}");
    // Nothing claimed is left in progress: it went back to pending or was finished.
    assert_eq!(scalar(s.archive(), "SELECT count(*) FROM frontier WHERE state = 'in_progress'").await, 0);
    // URLs claimed in advance but never fetched went back without an attempt counted (a crawl
    // stopped often must not use up a URL's retries).
    assert!(scalar(s.archive(), "SELECT count(*) FROM frontier WHERE state = 'pending'").await > 0);
    assert_eq!(scalar(s.archive(), "SELECT count(*) FROM frontier WHERE state = 'pending' AND attempts > 0").await, 0);

    let out = runner.run_site("county1", CancelToken::new()).await;
    assert_eq!(out.status, RunStatus::Ok, "{:?}", out.errors);
    let stats = out.stats.expect("stats");
    assert_eq!(stats.lists.len(), 1);
    assert!(stats.median_text_len > 100);
    assert_eq!(s.documents("county1").await.len(), reports);
    for d in s.mock.site(0).docs.iter().filter(|d| d.is_report) {
        assert_eq!(s.count(0, &d.path), 1, "{} fetched again", d.path);
    }
    let unknown = runner.run_site("nosuch", CancelToken::new()).await;
    assert_eq!(unknown.status, RunStatus::Failed);
    s.mock.assert_all_polite();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_once_crawls_the_due_sites() {
    let mock = MockServer::builder().rate(50, Duration::from_secs(1)).docs_per_site(4).per_page(4).style(Style::NextLink).start().await;
    let tmp = tempfile::tempdir().unwrap();
    let (db, sites) = (tmp.path().join("archive/n.db"), tmp.path().join("sites"));
    std::fs::create_dir_all(&sites).unwrap();
    let s = mock.site(0);
    std::fs::write(
        sites.join("county1.toml"),
        format!(
            "title = \"{}\"\ndomains = [\"{}\"]\nrate = \"50/s\"\nschedule = \"* * * * *\"\n\n[[lists]]\nurl = \"{}\"\nitems = \"div.news-list li\"\nlink = \"a\"\npages = {{ next = \"a.next\" }}\n",
            s.title,
            s.host,
            mock.url(0, &s.list_path())
        ),
    )
    .unwrap();
    let resolve = format!("{}={}", s.host, mock.addr());
    let out = tokio::task::spawn_blocking({
        let (db, sites) = (db.clone(), sites.clone());
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
                .arg("--archive")
                .arg(&db)
                .arg("--sites-dir")
                .arg(&sites)
                .args(["schedule", "--once"])
                .env("NIANBAO_RESOLVE", resolve)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("1 run(s)"), "{err}");
    let a = nianbao::archive::Archive::open(&db).await.unwrap();
    assert_eq!(scalar(&a, "SELECT count(*) FROM documents").await, 4);
}
