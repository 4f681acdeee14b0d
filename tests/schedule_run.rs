//! The Scheduler with fake runners and a manual clock: slots over time, catch-up once, one crawl
//! per site (in-process and across schedulers sharing a lock directory), concurrency cap, clean
//! shutdown with nothing lost, health flags in the run record, a panicking runner.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use futures::future::BoxFuture;
use nianbao::schedule::{
    CancelToken, Clock, DueReason, HealthFlag, ListStats, ManualClock, MemoryHistory, RunOutcome, RunStatus,
    Scheduler, SchedulerConfig, SiteRunStats, SiteRunner, SiteSchedule,
};
use tokio::sync::Semaphore;

fn cst(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap().with_timezone(&Utc)
}

fn sched(site: &str, cron: &str) -> SiteSchedule {
    SiteSchedule::new(site, cron, "", None).unwrap()
}

/// Poll `cond` every few milliseconds; fail the test after 10 s.
async fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Let the scheduler react to something, for tests that check nothing *else* happens.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(60)).await;
}

/// What the fake runner does in a run.
#[derive(Clone)]
enum Behaviour {
    /// Return at once.
    Instant,
    /// Take a permit from the gate, then return.
    Gate(Arc<Semaphore>),
    /// Like `Gate` for this site only; other sites return at once.
    GateFor(&'static str, Arc<Semaphore>),
    /// Crawl `n` pages of 20 ms each, stopping between pages when cancelled.
    Pages(u32),
    /// Return these stats.
    Stats(Arc<Mutex<Vec<SiteRunStats>>>),
    Panic,
}

#[derive(Default)]
struct Counters {
    starts: HashMap<String, usize>,
    in_flight: HashMap<String, usize>,
    max_in_flight_per_site: usize,
    max_in_flight_total: usize,
    page_log: Vec<(String, u32, &'static str)>,
}

#[derive(Clone)]
struct FakeRunner {
    behaviour: Behaviour,
    c: Arc<Mutex<Counters>>,
    total: Arc<AtomicUsize>,
}

impl FakeRunner {
    fn new(behaviour: Behaviour) -> FakeRunner {
        FakeRunner { behaviour, c: Arc::default(), total: Arc::default() }
    }
    fn starts(&self, site: &str) -> usize {
        self.c.lock().unwrap().starts.get(site).copied().unwrap_or(0)
    }
    fn total_starts(&self) -> usize {
        self.c.lock().unwrap().starts.values().sum()
    }
}

impl SiteRunner for FakeRunner {
    fn run_site<'a>(&'a self, site: &'a str, cancel: CancelToken) -> BoxFuture<'a, RunOutcome> {
        Box::pin(async move {
            {
                let mut c = self.c.lock().unwrap();
                *c.starts.entry(site.into()).or_default() += 1;
                let n = {
                    let e = c.in_flight.entry(site.into()).or_default();
                    *e += 1;
                    *e
                };
                c.max_in_flight_per_site = c.max_in_flight_per_site.max(n);
                let total = self.total.fetch_add(1, Ordering::SeqCst) + 1;
                c.max_in_flight_total = c.max_in_flight_total.max(total);
            }
            let mut outcome = RunOutcome::new(RunStatus::Ok);
            match &self.behaviour {
                Behaviour::Instant => {}
                Behaviour::Gate(g) => g.acquire().await.unwrap().forget(),
                Behaviour::GateFor(gated, g) if *gated == site => g.acquire().await.unwrap().forget(),
                Behaviour::GateFor(..) => {}
                Behaviour::Pages(n) => {
                    for page in 0..*n {
                        if cancel.is_cancelled() {
                            outcome.status = RunStatus::Interrupted;
                            break;
                        }
                        self.c.lock().unwrap().page_log.push((site.into(), page, "start"));
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        self.c.lock().unwrap().page_log.push((site.into(), page, "done"));
                        outcome.pages += 1;
                    }
                }
                Behaviour::Stats(queue) => outcome.stats = Some(queue.lock().unwrap().remove(0)),
                Behaviour::Panic => panic!("selector exploded"),
            }
            *self.c.lock().unwrap().in_flight.get_mut(site).unwrap() -= 1;
            self.total.fetch_sub(1, Ordering::SeqCst);
            outcome
        })
    }
}

fn scheduler(
    sites: Vec<SiteSchedule>,
    runner: &FakeRunner,
    history: &MemoryHistory,
    clock: &ManualClock,
    config: SchedulerConfig,
) -> Arc<Scheduler> {
    Arc::new(Scheduler::new(
        sites,
        Arc::new(runner.clone()),
        Arc::new(history.clone()),
        Arc::new(clock.clone()),
        config,
    ))
}

#[tokio::test]
async fn once_runs_what_is_due_and_catches_up_once() {
    let now = cst(2025, 3, 26, 12, 0);
    let clock = ManualClock::new(now);
    let history = MemoryHistory::new();
    history.seed("late", cst(2025, 3, 3, 4, 0)); // three Monday slots missed
    history.seed("fresh", cst(2025, 3, 24, 4, 0)); // ran this Monday: not due
    let runner = FakeRunner::new(Behaviour::Instant);
    let sites = vec![sched("late", "0 4 * * 1"), sched("fresh", "0 4 * * 1"), sched("new", "0 4 * * 1")];
    let s = scheduler(sites, &runner, &history, &clock, SchedulerConfig::default());

    let summary = s.run_once(&CancelToken::new()).await;
    assert_eq!((summary.runs, summary.failed), (2, 0));
    assert_eq!((runner.starts("late"), runner.starts("fresh"), runner.starts("new")), (1, 0, 1));
    let late = history.runs_of("late");
    assert_eq!(late[0].reason, DueReason::CatchUp { first: cst(2025, 3, 10, 4, 0), last: cst(2025, 3, 24, 4, 0), missed: 3 });
    assert_eq!(late[0].started, now);
    assert_eq!(history.runs_of("new")[0].reason, DueReason::FirstRun);

    // Run again at the same moment (cron fires --once twice): nothing is due any more.
    let summary = s.run_once(&CancelToken::new()).await;
    assert_eq!(summary.runs, 0);
    assert_eq!(runner.total_starts(), 2);
}

#[tokio::test]
async fn long_lived_scheduler_starts_each_slot_and_catches_up_once_after_a_gap() {
    let clock = ManualClock::new(cst(2025, 3, 3, 10, 30));
    let history = MemoryHistory::new();
    history.seed("hourly", cst(2025, 3, 3, 10, 0));
    let runner = FakeRunner::new(Behaviour::Instant);
    let s = scheduler(vec![sched("hourly", "0 * * * *")], &runner, &history, &clock, SchedulerConfig::default());
    let shutdown = CancelToken::new();
    let handle = tokio::spawn({
        let (s, shutdown) = (Arc::clone(&s), shutdown.clone());
        async move { s.run(&shutdown).await }
    });

    settle().await;
    assert_eq!(runner.starts("hourly"), 0, "not due before 11:00");
    clock.set(cst(2025, 3, 3, 11, 0));
    wait_for("the 11:00 run", || history.runs_of("hourly").len() == 1).await;
    assert_eq!(history.runs_of("hourly")[0].reason, DueReason::Slot { at: cst(2025, 3, 3, 11, 0) });

    clock.set(cst(2025, 3, 3, 11, 30));
    settle().await;
    assert_eq!(runner.starts("hourly"), 1);

    // The machine sleeps through 12:00, 13:00 and 14:00.
    clock.set(cst(2025, 3, 3, 14, 10));
    wait_for("the catch-up run", || history.runs_of("hourly").len() == 2).await;
    settle().await;
    assert_eq!(runner.starts("hourly"), 2, "one catch-up run, not three");
    assert_eq!(history.runs_of("hourly")[1].reason, DueReason::CatchUp {
        first: cst(2025, 3, 3, 12, 0),
        last: cst(2025, 3, 3, 14, 0),
        missed: 3
    });

    shutdown.cancel();
    let summary = tokio::time::timeout(Duration::from_secs(5), handle).await.unwrap().unwrap();
    assert_eq!((summary.runs, summary.interrupted), (2, 0));
}

#[tokio::test]
async fn a_site_is_never_crawled_twice_at_once() {
    let clock = ManualClock::new(cst(2025, 3, 3, 12, 0));
    let history = MemoryHistory::new();
    history.seed("busy", cst(2025, 3, 3, 12, 0));
    let gate = Arc::new(Semaphore::new(0));
    let runner = FakeRunner::new(Behaviour::GateFor("busy", Arc::clone(&gate)));
    // A quick neighbour wakes the scheduler every minute while "busy" runs.
    history.seed("quick", cst(2025, 3, 3, 12, 0));
    let sites = vec![sched("busy", "* * * * *"), sched("quick", "* * * * *")];
    let s = scheduler(sites, &runner, &history, &clock, SchedulerConfig::default());
    let shutdown = CancelToken::new();
    let handle = tokio::spawn({
        let (s, shutdown) = (Arc::clone(&s), shutdown.clone());
        async move { s.run(&shutdown).await }
    });

    clock.set(cst(2025, 3, 3, 12, 1));
    wait_for("the 12:01 run to start", || runner.starts("busy") == 1).await;
    // Every minute is a slot, but the run is still going.
    for minute in 2..=5 {
        clock.set(cst(2025, 3, 3, 12, minute));
        wait_for("the neighbour's run", || runner.starts("quick") == minute as usize).await;
        settle().await;
        assert_eq!(runner.starts("busy"), 1, "started again at 12:0{minute} while running");
    }
    gate.add_permits(1);
    // It finished; 12:02–12:05 passed meanwhile: exactly one catch-up run follows.
    wait_for("the catch-up run to start", || runner.starts("busy") == 2).await;
    gate.add_permits(1);
    wait_for("two recorded runs", || history.runs_of("busy").len() == 2).await;
    settle().await;
    assert_eq!(runner.starts("busy"), 2);
    assert_eq!(runner.c.lock().unwrap().max_in_flight_per_site, 1);
    assert_eq!(history.runs_of("busy")[1].reason, DueReason::CatchUp {
        first: cst(2025, 3, 3, 12, 2),
        last: cst(2025, 3, 3, 12, 5),
        missed: 4
    });
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(5), handle).await.unwrap().unwrap();
}

#[tokio::test]
async fn schedulers_sharing_a_lock_directory_do_not_crawl_the_same_site() {
    let dir = tempfile::tempdir().unwrap();
    let config = SchedulerConfig { lock_dir: Some(dir.path().to_path_buf()), ..SchedulerConfig::default() };
    let clock = ManualClock::new(cst(2025, 3, 3, 12, 0));
    let gate = Arc::new(Semaphore::new(0));
    let runner = FakeRunner::new(Behaviour::Gate(Arc::clone(&gate)));
    // Two processes' worth of schedulers: separate histories, the same lock directory.
    let (h1, h2) = (MemoryHistory::new(), MemoryHistory::new());
    let a = scheduler(vec![sched("shared", "0 4 * * 1")], &runner, &h1, &clock, config.clone());
    let b = scheduler(vec![sched("shared", "0 4 * * 1")], &runner, &h2, &clock, config);

    let first = tokio::spawn({
        let a = Arc::clone(&a);
        async move { a.run_once(&CancelToken::new()).await }
    });
    wait_for("the first scheduler's run", || runner.starts("shared") == 1).await;
    let second = b.run_once(&CancelToken::new()).await;
    assert_eq!((second.runs, second.skipped_locked), (0, 1));
    assert_eq!(runner.starts("shared"), 1);

    gate.add_permits(1);
    let first = tokio::time::timeout(Duration::from_secs(5), first).await.unwrap().unwrap();
    assert_eq!(first.runs, 1);
    // Released: the second scheduler may crawl it now.
    gate.add_permits(1);
    assert_eq!(b.run_once(&CancelToken::new()).await.runs, 1);
}

#[tokio::test]
async fn at_most_max_concurrent_sites_run_at_once() {
    let clock = ManualClock::new(cst(2025, 3, 3, 12, 0));
    let history = MemoryHistory::new();
    let gate = Arc::new(Semaphore::new(0));
    let runner = FakeRunner::new(Behaviour::Gate(Arc::clone(&gate)));
    let sites = (0..5).map(|i| sched(&format!("s{i}"), "0 4 * * 1")).collect();
    let config = SchedulerConfig { max_concurrent: 2, ..SchedulerConfig::default() };
    let s = scheduler(sites, &runner, &history, &clock, config);
    let once = tokio::spawn({
        let s = Arc::clone(&s);
        async move { s.run_once(&CancelToken::new()).await }
    });
    wait_for("two runs", || runner.total_starts() == 2).await;
    settle().await;
    assert_eq!(runner.total_starts(), 2);
    gate.add_permits(5);
    let summary = tokio::time::timeout(Duration::from_secs(5), once).await.unwrap().unwrap();
    assert_eq!(summary.runs, 5);
    assert_eq!(runner.c.lock().unwrap().max_in_flight_total, 2);
}

#[tokio::test]
async fn shutdown_lets_runs_finish_their_pages_and_loses_nothing() {
    let clock = ManualClock::new(cst(2025, 3, 3, 12, 0));
    let history = MemoryHistory::new();
    let runner = FakeRunner::new(Behaviour::Pages(1000));
    let sites = vec![sched("a", "0 4 * * 1"), sched("b", "0 4 * * 1")];
    let s = scheduler(sites.clone(), &runner, &history, &clock, SchedulerConfig::default());
    let shutdown = CancelToken::new();
    let handle = tokio::spawn({
        let (s, shutdown) = (Arc::clone(&s), shutdown.clone());
        async move { s.run(&shutdown).await }
    });
    let pages_done = |site: &str| runner.c.lock().unwrap().page_log.iter().filter(|(s, _, e)| s == site && *e == "done").count();
    wait_for("a few pages each", || pages_done("a") >= 2 && pages_done("b") >= 2).await;

    shutdown.cancel();
    let summary = tokio::time::timeout(Duration::from_secs(5), handle).await.expect("clean stop").unwrap();
    assert_eq!((summary.runs, summary.interrupted), (2, 2));

    // Every page started was finished; nothing was started after the stop.
    let log = runner.c.lock().unwrap().page_log.clone();
    for site in ["a", "b"] {
        let started: Vec<u32> = log.iter().filter(|(s, _, e)| s == site && *e == "start").map(|x| x.1).collect();
        let done: Vec<u32> = log.iter().filter(|(s, _, e)| s == site && *e == "done").map(|x| x.1).collect();
        assert_eq!(started, done, "{site}: a page in flight was abandoned");
        assert!(done.len() < 1000, "{site} ran to the end instead of stopping");
        let runs = history.runs_of(site);
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].outcome.status, RunStatus::Interrupted);
        assert_eq!(runs[0].outcome.pages as usize, done.len(), "{site}: recorded page count");
    }
    settle().await;
    assert_eq!(log.len(), runner.c.lock().unwrap().page_log.len(), "work after the scheduler returned");

    // The next start resumes them: an interrupted run does not count as the slot's run.
    let runner2 = FakeRunner::new(Behaviour::Instant);
    let s2 = scheduler(sites, &runner2, &history, &clock, SchedulerConfig::default());
    assert_eq!(s2.run_once(&CancelToken::new()).await.runs, 2);
}

