//! Pure due computation: the next slot of a schedule, and whether a site is due now.

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::SiteSchedule;

/// Most window segments (runs of months with the same cron) searched for a slot: five years.
const MAX_SEGMENTS: usize = 12;
/// Missed slots are counted up to this many (for the log line), no further.
const MAX_COUNTED: u32 = 1000;

/// Why a site is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueReason {
    /// The site has never been crawled (by the scheduler or by hand): its first crawl is due now.
    FirstRun,
    /// One slot has passed since the last run started.
    Slot {
        /// The slot.
        at: DateTime<Utc>,
    },
    /// Several slots passed while nothing ran (downtime, or a run that outlasted its period).
    /// One run catches up for all of them.
    CatchUp {
        /// The first slot missed.
        first: DateTime<Utc>,
        /// The most recent slot missed.
        last: DateTime<Utc>,
        /// How many slots were missed (counted up to 1000).
        missed: u32,
    },
    /// Started by hand (`nianbao crawl`), not by the scheduler.
    Manual,
}

impl std::fmt::Display for DueReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DueReason::FirstRun => write!(f, "first run"),
            DueReason::Manual => write!(f, "manual crawl"),
            DueReason::Slot { at } => write!(f, "slot {}", at.format("%Y-%m-%d %H:%M UTC")),
            DueReason::CatchUp { first, missed, .. } => {
                let more = if *missed >= MAX_COUNTED { "+" } else { "" };
                write!(f, "catch-up for {missed}{more} missed slots since {}", first.format("%Y-%m-%d %H:%M UTC"))
            }
        }
    }
}

/// The first slot strictly after `after`: the earliest instant that matches the cron applying in
/// its (local) month — the main cron inside the window, `otherwise` outside it. `None` if the
/// schedule does not fire in the next five years (e.g. a window with no `otherwise` and a cron
/// that never matches inside the window).
pub fn next_due(sched: &SiteSchedule, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // Whole seconds: croner keeps sub-second parts, slots are on minute boundaries.
    let after = after.with_nanosecond(0).unwrap_or(after);
    let mut from = after.with_timezone(&sched.tz);
    let mut inclusive = false;
    for _ in 0..MAX_SEGMENTS {
        let month = from.month();
        let boundary = segment_end(sched, &from);
        if let Some(cron) = sched.cron_for_month(month) {
            match cron.find_next_occurrence(&from, inclusive) {
                Ok(t) if boundary.is_none_or(|b| t < b) => return Some(t.with_timezone(&Utc)),
                Ok(_) => {}
                // The cron never fires again (within croner's horizon).
                Err(_) if boundary.is_none() => return None,
                Err(_) => {}
            }
        }
        from = boundary?;
        inclusive = true;
    }
    None
}

/// Whether a site is due at `now`, given when its last run started. After downtime spanning many
/// slots the answer is one [`DueReason::CatchUp`]: running once (and recording the start) makes
/// the site not due again until the next slot after that start.
pub fn due_now(
    sched: &SiteSchedule,
    last_run_started: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DueReason> {
    let Some(last) = last_run_started else {
        return Some(DueReason::FirstRun);
    };
    let first = next_due(sched, last)?;
    if first > now {
        return None;
    }
    let (mut latest, mut missed) = (first, 1u32);
    while missed < MAX_COUNTED {
        match next_due(sched, latest) {
            Some(t) if t <= now => {
                latest = t;
                missed += 1;
            }
            _ => break,
        }
    }
    if missed == 1 {
        Some(DueReason::Slot { at: first })
    } else {
        Some(DueReason::CatchUp { first, last: latest, missed })
    }
}

/// When the site will next start, for `nianbao sites`: `now` if due (or never run), else the next
/// slot after the last start. `None` if the schedule does not fire again.
pub fn next_run_at(
    sched: &SiteSchedule,
    last_run_started: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match due_now(sched, last_run_started, now) {
        Some(_) => Some(now),
        None => next_due(sched, last_run_started.unwrap_or(now)),
    }
}

/// The start (local midnight on the 1st) of the first month after `from`'s month whose cron
/// differs from `from`'s; `None` when one cron applies all year.
fn segment_end(sched: &SiteSchedule, from: &DateTime<Tz>) -> Option<DateTime<Tz>> {
    let window = sched.window.as_ref()?;
    let inside = window.contains(from.month());
    let (mut year, mut month) = (from.year(), from.month());
    for _ in 0..12 {
        if month == 12 {
            year += 1;
            month = 1;
        } else {
            month += 1;
        }
        if window.contains(month) != inside {
            let midnight = NaiveDate::from_ymd_opt(year, month, 1)?.and_hms_opt(0, 0, 0)?;
            // Zones that skip midnight (DST at 00:00) fall back to the earliest valid instant.
            return sched
                .tz
                .from_local_datetime(&midnight)
                .earliest()
                .or_else(|| sched.tz.from_local_datetime(&(midnight + chrono::Duration::hours(1))).earliest());
        }
    }
    None
}
