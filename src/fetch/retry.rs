//! Retry decisions: which statuses are worth another attempt, jittered exponential backoff, and
//! `Retry-After` parsing (delta-seconds or HTTP-date).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

/// Statuses retried with backoff: request timeout, too early, rate limited, and transient 5xx
/// (including the Cloudflare-style 52x gateway errors). 501/505 are permanent and not retried.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 425 | 429 | 500 | 502 | 503 | 504 | 520 | 522 | 523 | 524)
}

/// Statuses that carry a meaningful `Retry-After` and slow the host down.
pub fn is_throttle_status(status: u16) -> bool {
    matches!(status, 429 | 503)
}

/// Delay before retry number `attempt` (0-based): `base · 2^attempt`, capped at `max`, with
/// "equal jitter" (half fixed, half random) so that parallel crawlers don't retry in lockstep.
pub fn backoff(attempt: u32, base: Duration, max: Duration) -> Duration {
    let exp = base.saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX));
    let d = exp.min(max);
    let half = d / 2;
    let jitter_ns = rand::rng().random_range(0..=half.as_nanos().min(u64::MAX as u128) as u64);
    half + Duration::from_nanos(jitter_ns)
}

/// Parse a `Retry-After` value: delta-seconds (`"120"`) or an HTTP-date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`), relative to `now`. Dates in the past give zero.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(1e9)));
        }
    }
    let date = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 1.5 ", now), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(60)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered_within_bounds() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for attempt in 0..8 {
            let full = (base * 2u32.pow(attempt)).min(max);
            let d = backoff(attempt, base, max);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?} not in [{:?}, {full:?}]", full / 2);
        }
        // Jitter: many draws are not all equal.
        let draws: std::collections::HashSet<_> = (0..20).map(|_| backoff(3, base, max)).collect();
        assert!(draws.len() > 1);
        // Huge attempt numbers don't overflow.
        assert!(backoff(u32::MAX, base, max) <= max);
    }

    #[test]
    fn retryable_statuses() {
        for s in [429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 301, 400, 403, 404, 410, 412, 501, 521] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }
}
