//! `RunHistory` over the archive: records persist with stats and flags, `last_started` skips
//! interrupted runs and counts crawl runs, `recent_stats` is newest first; the scheduler runs on
//! it (first run, then not due again until the next slot).

mod archive_common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use archive_common::temp_archive;
use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::future::BoxFuture;
use nianbao::archive::RunOutcome as ArchiveOutcome;
use nianbao::schedule::{
    CancelToken, DueReason, HealthFlag, ListStats, ManualClock, RunHistory, RunOutcome, RunRecord, RunStatus,
    Scheduler, SchedulerConfig, SiteRunStats, SiteRunner, SiteSchedule,
};

fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, h, 0, 0).unwrap()
}

fn stats(items: u32, median: u32) -> SiteRunStats {
    SiteRunStats {
        lists: vec![ListStats { url: "https://www.pingtan.gov.cn/zwgk/nb/".into(), items }],
        documents: 4,
        empty_text: 1,
        median_text_len: median,
        mean_text_len: f64::from(median) + 0.5,
    }
}

fn record(site: &str, started: DateTime<Utc>, status: RunStatus, stats: Option<SiteRunStats>) -> RunRecord {
    RunRecord {
        site: site.into(),
        reason: DueReason::Slot { at: started },
        started,
        finished: started + Duration::minutes(3),
        outcome: RunOutcome { status, pages: 7, errors: vec!["https://x.gov.cn/a: HTTP 500".into()], stats },
        flags: Vec::new(),
    }
}

#[tokio::test]
async fn last_started_skips_interrupted_runs_and_other_sites() {
    let (_d, a) = temp_archive().await;
    assert_eq!(a.last_started("pingtan").await.unwrap(), None);
    a.record(&record("pingtan", t(1), RunStatus::Failed, None)).await.unwrap();
    a.record(&record("pingtan", t(3), RunStatus::Interrupted, None)).await.unwrap();
    a.record(&record("lianjiang", t(5), RunStatus::Ok, None)).await.unwrap();
    assert_eq!(a.last_started("pingtan").await.unwrap(), Some(t(1)));
    assert_eq!(a.last_started("lianjiang").await.unwrap(), Some(t(5)));
}

#[tokio::test]
async fn a_finished_crawl_run_counts_as_a_start_but_a_running_one_does_not() {
    let (_d, a) = temp_archive().await;
    a.record(&record("pingtan", t(1), RunStatus::Ok, None)).await.unwrap();
    let run = a.start_run(&["pingtan".to_string()]).await.unwrap();
    // Still running (or its process died): not a start that used the slot.
    assert_eq!(a.last_started("pingtan").await.unwrap(), Some(t(1)));
    a.finish_run(run, Some(ArchiveOutcome::Partial)).await.unwrap();
    let last = a.last_started("pingtan").await.unwrap().unwrap();
    assert!(last > t(1) && last <= Utc::now());
    let other = a.start_run(&["xian".to_string()]).await.unwrap();
    a.finish_run(other, Some(ArchiveOutcome::Interrupted)).await.unwrap();
    assert_eq!(a.last_started("xian").await.unwrap(), None);
}

#[tokio::test]
async fn recent_stats_newest_first_limited_and_only_runs_with_stats() {
    let (_d, a) = temp_archive().await;
    a.record(&record("pingtan", t(1), RunStatus::Ok, Some(stats(10, 100)))).await.unwrap();
    a.record(&record("pingtan", t(2), RunStatus::Ok, Some(stats(11, 200)))).await.unwrap();
    a.record(&record("pingtan", t(3), RunStatus::Failed, None)).await.unwrap();
    a.record(&record("pingtan", t(4), RunStatus::Ok, Some(stats(12, 300)))).await.unwrap();
    a.record(&record("lianjiang", t(5), RunStatus::Ok, Some(stats(1, 1)))).await.unwrap();
    let got = a.recent_stats("pingtan", 2).await.unwrap();
    assert_eq!(got, vec![stats(12, 300), stats(11, 200)]);
    assert_eq!(a.recent_stats("pingtan", 10).await.unwrap().len(), 3);
    assert!(a.recent_stats("nowhere", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn records_round_trip_with_flags_and_errors() {
    let (_d, a) = temp_archive().await;
    let mut r = record("pingtan", t(2), RunStatus::Ok, Some(stats(0, 50)));
    r.reason = DueReason::CatchUp { first: t(0), last: t(1), missed: 2 };
    r.flags = vec![
        HealthFlag::ListEmpty { list: "https://www.pingtan.gov.cn/zwgk/nb/".into(), usual: 12 },
        HealthFlag::EmptyText { empty: 3, documents: 4 },
        HealthFlag::ShorterText { median: 50, usual: 900 },
    ];
    a.record(&r).await.unwrap();
    a.record(&record("pingtan", t(1), RunStatus::Ok, None)).await.unwrap();
    let latest = a.latest_site_runs().await.unwrap();
    assert_eq!(latest.len(), 1);
    let got = &latest[0];
    assert_eq!((got.started_at, got.finished_at), (t(2), t(2) + Duration::minutes(3)));
    assert_eq!(got.status, RunStatus::Ok);
    assert_eq!(got.pages, 7);
    assert_eq!(got.errors, r.outcome.errors);
    assert_eq!(got.reason, r.reason.to_string());
    assert_eq!(got.stats, r.outcome.stats);
    assert_eq!(got.flags, r.flags);
    assert_eq!(a.site_runs("pingtan", 10).await.unwrap().len(), 2);
}

/// Counts starts; every run succeeds with stats.
struct Runner(Arc<AtomicUsize>);

impl SiteRunner for Runner {
    fn run_site<'a>(&'a self, _site: &'a str, _cancel: CancelToken) -> BoxFuture<'a, RunOutcome> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { RunOutcome { stats: Some(stats(5, 500)), ..RunOutcome::new(RunStatus::Ok) } })
    }
}

#[tokio::test]
async fn the_scheduler_runs_on_the_archive_history() {
    let (_d, a) = temp_archive().await;
    let starts = Arc::new(AtomicUsize::new(0));
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).unwrap());
    let make = || {
        Scheduler::new(
            vec![SiteSchedule::new("pingtan", "0 4 * * *", "", None).unwrap()],
            Arc::new(Runner(starts.clone())),
            Arc::new(a.clone()),
            Arc::new(clock.clone()),
            SchedulerConfig::default(),
        )
    };
    let s = make().run_once(&CancelToken::new()).await;
    assert_eq!((s.runs, starts.load(Ordering::SeqCst)), (1, 1), "first run");
    // A new process (same archive): not due again before the next 04:00 Beijing time.
    make().run_once(&CancelToken::new()).await;
    assert_eq!(starts.load(Ordering::SeqCst), 1);
    clock.advance(Duration::days(1));
    make().run_once(&CancelToken::new()).await;
    assert_eq!(starts.load(Ordering::SeqCst), 2);
    assert_eq!(a.recent_stats("pingtan", 10).await.unwrap().len(), 2);
}
