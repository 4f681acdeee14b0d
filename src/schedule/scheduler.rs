//! The long-lived scheduler: starts each site's crawl when due, one at a time per site, catches up
//! once after downtime, and shuts down cleanly.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use tokio::task::JoinSet;

use super::due::{due_now, next_due, DueReason};
use super::health::{flags_with, Thresholds};
use super::lock::{LockError, SiteLock};
use super::runner::{CancelToken, Clock, RunHistory, RunOutcome, RunRecord, RunStatus, SiteRunner};
use super::SiteSchedule;

/// Scheduler settings.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Sites crawled at the same time (each crawl is polite per host on its own).
    pub max_concurrent: usize,
    /// Directory of per-site lock files (see [`SiteLock`]); `None` = in-process exclusion only.
    pub lock_dir: Option<PathBuf>,
    /// How long to wait before retrying a due site whose lock is held elsewhere or whose history
    /// could not be read.
    pub retry_after: chrono::Duration,
    /// How many recent runs the health flags compare with.
    pub health_window: usize,
    pub thresholds: Thresholds,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            max_concurrent: 4,
            lock_dir: None,
            retry_after: chrono::Duration::minutes(5),
            health_window: 10,
            thresholds: Thresholds::default(),
        }
    }
}

/// What a scheduler session did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionSummary {
    /// Runs finished (any status).
    pub runs: u64,
    /// Runs that ended [`RunStatus::Failed`] or [`RunStatus::Blocked`].
    pub failed: u64,
    /// Runs stopped by shutdown.
    pub interrupted: u64,
    /// Runs with at least one health flag.
    pub flagged: u64,
    /// Due sites skipped because another process held their lock (`--once` only counts these).
    pub skipped_locked: u64,
}

/// Starts site crawls when due. See the module docs of [`crate::schedule`].
pub struct Scheduler {
    sites: Vec<SiteSchedule>,
    runner: Arc<dyn SiteRunner>,
    history: Arc<dyn RunHistory>,
    clock: Arc<dyn Clock>,
    config: SchedulerConfig,
}

impl Scheduler {
    /// A scheduler over `sites` (each site key once).
    pub fn new(
        sites: Vec<SiteSchedule>,
        runner: Arc<dyn SiteRunner>,
        history: Arc<dyn RunHistory>,
        clock: Arc<dyn Clock>,
        config: SchedulerConfig,
    ) -> Scheduler {
        Scheduler { sites, runner, history, clock, config }
    }

    /// `--once`: start every site due now (at most `max_concurrent` at a time), wait for them,
    /// return. Shutdown stops starting runs and waits for the running ones to return.
    pub async fn run_once(&self, shutdown: &CancelToken) -> SessionSummary {
        self.drive(shutdown, true).await
    }

    /// Run until `shutdown` is cancelled, then let the running crawls finish their pages in
    /// flight (they see the same token), record them, and return.
    pub async fn run(&self, shutdown: &CancelToken) -> SessionSummary {
        self.drive(shutdown, false).await
    }

