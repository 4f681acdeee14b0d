//! The scheduler's small interfaces: what runs a site ([`SiteRunner`]), where run history lives
//! ([`RunHistory`]), what time it is ([`Clock`]), and how a run is asked to stop ([`CancelToken`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use tokio::sync::watch;

use super::due::DueReason;
use super::health::{HealthFlag, SiteRunStats};
use crate::error::Result;

/// A cancellation signal shared by clones: once [`cancel`](CancelToken::cancel)led it stays so.
/// A runner checks it between pages and returns after finishing the pages in flight.
#[derive(Debug, Clone)]
pub struct CancelToken {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for CancelToken {
    fn default() -> Self {
        CancelToken::new()
    }
}

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken { tx: Arc::new(watch::channel(false).0) }
    }
    /// Cancel: every clone sees it, every [`cancelled`](CancelToken::cancelled) wakes.
    pub fn cancel(&self) {
        self.tx.send_replace(true);
    }
    /// Whether cancel was called.
    pub fn is_cancelled(&self) -> bool {
        *self.tx.borrow()
    }
    /// Resolves once the token is cancelled (at once if it already is).
    pub async fn cancelled(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = rx.wait_for(|c| *c).await;
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Finished; every page fetched and extracted.
    Ok,
    /// Finished, but some pages failed (see `errors`), or the run could not start.
    Failed,
    /// The site answered with WAF/challenge pages (412, 瑞数, 创宇, 403…).
    Blocked,
    /// Stopped early on shutdown after finishing the pages in flight; resumes next time.
    Interrupted,
}

impl RunStatus {
    /// A stable lower-case name, for the archive and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::Blocked => "blocked",
            RunStatus::Interrupted => "interrupted",
        }
    }
    /// The inverse of [`as_str`](RunStatus::as_str).
    pub fn parse(s: &str) -> Option<RunStatus> {
        Some(match s {
            "ok" => RunStatus::Ok,
            "failed" => RunStatus::Failed,
            "blocked" => RunStatus::Blocked,
            "interrupted" => RunStatus::Interrupted,
            _ => return None,
        })
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a [`SiteRunner`] reports back.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    pub status: RunStatus,
    /// Pages fetched in this run (list + detail + attachments).
    pub pages: u64,
    /// Error messages, each naming its URL.
    pub errors: Vec<String>,
    /// Extraction statistics for rule-breakage detection; `None` if the run got nowhere.
    pub stats: Option<SiteRunStats>,
}

impl RunOutcome {
    /// An outcome with no pages, errors or stats.
    pub fn new(status: RunStatus) -> RunOutcome {
        RunOutcome { status, pages: 0, errors: Vec::new(), stats: None }
    }
    /// A run that could not start or crashed, with the reason.
    pub fn failed(message: impl Into<String>) -> RunOutcome {
        RunOutcome { errors: vec![message.into()], ..RunOutcome::new(RunStatus::Failed) }
    }
}

/// One finished run as the scheduler logs and records it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub site: String,
    pub reason: DueReason,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub outcome: RunOutcome,
    /// Rule-breakage flags computed from this run's stats against the site's recent runs.
    pub flags: Vec<HealthFlag>,
}

/// Crawls one site. The crawl engine implements it; tests use fakes.
///
/// The runner must return soon after `cancel` fires: finish the pages in flight, record them,
/// start no new ones, and return [`RunStatus::Interrupted`].
pub trait SiteRunner: Send + Sync + 'static {
    /// Crawl `site` once.
    fn run_site<'a>(&'a self, site: &'a str, cancel: CancelToken) -> BoxFuture<'a, RunOutcome>;
}

