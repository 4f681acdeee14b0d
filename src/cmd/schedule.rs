//! `nianbao schedule [--once]`: crawl each site when its cron schedule is due (one crawl per site
//! at a time, across processes too); `--once` runs what is due now and exits. SIGINT/SIGTERM let
//! running crawls finish their pages in flight, then stop.

use std::sync::Arc;

use anyhow::Context;

use crate::archive::Archive;
use crate::cli::{Global, ScheduleArgs};
use crate::cmd::Status;
use crate::crawl::{CrawlOptions, CrawlRunner, Crawler, ProgressMode};
use crate::fetch::Fetcher;
use crate::schedule::{shutdown_on_signals, CancelToken, Scheduler, SchedulerConfig, SiteLock, SiteSchedule, SystemClock};

pub fn run(g: &Global, a: ScheduleArgs) -> anyhow::Result<Status> {
    let sites = super::load_sites_strict(&g.sites_dir)?;
    let schedules: Vec<SiteSchedule> = sites
        .iter()
        .filter_map(|s| SiteSchedule::from_site(s).transpose())
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if schedules.is_empty() {
        eprintln!("no site in {} has a `schedule`: nothing to do", g.sites_dir.display());
        return Ok(Status::Ok);
    }
    let config = super::crawl::fetch_config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    runtime.block_on(async move {
        let fetcher = Fetcher::new(config).context("HTTP client")?;
        let archive = Archive::open(&g.archive).await.with_context(|| format!("archive {}", g.archive.display()))?;
        let crawler = Crawler::new(archive.clone(), fetcher);
        let options = CrawlOptions { progress: ProgressMode::Log, ..Default::default() };
        let runner = Arc::new(CrawlRunner::new(crawler, Arc::new(sites), options));
        let history = Arc::new(archive.clone());
        let sched_config = SchedulerConfig { lock_dir: Some(SiteLock::dir_for_archive(&g.archive)), ..Default::default() };
        let scheduler = Scheduler::new(schedules, runner, history, Arc::new(SystemClock), sched_config);
        let shutdown = CancelToken::new();
        shutdown_on_signals(shutdown.clone()).context("signal handlers")?;
        let summary = if a.once { scheduler.run_once(&shutdown).await } else { scheduler.run(&shutdown).await };
        eprintln!(
            "schedule: {} run(s), {} failed or blocked, {} interrupted, {} flagged, {} skipped (locked)",
            summary.runs, summary.failed, summary.interrupted, summary.flagged, summary.skipped_locked
        );
        archive.close().await?;
        Ok(if summary.failed > 0 { Status::Failed } else { Status::Ok })
    })
}