    async fn drive(&self, shutdown: &CancelToken, once: bool) -> SessionSummary {
        let start = self.clock.now();
        let mut summary = SessionSummary::default();
        let mut tasks: JoinSet<RunRecord> = JoinSet::new();
        let mut task_site: HashMap<tokio::task::Id, String> = HashMap::new();
        let mut running: HashSet<String> = HashSet::new();
        let mut last: HashMap<String, Option<DateTime<Utc>>> = HashMap::new();
        let mut retry_at: HashMap<String, DateTime<Utc>> = HashMap::new();
        let mut attempted: HashSet<String> = HashSet::new();
        tracing::info!(sites = self.sites.len(), once, "scheduler started");

        loop {
            if shutdown.is_cancelled() {
                break;
            }
            let now = self.clock.now();
            let at = if once { start } else { now };
            let mut wake: Option<DateTime<Utc>> = None;
            let mut soonest = |t: DateTime<Utc>| wake = Some(wake.map_or(t, |w| w.min(t)));

            for sched in &self.sites {
                let site = sched.site.as_str();
                if running.contains(site) || attempted.contains(site) {
                    continue;
                }
                if let Some(&t) = retry_at.get(site) {
                    if t > now {
                        soonest(t);
                        continue;
                    }
                }
                let cached = match last.get(site) {
                    Some(v) => *v,
                    None => match self.history.last_started(site).await {
                        Ok(v) => *last.entry(site.to_string()).or_insert(v),
                        Err(e) => {
                            tracing::error!(site, "cannot read run history: {e}");
                            retry_at.insert(site.to_string(), now + self.config.retry_after);
                            soonest(now + self.config.retry_after);
                            continue;
                        }
                    },
                };
                // Cheap check first (due_now also counts the missed slots).
                if let Some(l) = cached {
                    match next_due(sched, l) {
                        Some(t) if t <= at => {}
                        Some(t) => {
                            soonest(t);
                            continue;
                        }
                        None => continue,
                    }
                }
                if running.len() >= self.config.max_concurrent.max(1) {
                    continue; // a finishing run wakes the loop
                }
                // Confirm with fresh history: a manual crawl may have run since we looked. The
                // cache wins if it is newer (a run whose record failed to be written).
                let fresh = self.history.last_started(site).await.unwrap_or(cached).max(cached);
                last.insert(site.to_string(), fresh);
                let Some(reason) = due_now(sched, fresh, at) else {
                    if let Some(t) = fresh.and_then(|l| next_due(sched, l)) {
                        soonest(t);
                    }
                    continue;
                };
                if once {
                    attempted.insert(site.to_string());
                }
                let lock = match &self.config.lock_dir {
                    None => None,
                    Some(dir) => match SiteLock::acquire(dir, site) {
                        Ok(lock) => Some(lock),
                        Err(e) => {
                            match &e {
                                LockError::Held { .. } => tracing::info!(site, "due but skipped: {e}"),
                                LockError::Io { .. } => tracing::error!(site, "due but skipped: {e}"),
                            }
                            summary.skipped_locked += 1;
                            retry_at.insert(site.to_string(), now + self.config.retry_after);
                            soonest(now + self.config.retry_after);
                            continue;
                        }
                    },
                };
                retry_at.remove(site);
                running.insert(site.to_string());
                let handle = tasks.spawn(self.run_task(site.to_string(), reason, lock, shutdown.clone()));
                task_site.insert(handle.id(), site.to_string());
            }

            if once && tasks.is_empty() {
                break;
            }
            let sleep_until = wake.unwrap_or(now + chrono::Duration::hours(1));
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                Some(joined) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    self.finished(joined, &mut task_site, &mut running, &mut last, &mut summary);
                }
                _ = self.clock.sleep_until(sleep_until), if !once => {}
            }
        }

        if !tasks.is_empty() {
            tracing::info!(running = tasks.len(), "shutting down: waiting for running crawls to finish their pages in flight");
        }
        while let Some(joined) = tasks.join_next_with_id().await {
            self.finished(joined, &mut task_site, &mut running, &mut last, &mut summary);
        }
        tracing::info!(runs = summary.runs, failed = summary.failed, interrupted = summary.interrupted, "scheduler stopped");
        summary
    }

    /// Bookkeeping for a finished run task.
    fn finished(
        &self,
        joined: Result<(tokio::task::Id, RunRecord), tokio::task::JoinError>,
        task_site: &mut HashMap<tokio::task::Id, String>,
        running: &mut HashSet<String>,
        last: &mut HashMap<String, Option<DateTime<Utc>>>,
        summary: &mut SessionSummary,
    ) {
        let id = match &joined {
            Ok((id, _)) => *id,
            Err(e) => e.id(),
        };
        let site = task_site.remove(&id).unwrap_or_default();
        running.remove(&site);
        summary.runs += 1;
        match joined {
            Ok((_, record)) => {
                match record.outcome.status {
                    RunStatus::Ok => {}
                    RunStatus::Failed | RunStatus::Blocked => summary.failed += 1,
                    RunStatus::Interrupted => summary.interrupted += 1,
                }
                if !record.flags.is_empty() {
                    summary.flagged += 1;
                }
                if record.outcome.status != RunStatus::Interrupted {
                    last.insert(site, Some(record.started));
                }
            }
            Err(e) => {
                // Only an aborted task gets here (panics are caught in the task).
                tracing::error!(site, "run task ended abnormally: {e}");
                summary.failed += 1;
            }
        }
    }

    /// One run: call the runner (catching a panic), compute health flags, log, record.
    fn run_task(
        &self,
        site: String,
        reason: DueReason,
        lock: Option<SiteLock>,
        cancel: CancelToken,
    ) -> impl std::future::Future<Output = RunRecord> + Send + 'static {
        let runner = Arc::clone(&self.runner);
        let history = Arc::clone(&self.history);
        let clock = Arc::clone(&self.clock);
        let (window, thresholds) = (self.config.health_window, self.config.thresholds);
        async move {
            let started = clock.now();
            tracing::info!(site = %site, reason = %reason, "crawl started");
            let outcome = AssertUnwindSafe(runner.run_site(&site, cancel)).catch_unwind().await.unwrap_or_else(|panic| {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                RunOutcome::failed(format!("crawl of {site} panicked: {msg}"))
            });
            let finished = clock.now();
            let record = record_run(history.as_ref(), site, reason, started, finished, outcome, window, thresholds).await;
            drop(lock);
            record
        }
    }
}

/// Finish a run: compute its rule-health flags against the site's recent runs, log the outcome
/// and the flags, and record it in `history`. The scheduler calls it for every run; `nianbao
/// crawl` calls it for every site it crawled by hand, so a rule that breaks is flagged either way.
#[allow(clippy::too_many_arguments)]
pub async fn record_run(
    history: &dyn RunHistory,
    site: String,
    reason: DueReason,
    started: chrono::DateTime<chrono::Utc>,
    finished: chrono::DateTime<chrono::Utc>,
    outcome: RunOutcome,
    window: usize,
    thresholds: Thresholds,
) -> RunRecord {
    let flags = match &outcome.stats {
        Some(stats) if outcome.status != RunStatus::Interrupted => match history.recent_stats(&site, window).await {
            Ok(previous) => flags_with(&previous, stats, thresholds),
            Err(e) => {
                tracing::error!(site = %site, "cannot read recent runs for health flags: {e}");
                Vec::new()
            }
        },
        _ => Vec::new(),
    };
    let secs = (finished - started).num_seconds();
    if outcome.status != RunStatus::Ok {
        tracing::warn!(site = %site, status = %outcome.status, pages = outcome.pages, errors = outcome.errors.len(), secs, "crawl finished");
    } else {
        tracing::info!(site = %site, status = %outcome.status, pages = outcome.pages, secs, "crawl finished");
    }
    for flag in &flags {
        tracing::warn!(site = %site, flag = flag.kind(), "rule may be broken: {flag}");
    }
    let record = RunRecord { site, reason, started, finished, outcome, flags };
    if let Err(e) = history.record(&record).await {
        tracing::error!(site = %record.site, "cannot record the run: {e}");
    }
    record
}