/// Where run history lives (the archive's runs table; [`MemoryHistory`] in tests).
pub trait RunHistory: Send + Sync + 'static {
    /// When the site's last run *that counts* started: runs that finished (any status but
    /// [`RunStatus::Interrupted`]). An interrupted run is resumed at the next start, as a
    /// catch-up. `None` if the site never ran.
    fn last_started<'a>(&'a self, site: &'a str) -> BoxFuture<'a, Result<Option<DateTime<Utc>>>>;
    /// Stats of the site's most recent runs, newest first, at most `limit`.
    fn recent_stats<'a>(&'a self, site: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<SiteRunStats>>>;
    /// Record a finished run (interrupted ones included).
    fn record<'a>(&'a self, run: &'a RunRecord) -> BoxFuture<'a, Result<()>>;
}

/// An in-memory [`RunHistory`], for tests and for a scheduler without an archive.
#[derive(Debug, Default, Clone)]
pub struct MemoryHistory {
    inner: Arc<Mutex<MemoryInner>>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    seeded: HashMap<String, DateTime<Utc>>,
    runs: Vec<RunRecord>,
}

impl MemoryHistory {
    /// An empty history: every site is on its first run.
    pub fn new() -> MemoryHistory {
        MemoryHistory::default()
    }
    /// Pretend `site` last started at `at` (before anything recorded here).
    pub fn seed(&self, site: &str, at: DateTime<Utc>) {
        self.inner.lock().unwrap().seeded.insert(site.to_string(), at);
    }
    /// Every recorded run, in the order recorded.
    pub fn runs(&self) -> Vec<RunRecord> {
        self.inner.lock().unwrap().runs.clone()
    }
    /// Recorded runs of one site.
    pub fn runs_of(&self, site: &str) -> Vec<RunRecord> {
        self.runs().into_iter().filter(|r| r.site == site).collect()
    }
}

impl RunHistory for MemoryHistory {
    fn last_started<'a>(&'a self, site: &'a str) -> BoxFuture<'a, Result<Option<DateTime<Utc>>>> {
        let inner = self.inner.lock().unwrap();
        let recorded = inner
            .runs
            .iter()
            .filter(|r| r.site == site && r.outcome.status != RunStatus::Interrupted)
            .map(|r| r.started)
            .max();
        let last = recorded.max(inner.seeded.get(site).copied());
        Box::pin(async move { Ok(last) })
    }

    fn recent_stats<'a>(&'a self, site: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<SiteRunStats>>> {
        let inner = self.inner.lock().unwrap();
        let stats: Vec<SiteRunStats> = inner
            .runs
            .iter()
            .rev()
            .filter(|r| r.site == site)
            .filter_map(|r| r.outcome.stats.clone())
            .take(limit)
            .collect();
        Box::pin(async move { Ok(stats) })
    }

    fn record<'a>(&'a self, run: &'a RunRecord) -> BoxFuture<'a, Result<()>> {
        self.inner.lock().unwrap().runs.push(run.clone());
        Box::pin(async { Ok(()) })
    }
}

/// The scheduler's notion of time, injectable so tests can run weeks of slots in milliseconds.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
    /// Resolves at `deadline` or earlier (the scheduler re-checks the time after every wake).
    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'static, ()>;
}

/// Wall-clock time. Sleeps at most a minute at a time, so a suspended machine or a clock
/// change is noticed promptly.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'static, ()> {
        let wait = (deadline - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(Duration::from_secs(60));
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that only moves when told ([`set`](ManualClock::set), [`advance`](ManualClock::advance)).
#[derive(Debug, Clone)]
pub struct ManualClock {
    tx: Arc<watch::Sender<DateTime<Utc>>>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock { tx: Arc::new(watch::channel(start).0) }
    }
    /// Move to `t` (also backwards), waking sleepers whose deadline passed.
    pub fn set(&self, t: DateTime<Utc>) {
        self.tx.send_replace(t);
    }
    /// Move forward by `d`.
    pub fn advance(&self, d: chrono::Duration) {
        self.tx.send_modify(|t| *t += d);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.tx.borrow()
    }
    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'static, ()> {
        let mut rx = self.tx.subscribe();
        let tx = Arc::clone(&self.tx);
        Box::pin(async move {
            let _ = rx.wait_for(|t| *t >= deadline).await;
            drop(tx);
        })
    }
}
