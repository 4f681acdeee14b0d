//! Per-host politeness: one [`Host`] per host name with a governor rate limiter (the rule's rate,
//! burst 1), a pacing gate for everything that can only make the host *slower* (Crawl-delay,
//! Retry-After pauses, slow-down after 429/503), and a semaphore capping requests in flight.
//!
//! Every request to the host — first attempts, retries, redirect hops, robots.txt — takes a slot
//! here, so the rule's rate holds across retries.
//!
//! Slots are spaced by when they are granted, but the server sees the request when its bytes
//! arrive, and on a starved machine (the crawler's own CPU work, other processes) the bytes of
//! one request can leave well after its slot while the next one's leave on time: the server then
//! sees a shorter gap than the rule's. So the fetcher reports when each answer began to arrive
//! ([`Host::answered`]): an answer later than the host's recent fastest by `d` means the request
//! may have reached the server up to `d` after its slot, and the next start moves back by `d`
//! (at most one interval, and at most [`MAX_LATE_SEND`]). On a server whose latency varies this
//! also spaces requests a little more than the rule asks: a slow answer is taken for a late send.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::site::Rate;

use super::robots::RobotsState;

/// The largest lateness [`Host::answered`] adds to the spacing (it is also capped at one interval).
pub const MAX_LATE_SEND: Duration = Duration::from_secs(1);

/// Answers whose latency gives the host's "recent fastest".
const RECENT: usize = 8;

/// The politeness settings of one host.
#[derive(Debug, Clone, PartialEq)]
pub struct HostPolicy {
    /// Minimum spacing between request starts from the rule's rate (`per / requests`).
    pub interval: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Name of the site the host belongs to, if any (for messages).
    pub site: Option<String>,
    /// robots.txt is ignored for this host (the rule's reason).
    pub ignore_robots: Option<String>,
}

impl HostPolicy {
    /// The spacing a rate implies; a zero rate means one request per `per`.
    pub fn interval_of(rate: Rate) -> Duration {
        let n = rate.requests.max(1);
        rate.per / n
    }
}

/// Mutable pacing state, guarded by a std mutex (never held across an await).
#[derive(Debug)]
struct Pace {
    /// Earliest start of the next request.
    next: Instant,
    /// Current spacing: max(rule interval, Crawl-delay), times the slow-down factor while it lasts.
    crawl_delay: Option<Duration>,
    /// Slow-down after 429/503: factor and until when.
    slow: Option<(u32, Instant)>,
    /// A server-requested pause (Retry-After): no request starts before this.
    paused_until: Option<Instant>,
    /// Latencies (slot granted → answer arriving) of the last [`RECENT`] answers, a ring.
    recent: [Option<Duration>; RECENT],
    /// Next index of `recent` to overwrite.
    recent_at: usize,
}

/// One host's limiter, pacing gate, concurrency cap and robots cache.
#[derive(Debug)]
pub struct Host {
    /// `host[:port]` as in the URL.
    pub name: String,
    policy: HostPolicy,
    limiter: DefaultDirectRateLimiter,
    pace: Mutex<Pace>,
    semaphore: Arc<Semaphore>,
    /// robots.txt state; the async mutex also makes concurrent first requests wait for one fetch.
    pub(crate) robots: tokio::sync::Mutex<RobotsState>,
}

/// A granted slot: holds the concurrency permit until dropped.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    /// How long the caller waited for the slot.
    pub waited: Duration,
    /// When the slot was granted: the request may start from then on.
    pub granted: Instant,
}

impl Host {
    /// A host with the given policy.
    pub fn new(name: impl Into<String>, policy: HostPolicy) -> Host {
        let interval = policy.interval.max(Duration::from_millis(1));
        let quota = Quota::with_period(interval).expect("non-zero interval").allow_burst(NonZeroU32::MIN);
        Host {
            name: name.into(),
            limiter: RateLimiter::direct(quota),
            pace: Mutex::new(Pace {
                next: Instant::now(),
                crawl_delay: None,
                slow: None,
                paused_until: None,
                recent: [None; RECENT],
                recent_at: 0,
            }),
            semaphore: Arc::new(Semaphore::new(policy.concurrency.max(1))),
            robots: tokio::sync::Mutex::new(RobotsState::Unknown),
            policy,
        }
    }

