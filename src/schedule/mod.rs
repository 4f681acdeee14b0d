//! Scheduling: when each site's crawl is due, and a long-lived [`Scheduler`] that starts them.
//!
//! A site rule may carry a 5-field cron `schedule` (in the rule's `timezone`, Asia/Shanghai by
//! default) and a `window`: between the window's months (inclusive, wrapping allowed: `[11, 2]` is
//! November to February) the `schedule` applies, in the other months `window.otherwise` (or
//! nothing). Due computation is pure ([`next_due`], [`due_now`]); the [`Scheduler`] adds the
//! moving parts: one crawl per site at a time (in-process set + [`SiteLock`] across processes),
//! catch-up once after downtime, `--once`, and clean shutdown through a [`CancelToken`].
//! `docs/schedule.md` documents the syntax and the operational side.

mod due;
pub mod health;
mod lock;
mod runner;
mod scheduler;
mod signal;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;

use crate::error::{Error, Result};
use crate::site::{Site, Window};

pub use due::{due_now, next_due, next_run_at, DueReason};
pub use health::{flags, HealthFlag, ListStats, SiteRunStats, Thresholds};
pub use lock::{LockError, SiteLock};
pub use runner::{
    CancelToken, Clock, ManualClock, MemoryHistory, RunHistory, RunOutcome, RunRecord, RunStatus,
    SiteRunner, SystemClock,
};
pub use scheduler::{record_run, Scheduler, SchedulerConfig, SessionSummary};
pub use signal::shutdown_on_signals;

/// The timezone a schedule is read in when the rule names none.
pub const DEFAULT_TIMEZONE: &str = "Asia/Shanghai";

/// How far ahead a schedule must fire at least once (a cron such as `0 0 31 2 *` never does).
const HORIZON_YEARS: i32 = 5;

/// A site's compiled schedule: cron(s), timezone and window. Built once from the rule.
#[derive(Debug, Clone)]
pub struct SiteSchedule {
    /// The site key.
    pub site: String,
    /// The cron as written in the rule.
    pub cron_source: String,
    pub(crate) cron: Cron,
    /// The zone the cron fields are read in.
    pub tz: Tz,
    /// The months `cron` applies in; `None` = all year.
    pub window: Option<CompiledWindow>,
}

/// A compiled [`Window`]: months (1–12, inclusive, wrapping) and the cron for the other months.
#[derive(Debug, Clone)]
pub struct CompiledWindow {
    /// First and last month of the window, inclusive; `(11, 2)` wraps over the new year.
    pub months: (u32, u32),
    /// The cron as written for the months outside the window, if any.
    pub otherwise_source: Option<String>,
    pub(crate) otherwise: Option<Cron>,
}

impl CompiledWindow {
    /// Whether `month` (1–12) lies in the window.
    pub fn contains(&self, month: u32) -> bool {
        let (a, b) = self.months;
        if a <= b {
            (a..=b).contains(&month)
        } else {
            month >= a || month <= b
        }
    }
}

impl SiteSchedule {
    /// The schedule of a loaded site rule; `Ok(None)` when the rule has no `schedule` (the site
    /// is then only crawled on demand). Errors name the rule file and the key.
    pub fn from_site(site: &Site) -> Result<Option<SiteSchedule>> {
        match &site.schedule {
            None if site.window.is_some() => Err(Error::rule(
                &site.path,
                "window",
                "a window needs a `schedule` (the cron used inside the window)",
            )),
            None => Ok(None),
            Some(cron) => compile(&site.name, cron, &site.timezone, site.window.as_ref())
                .map(Some)
                .map_err(|(key, message)| Error::rule(&site.path, key, message)),
        }
    }

    /// Compile a schedule from its parts. An empty `timezone` means [`DEFAULT_TIMEZONE`].
    pub fn new(site: &str, cron: &str, timezone: &str, window: Option<&Window>) -> Result<SiteSchedule> {
        compile(site, cron, timezone, window)
            .map_err(|(key, message)| Error::Other(format!("site {site}: {key}: {message}")))
    }

    /// The cron that applies at `local` time: the main one inside the window (or always, without
    /// a window), `otherwise` outside it.
    pub(crate) fn cron_for_month(&self, month: u32) -> Option<&Cron> {
        match &self.window {
            None => Some(&self.cron),
            Some(w) if w.contains(month) => Some(&self.cron),
            Some(w) => w.otherwise.as_ref(),
        }
    }

    /// `t` in the schedule's zone, e.g. `2025-03-03 04:00 CST`, for logs and `nianbao sites`.
    pub fn local(&self, t: DateTime<Utc>) -> DateTime<Tz> {
        t.with_timezone(&self.tz)
    }
}

/// Parse a 5-field cron (minute hour day-of-month month day-of-week).
fn parse_cron(key: &'static str, text: &str) -> Result<Cron, (&'static str, String)> {
    let fields = text.split_whitespace().count();
    if fields != 5 {
        return Err((key, format!("{text:?}: a cron has 5 fields (minute hour day month weekday), found {fields}")));
    }
    Cron::new(text).parse().map_err(|e| (key, format!("{text:?}: {e}")))
}

fn compile(
    site: &str,
    cron: &str,
    timezone: &str,
    window: Option<&Window>,
) -> Result<SiteSchedule, (&'static str, String)> {
    let tz_name = if timezone.trim().is_empty() { DEFAULT_TIMEZONE } else { timezone.trim() };
    let tz: Tz = tz_name.parse().map_err(|_| ("timezone", format!("unknown timezone {tz_name:?}")))?;
    let main = parse_cron("schedule", cron)?;
    let window = match window {
        None => None,
        Some(w) => {
            let (a, b) = w.months;
            if !(1..=12).contains(&a) || !(1..=12).contains(&b) {
                return Err(("window.months", format!("months must be 1–12, got [{a}, {b}]")));
            }
            let otherwise = match &w.otherwise {
                Some(text) => Some(parse_cron("window.otherwise", text)?),
                None => None,
            };
            Some(CompiledWindow { months: (a, b), otherwise_source: w.otherwise.clone(), otherwise })
        }
    };
    let sched = SiteSchedule { site: site.to_string(), cron_source: cron.trim().to_string(), cron: main, tz, window };
    // A schedule that never fires is a mistake in the rule, not a quiet site.
    let start = Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(2020, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap());
    match next_due(&sched, start) {
        Some(t) if t.year() <= start.year() + HORIZON_YEARS => Ok(sched),
        _ => Err(("schedule", format!("{cron:?} never fires in the months it applies to"))),
    }
}