#[tokio::test]
async fn shutdown_before_anything_is_due_returns_at_once() {
    let clock = ManualClock::new(cst(2025, 3, 3, 12, 0));
    let history = MemoryHistory::new();
    history.seed("a", cst(2025, 3, 3, 4, 0));
    let runner = FakeRunner::new(Behaviour::Instant);
    let s = scheduler(vec![sched("a", "0 4 * * 1")], &runner, &history, &clock, SchedulerConfig::default());
    let shutdown = CancelToken::new();
    shutdown.cancel();
    let summary = tokio::time::timeout(Duration::from_secs(5), s.run(&shutdown)).await.unwrap();
    assert_eq!(summary.runs, 0);
    // A cancelled --once starts nothing either, even for a due site.
    clock.set(cst(2025, 3, 10, 5, 0));
    assert_eq!(s.run_once(&shutdown).await.runs, 0);
    assert_eq!(runner.total_starts(), 0);
}

#[tokio::test]
async fn broken_rule_is_flagged_in_the_run_record() {
    let list = "https://www.example.gov.cn/zwgk/nb/";
    let good = SiteRunStats {
        lists: vec![ListStats { url: list.into(), items: 15 }],
        documents: 4,
        empty_text: 0,
        median_text_len: 3000,
        mean_text_len: 3100.0,
    };
    let broken = SiteRunStats { lists: vec![ListStats { url: list.into(), items: 0 }], documents: 0, ..Default::default() };
    let queue = Arc::new(Mutex::new(vec![good.clone(), good, broken]));
    let runner = FakeRunner::new(Behaviour::Stats(queue));
    let clock = ManualClock::new(cst(2025, 3, 3, 12, 0));
    let history = MemoryHistory::new();
    let s = scheduler(vec![sched("xian", "0 4 * * *")], &runner, &history, &clock, SchedulerConfig::default());
    for day in 0..3 {
        clock.set(cst(2025, 3, 4 + day, 5, 0));
        assert_eq!(s.run_once(&CancelToken::new()).await.runs, 1);
    }
    let runs = history.runs_of("xian");
    assert!(runs[0].flags.is_empty() && runs[1].flags.is_empty());
    assert_eq!(runs[2].flags, vec![HealthFlag::ListEmpty { list: list.into(), usual: 15 }]);
}

