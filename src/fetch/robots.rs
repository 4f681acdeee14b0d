//! robots.txt, fetched once per host through the host's own limiter and cached.
//!
//! Policy (close to Google's documented handling):
//! - 2xx: parsed with `texting_robots` for the agent token `nianbao`; `Crawl-delay` raises the
//!   host's spacing (capped by [`FetchConfig::max_crawl_delay`](super::FetchConfig));
//! - 4xx (404, 410, 403 …) or a challenge page: treated as *absent*: everything allowed, and the
//!   state says so (recorded as "absent" for the report);
//! - 5xx, 429, timeouts and connection errors: the whole host is treated as **disallowed for a
//!   while** ([`FetchConfig::robots_retry`](super::FetchConfig)); after that robots.txt is fetched
//!   again. It never blocks a host forever on its own;
//! - a site rule with `robots = { ignore = "reason" }` skips all of this.

use std::time::Duration;

use texting_robots::Robot;
use tokio::time::Instant;

/// The token matched against `User-agent:` lines.
pub const AGENT_TOKEN: &str = "nianbao";

/// What is known about a host's robots.txt.
#[derive(Debug, Default)]
pub enum RobotsState {
    /// Not fetched yet.
    #[default]
    Unknown,
    /// The rule opted out.
    Ignored { reason: String },
    /// No robots.txt (4xx): everything allowed.
    Absent { status: u16 },
    /// Parsed rules.
    Rules(Box<Robot>),
    /// robots.txt could not be read (5xx, network): disallowed until `until`.
    Unavailable { reason: String, until: Instant },
}

/// A snapshot of a host's robots state, for logs and the report.
#[derive(Debug, Clone, PartialEq)]
pub enum RobotsStatus {
    /// Not fetched yet.
    Unknown,
    /// Opted out by the rule, with its reason.
    Ignored { reason: String },
    /// No robots.txt; the status it answered with.
    Absent { status: u16 },
    /// robots.txt present.
    Present {
        /// Crawl-delay for our agent, if any.
        crawl_delay: Option<Duration>,
        /// True when `/` itself is disallowed: flag the host for manual review.
        blanket_disallow: bool,
        sitemaps: Vec<String>,
    },
    /// Unreadable for now; the host is paused.
    Unavailable { reason: String },
}

impl RobotsState {
    /// The public snapshot.
    pub fn status(&self) -> RobotsStatus {
        match self {
            RobotsState::Unknown => RobotsStatus::Unknown,
            RobotsState::Ignored { reason } => RobotsStatus::Ignored { reason: reason.clone() },
            RobotsState::Absent { status } => RobotsStatus::Absent { status: *status },
            RobotsState::Rules(r) => RobotsStatus::Present {
                crawl_delay: crawl_delay(r),
                blanket_disallow: !r.allowed("/"),
                sitemaps: r.sitemaps.clone(),
            },
            RobotsState::Unavailable { reason, .. } => RobotsStatus::Unavailable { reason: reason.clone() },
        }
    }

    /// True when robots.txt must be (re)fetched before deciding.
    pub fn needs_fetch(&self, now: Instant) -> bool {
        match self {
            RobotsState::Unknown => true,
            RobotsState::Unavailable { until, .. } => *until <= now,
            _ => false,
        }
    }
}

/// The state after robots.txt answered `status` with `body`.
pub fn from_response(status: u16, body: &[u8], blocked: bool, retry: Duration) -> RobotsState {
    if blocked || (400..500).contains(&status) && status != 429 {
        return RobotsState::Absent { status };
    }
    if (200..300).contains(&status) {
        return match Robot::new(AGENT_TOKEN, body) {
            Ok(r) => RobotsState::Rules(Box::new(r)),
            // An unparseable file says nothing: allowed, like an absent one.
            Err(_) => RobotsState::Absent { status },
        };
    }
    unavailable(format!("HTTP {status}"), retry)
}

/// The state after robots.txt could not be fetched at all.
pub fn unavailable(reason: String, retry: Duration) -> RobotsState {
    RobotsState::Unavailable { reason, until: Instant::now() + retry }
}

/// Crawl-delay as a duration (negative or absurd values ignored).
pub fn crawl_delay(r: &Robot) -> Option<Duration> {
    // Whole milliseconds: the f32 of "0.3" is not exactly 0.3 s.
    r.delay.filter(|d| d.is_finite() && *d > 0.0).map(|d| Duration::from_millis((f64::from(d.min(86_400.0)) * 1000.0).round() as u64))
}

/// Path and query of `url`, as robots rules match them.
pub fn robots_path(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_states() {
        let r = Duration::from_secs(60);
        assert!(matches!(from_response(404, b"", false, r), RobotsState::Absent { status: 404 }));
        assert!(matches!(from_response(403, b"", false, r), RobotsState::Absent { status: 403 }));
        assert!(matches!(from_response(503, b"", false, r), RobotsState::Unavailable { .. }));
        assert!(matches!(from_response(429, b"", false, r), RobotsState::Unavailable { .. }));
        assert!(matches!(from_response(200, b"<html>", true, r), RobotsState::Absent { .. }));
        let s = from_response(200, b"User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n", false, r);
        let RobotsState::Rules(robot) = &s else { panic!("{s:?}") };
        assert!(!robot.allowed("/private/a.html"));
        assert!(robot.allowed("/zwgk/index.html"));
        assert_eq!(
            s.status(),
            RobotsStatus::Present { crawl_delay: Some(Duration::from_secs(2)), blanket_disallow: false, sitemaps: vec![] }
        );
    }

    #[test]
    fn agent_specific_group_wins_and_blanket_disallow_is_flagged() {
        let txt = b"User-agent: *\nDisallow: /\n\nUser-agent: nianbao\nDisallow: /search\n";
        let s = from_response(200, txt, false, Duration::ZERO);
        let RobotsState::Rules(robot) = &s else { panic!() };
        assert!(robot.allowed("/zwgk/"));
        assert!(!robot.allowed("/search?q=1"));
        let s = from_response(200, b"User-agent: *\nDisallow: /\n", false, Duration::ZERO);
        assert!(matches!(s.status(), RobotsStatus::Present { blanket_disallow: true, .. }));
    }

    #[test]
    fn unavailable_expires() {
        let s = unavailable("HTTP 500".into(), Duration::ZERO);
        assert!(s.needs_fetch(Instant::now()));
        let s = unavailable("HTTP 500".into(), Duration::from_secs(600));
        assert!(!s.needs_fetch(Instant::now()));
        assert!(!RobotsState::Absent { status: 404 }.needs_fetch(Instant::now()));
    }
}