    /// The policy the host was registered with.
    pub fn policy(&self) -> &HostPolicy {
        &self.policy
    }

    /// The spacing in force right now (rule interval, raised by Crawl-delay and slow-down).
    pub fn current_interval(&self) -> Duration {
        let mut pace = self.pace.lock().expect("pace lock");
        Self::interval_locked(&self.policy, &mut pace, Instant::now())
    }

    fn interval_locked(policy: &HostPolicy, pace: &mut Pace, now: Instant) -> Duration {
        let mut iv = policy.interval.max(pace.crawl_delay.unwrap_or_default());
        match pace.slow {
            Some((factor, until)) if until > now => iv *= factor,
            Some(_) => pace.slow = None,
            None => {}
        }
        iv
    }

    /// Wait for a concurrency permit, then for the next start time. The returned slot must be
    /// held for the whole request, body included.
    pub async fn acquire(&self) -> Slot {
        let t0 = Instant::now();
        let permit = self.semaphore.clone().acquire_owned().await.expect("host semaphore is never closed");
        loop {
            // Reserve a start time under the lock, then sleep outside it.
            let start = {
                let mut pace = self.pace.lock().expect("pace lock");
                let now = Instant::now();
                let mut start = pace.next.max(now);
                if let Some(p) = pace.paused_until {
                    if p > start {
                        start = p;
                    } else if p <= now {
                        pace.paused_until = None;
                    }
                }
                let iv = Self::interval_locked(&self.policy, &mut pace, start);
                pace.next = start + iv;
                start
            };
            tokio::time::sleep_until(start).await;
            // A pause (Retry-After) may have begun while we slept: take a new slot after it.
            let paused = self.pace.lock().expect("pace lock").paused_until.is_some_and(|p| p > Instant::now());
            if !paused {
                break;
            }
        }
        // The rule's own rate, enforced by governor as the hard ceiling.
        self.limiter.until_ready().await;
        let granted = Instant::now();
        Slot { _permit: permit, waited: granted - t0, granted }
    }

    /// The answer to the request sent in `slot` began to arrive at `at` (response head read).
    /// Call before dropping the slot. If the answer came later than the host's recent fastest,
    /// the request may have left late (see the module documentation): the next start moves to
    /// at least the late part plus the interval after the slot. Returns the lateness assumed.
    pub fn answered(&self, slot: &Slot, at: Instant) -> Duration {
        let latency = at.saturating_duration_since(slot.granted);
        let mut pace = self.pace.lock().expect("pace lock");
        let i = pace.recent_at;
        pace.recent[i] = Some(latency);
        pace.recent_at = (i + 1) % RECENT;
        // The current answer is in `recent` too; alone, it has nothing to be compared with, and
        // all of it may have been a late send (the first request to a host, robots.txt).
        let fastest = match pace.recent.iter().flatten().count() {
            1 => Duration::ZERO,
            _ => pace.recent.iter().flatten().min().copied().unwrap_or_default(),
        };
        let iv = Self::interval_locked(&self.policy, &mut pace, at);
        let late = latency.saturating_sub(fastest).min(iv).min(MAX_LATE_SEND);
        let earliest = slot.granted + late + iv;
        if late > Duration::ZERO && pace.next < earliest {
            pace.next = earliest;
        }
        late
    }

    /// Raise the spacing to robots.txt's Crawl-delay (never lowers it below the rule's rate).
    pub fn set_crawl_delay(&self, delay: Option<Duration>) {
        let mut pace = self.pace.lock().expect("pace lock");
        pace.crawl_delay = delay.filter(|d| *d > self.policy.interval);
    }

    /// The server asked for a pause (429/503 with Retry-After): no request to this host starts
    /// before `wait` has passed, and the host runs `factor` times slower for `for_how_long`.
    pub fn back_off(&self, wait: Duration, factor: u32, for_how_long: Duration) {
        let mut pace = self.pace.lock().expect("pace lock");
        let now = Instant::now();
        let until = now + wait;
        pace.paused_until = Some(pace.paused_until.map_or(until, |p| p.max(until)));
        if pace.next < until {
            pace.next = until;
        }
        if factor > 1 {
            let slow_until = until + for_how_long;
            let f = pace.slow.map_or(factor, |(f, _)| f.max(factor));
            pace.slow = Some((f, slow_until));
        }
    }