#[tokio::test]
async fn a_panicking_runner_is_recorded_as_failed_and_the_scheduler_goes_on() {
    let clock = ManualClock::new(cst(2025, 3, 3, 12, 0));
    let history = MemoryHistory::new();
    let runner = FakeRunner::new(Behaviour::Panic);
    let s = scheduler(vec![sched("p", "0 4 * * 1")], &runner, &history, &clock, SchedulerConfig::default());
    let summary = s.run_once(&CancelToken::new()).await;
    assert_eq!((summary.runs, summary.failed), (1, 1));
    let run = &history.runs_of("p")[0];
    assert_eq!(run.outcome.status, RunStatus::Failed);
    assert!(run.outcome.errors[0].contains("selector exploded"), "{:?}", run.outcome.errors);
    // A failed run still counts as the slot's run: no hot loop of retries.
    assert_eq!(s.run_once(&CancelToken::new()).await.runs, 0);
}

#[tokio::test]
async fn manual_clock_sleepers_wake_when_time_passes() {
    let clock = ManualClock::new(cst(2025, 3, 3, 12, 0));
    let sleeper = clock.sleep_until(cst(2025, 3, 3, 13, 0));
    let woke = tokio::spawn(sleeper);
    clock.advance(chrono::Duration::minutes(30));
    settle().await;
    assert!(!woke.is_finished());
    clock.advance(chrono::Duration::minutes(30));
    tokio::time::timeout(Duration::from_secs(5), woke).await.unwrap().unwrap();
    assert_eq!(clock.now(), cst(2025, 3, 3, 13, 0));
}