    /// Requests currently in flight (permits taken).
    pub fn in_flight(&self) -> usize {
        self.policy.concurrency.max(1) - self.semaphore.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A task that wakes late for its reserved start (the machine was busy) must not let the
    /// next request, which wakes on time, go out less than an interval after it: the governor
    /// limiter spaces slots by when they are granted, not by when they were reserved.
    #[test]
    fn a_late_wake_does_not_shorten_the_gap_to_the_next_request() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let iv = Duration::from_millis(60);
        let host = Arc::new(Host::new(
            "www.example.gov.cn",
            HostPolicy { interval: iv, concurrency: 2, site: None, ignore_robots: None },
        ));
        let sent = rt.block_on(async {
            // A first request, so the next two reserve starts in the future (t+iv, t+2iv).
            drop(host.acquire().await);
            let t = Instant::now();
            let (a, b) = (Arc::clone(&host), Arc::clone(&host));
            let first = tokio::spawn(async move {
                let _slot = a.acquire().await;
                Instant::now()
            });
            let second = tokio::spawn(async move {
                // Reserve the second slot right after the first.
                tokio::task::yield_now().await;
                let _slot = b.acquire().await;
                Instant::now()
            });
            // Let both reserve (t + iv and t + 2iv), then hog the only thread until 45 ms past the
            // first one's start, so it wakes late while the second can still wake on time.
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            std::thread::sleep((t + iv + Duration::from_millis(45)).saturating_duration_since(Instant::now()));
            (first.await.unwrap(), second.await.unwrap())
        });
        let gap = sent.1.saturating_duration_since(sent.0);
        assert!(gap >= iv, "second request went out {gap:?} after the first; the interval is {iv:?}");
    }

    /// A request whose bytes leave late (the process was starved after its slot was granted)
    /// reaches the server late, and its answer comes back late: the next slot must then be an
    /// interval after when the request may have arrived, not after when its slot was granted.
    #[test]
    fn a_late_answer_pushes_the_next_slot_back() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let iv = Duration::from_millis(60);
        let stall = Duration::from_millis(45);
        let host = Host::new("www.example.gov.cn", HostPolicy { interval: iv, concurrency: 1, site: None, ignore_robots: None });
        let (arrived, next) = rt.block_on(async {
            // Answers that come back at once: the host's recent fastest latency is about zero.
            for _ in 0..3 {
                let slot = host.acquire().await;
                host.answered(&slot, Instant::now());
            }
            let slot = host.acquire().await;
            // The request leaves `stall` after its slot, the server answers at once.
            std::thread::sleep(stall);
            let arrived = Instant::now();
            let late = host.answered(&slot, Instant::now());
            assert!(late >= stall, "lateness {late:?} for a send {stall:?} late");
            drop(slot);
            (arrived, host.acquire().await.granted)
        });
        let gap = next.saturating_duration_since(arrived);
        assert!(gap >= iv, "the next request may reach the server {gap:?} after the late one; the interval is {iv:?}");
    }

    /// An answer as fast as the recent ones changes nothing; the correction is capped at one
    /// interval however late the answer.
    #[test]
    fn lateness_is_measured_against_recent_answers_and_capped() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let iv = Duration::from_millis(50);
        let ms = Duration::from_millis;
        let host = Host::new("www.example.gov.cn", HostPolicy { interval: iv, concurrency: 1, site: None, ignore_robots: None });
        rt.block_on(async {
            let slot = host.acquire().await;
            assert_eq!(host.answered(&slot, slot.granted + ms(10)), ms(10), "first answer: all of it may be a late send");
            drop(slot);
            let slot = host.acquire().await;
            assert_eq!(host.answered(&slot, slot.granted + ms(10)), Duration::ZERO, "as fast as before");
            drop(slot);
            let slot = host.acquire().await;
            assert_eq!(host.answered(&slot, slot.granted + ms(40)), ms(30));
            drop(slot);
            let slot = host.acquire().await;
            assert_eq!(host.answered(&slot, slot.granted + Duration::from_secs(5)), iv, "capped at one interval");
        });
    }
}
