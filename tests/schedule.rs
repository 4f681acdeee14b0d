//! Due computation (cron, timezone, window, catch-up), health flags and site locks.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use nianbao::schedule::health::flags_with;
use nianbao::schedule::{
    due_now, flags, next_due, next_run_at, DueReason, HealthFlag, ListStats, LockError, SiteLock, SiteRunStats,
    SiteSchedule, Thresholds,
};
use nianbao::site::Window;

/// A Shanghai wall-clock time as UTC.
fn cst(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Shanghai.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap().with_timezone(&Utc)
}

fn sched(cron: &str) -> SiteSchedule {
    SiteSchedule::new("t", cron, "", None).unwrap()
}

fn windowed(cron: &str, months: (u32, u32), otherwise: Option<&str>) -> SiteSchedule {
    let w = Window { months, otherwise: otherwise.map(str::to_string) };
    SiteSchedule::new("t", cron, "Asia/Shanghai", Some(&w)).unwrap()
}

#[test]
fn weekly_cron_is_read_in_shanghai_time() {
    let s = sched("0 4 * * 1"); // Mondays 04:00 CST; 2025-03-03 is a Monday
    assert_eq!(next_due(&s, cst(2025, 3, 3, 3, 0)), Some(cst(2025, 3, 3, 4, 0)));
    assert_eq!(cst(2025, 3, 3, 4, 0), Utc.with_ymd_and_hms(2025, 3, 2, 20, 0, 0).unwrap());
    // Strictly after: at (or just after) the slot the next one is a week later.
    assert_eq!(next_due(&s, cst(2025, 3, 3, 4, 0)), Some(cst(2025, 3, 10, 4, 0)));
    let just_after = cst(2025, 3, 3, 4, 0) + chrono::Duration::milliseconds(300);
    assert_eq!(next_due(&s, just_after), Some(cst(2025, 3, 10, 4, 0)));
}

#[test]
fn explicit_timezone_is_honoured() {
    let utc = SiteSchedule::new("t", "0 4 * * *", "UTC", None).unwrap();
    let after = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap();
    assert_eq!(next_due(&utc, after), Some(Utc.with_ymd_and_hms(2025, 6, 1, 4, 0, 0).unwrap()));
    // The same cron in the default zone fires at 04:00 CST = 20:00 UTC the day before.
    assert_eq!(next_due(&sched("0 4 * * *"), after), Some(Utc.with_ymd_and_hms(2025, 6, 1, 20, 0, 0).unwrap()));
}

#[test]
fn window_picks_daily_inside_and_weekly_outside() {
    // Daily January–April (reports due by 31 March), Mondays 06:00 otherwise.
    let s = windowed("0 6 * * *", (1, 4), Some("0 6 * * 1"));
    // Inside: the next day.
    assert_eq!(next_due(&s, cst(2025, 2, 10, 7, 0)), Some(cst(2025, 2, 11, 6, 0)));
    // 30 April (Wednesday) after the slot: 1 May is outside, so the next Monday, 5 May.
    assert_eq!(next_due(&s, cst(2025, 4, 30, 7, 0)), Some(cst(2025, 5, 5, 6, 0)));
    // Outside: weekly.
    assert_eq!(next_due(&s, cst(2025, 5, 5, 6, 0)), Some(cst(2025, 5, 12, 6, 0)));
    // 31 December (Wednesday): the weekly cron would say Monday 5 January, but 1 January is in
    // the window and the daily cron fires then.
    assert_eq!(next_due(&s, cst(2025, 12, 31, 7, 0)), Some(cst(2026, 1, 1, 6, 0)));
}

#[test]
fn window_wraps_over_the_new_year() {
    // Daily November–February, on the 1st of the month otherwise.
    let s = windowed("0 6 * * *", (11, 2), Some("0 6 1 * *"));
    assert_eq!(next_due(&s, cst(2025, 12, 31, 7, 0)), Some(cst(2026, 1, 1, 6, 0)));
    assert_eq!(next_due(&s, cst(2026, 1, 15, 7, 0)), Some(cst(2026, 1, 16, 6, 0)));
    assert_eq!(next_due(&s, cst(2026, 2, 28, 7, 0)), Some(cst(2026, 3, 1, 6, 0)));
    assert_eq!(next_due(&s, cst(2026, 3, 1, 7, 0)), Some(cst(2026, 4, 1, 6, 0)));
    // 1 October after the slot: not daily (October is outside), monthly → 1 November.
    assert_eq!(next_due(&s, cst(2025, 10, 1, 7, 0)), Some(cst(2025, 11, 1, 6, 0)));
}

#[test]
fn window_without_otherwise_is_silent_outside() {
    let s = windowed("0 6 * * *", (1, 4), None);
    assert_eq!(next_due(&s, cst(2025, 4, 30, 7, 0)), Some(cst(2026, 1, 1, 6, 0)));
    // Not due in September: nothing fires May–December.
    assert_eq!(due_now(&s, Some(cst(2025, 4, 30, 6, 0)), cst(2025, 9, 1, 0, 0)), None);
    assert_eq!(due_now(&s, Some(cst(2025, 4, 30, 6, 0)), cst(2026, 1, 1, 6, 1)), Some(DueReason::Slot {
        at: cst(2026, 1, 1, 6, 0)
    }));
}

#[test]
fn due_on_the_slot_and_not_before() {
    let s = sched("0 4 * * 1");
    let last = cst(2025, 3, 3, 4, 0) + chrono::Duration::seconds(5);
    assert_eq!(due_now(&s, Some(last), cst(2025, 3, 10, 3, 59)), None);
    assert_eq!(due_now(&s, Some(last), cst(2025, 3, 10, 4, 0)), Some(DueReason::Slot { at: cst(2025, 3, 10, 4, 0) }));
}

#[test]
fn downtime_over_several_slots_catches_up_once() {
    let s = sched("0 4 * * 1");
    let last = cst(2025, 3, 3, 4, 0);
    let now = cst(2025, 3, 26, 12, 0); // slots 10, 17 and 24 March were missed
    assert_eq!(
        due_now(&s, Some(last), now),
        Some(DueReason::CatchUp { first: cst(2025, 3, 10, 4, 0), last: cst(2025, 3, 24, 4, 0), missed: 3 })
    );
    // One run, recorded as starting now, satisfies all of them.
    assert_eq!(due_now(&s, Some(now), now), None);
    assert_eq!(due_now(&s, Some(now), cst(2025, 3, 31, 4, 0)), Some(DueReason::Slot { at: cst(2025, 3, 31, 4, 0) }));
}

#[test]
fn catch_up_spans_the_window_boundary() {
    // Down from 28 April to 20 May: daily slots 29, 30 April, then Mondays 5, 12, 19 May.
    let s = windowed("0 6 * * *", (1, 4), Some("0 6 * * 1"));
    let due = due_now(&s, Some(cst(2025, 4, 28, 6, 0)), cst(2025, 5, 20, 0, 0));
    assert_eq!(due, Some(DueReason::CatchUp { first: cst(2025, 4, 29, 6, 0), last: cst(2025, 5, 19, 6, 0), missed: 5 }));
}

#[test]
fn a_site_never_run_is_due_at_once() {
    let s = sched("0 4 * * 1");
    assert_eq!(due_now(&s, None, cst(2025, 3, 5, 12, 0)), Some(DueReason::FirstRun));
    assert_eq!(next_run_at(&s, None, cst(2025, 3, 5, 12, 0)), Some(cst(2025, 3, 5, 12, 0)));
    assert_eq!(next_run_at(&s, Some(cst(2025, 3, 3, 4, 0)), cst(2025, 3, 5, 12, 0)), Some(cst(2025, 3, 10, 4, 0)));
}

#[test]
fn bad_schedules_are_rejected_with_the_key() {
    let err = |cron: &str, tz: &str, w: Option<Window>| SiteSchedule::new("xian", cron, tz, w.as_ref()).unwrap_err().to_string();
    let e = err("0 0 4 * * 1", "", None);
    assert!(e.contains("xian") && e.contains("schedule") && e.contains("5 fields"), "{e}");
    assert!(err("0 4 * *", "", None).contains("5 fields"));
    assert!(err("0 25 * * *", "", None).contains("schedule"));
    let e = err("0 4 * * 1", "Asia/Beijing", None);
    assert!(e.contains("timezone") && e.contains("Asia/Beijing"), "{e}");
    let e = err("0 4 * * *", "", Some(Window { months: (0, 4), otherwise: None }));
    assert!(e.contains("window.months"), "{e}");
    let e = err("0 4 * * *", "", Some(Window { months: (1, 4), otherwise: Some("bad".into()) }));
    assert!(e.contains("window.otherwise"), "{e}");
    let e = err("0 0 31 2 *", "", None);
    assert!(e.contains("never fires"), "{e}");
    // June only, inside a January–April window with nothing outside: never fires either.
    let e = err("0 0 * 6 *", "", Some(Window { months: (1, 4), otherwise: None }));
    assert!(e.contains("never fires"), "{e}");
}

// ---- health flags ----

fn stats(lists: &[(&str, u32)], docs: u32, empty: u32, median: u32) -> SiteRunStats {
    SiteRunStats {
        lists: lists.iter().map(|(u, n)| ListStats { url: u.to_string(), items: *n }).collect(),
        documents: docs,
        empty_text: empty,
        median_text_len: median,
        mean_text_len: f64::from(median),
    }
}

const L1: &str = "https://www.example.gov.cn/zwgk/nb/";
const L2: &str = "https://www.example.gov.cn/zwgk/tzgg/";

#[test]
fn healthy_run_raises_no_flags() {
    let prev = vec![stats(&[(L1, 15), (L2, 20)], 5, 0, 3000); 3];
    assert!(flags(&prev, &stats(&[(L1, 14), (L2, 20)], 4, 0, 2800)).is_empty());
    // Nothing new to fetch is normal for an incremental crawl.
    assert!(flags(&prev, &stats(&[(L1, 15), (L2, 20)], 0, 0, 0)).is_empty());
}

#[test]
fn list_that_used_to_yield_items_and_now_yields_none_is_flagged() {
    let prev = vec![stats(&[(L1, 15), (L2, 20)], 5, 0, 3000), stats(&[(L1, 12), (L2, 0)], 5, 0, 3000)];
    let f = flags(&prev, &stats(&[(L1, 0), (L2, 20)], 0, 0, 0));
    assert_eq!(f, vec![HealthFlag::ListEmpty { list: L1.into(), usual: 12 }]);
    // A list that never yielded anything has no "usual" to break from.
    assert!(flags(&[stats(&[(L1, 0)], 0, 0, 0)], &stats(&[(L1, 0)], 0, 0, 0)).is_empty());
    assert!(flags(&[], &stats(&[(L1, 0)], 0, 0, 0)).is_empty());
}

#[test]
fn empty_text_is_flagged_when_sudden() {
    let prev = vec![stats(&[(L1, 15)], 10, 1, 3000); 3];
    let f = flags(&prev, &stats(&[(L1, 15)], 10, 7, 2900));
    assert_eq!(f, vec![HealthFlag::EmptyText { empty: 7, documents: 10 }]);
    assert!(flags(&prev, &stats(&[(L1, 15)], 10, 2, 2900)).is_empty(), "a few empty pages are normal");
    // A first run whose every page is empty: the rule never worked.
    assert_eq!(flags(&[], &stats(&[(L1, 3)], 3, 3, 0)), vec![HealthFlag::EmptyText { empty: 3, documents: 3 }]);
    // A site that usually comes out that way is not flagged again and again.
    let usual = vec![stats(&[(L1, 3)], 4, 3, 100); 3];
    assert!(flags(&usual, &stats(&[(L1, 3)], 4, 4, 0)).is_empty());
}

#[test]
fn much_shorter_text_is_flagged() {
    let prev = vec![stats(&[(L1, 15)], 5, 0, 3000), stats(&[(L1, 15)], 5, 0, 3200), stats(&[(L1, 15)], 5, 0, 2900)];
    assert_eq!(
        flags(&prev, &stats(&[(L1, 15)], 5, 0, 800)),
        vec![HealthFlag::ShorterText { median: 800, usual: 3000 }]
    );
    assert!(flags(&prev, &stats(&[(L1, 15)], 5, 0, 1500)).is_empty(), "half as long is within bounds");
    assert!(flags(&[], &stats(&[(L1, 15)], 5, 0, 800)).is_empty(), "no usual length yet");
    let strict = Thresholds { shorter_ratio: 0.6, ..Thresholds::default() };
    assert_eq!(flags_with(&prev, &stats(&[(L1, 15)], 5, 0, 1500), strict).len(), 1);
}

#[test]
fn stats_from_lengths_ignore_empty_texts() {
    let s = SiteRunStats::from_lengths(vec![], &[0, 100, 300, 0, 200], 2);
    assert_eq!((s.documents, s.empty_text, s.median_text_len), (5, 2, 200));
    assert!((s.mean_text_len - 200.0).abs() < 1e-9);
    let none = SiteRunStats::from_lengths(vec![], &[], 0);
    assert_eq!((none.documents, none.median_text_len), (0, 0));
}

#[test]
fn flags_read_in_english_and_chinese() {
    let f = HealthFlag::ShorterText { median: 800, usual: 3000 };
    assert_eq!(f.kind(), "shorter-text");
    assert!(f.to_string().contains("800") && f.to_string().contains("3000"));
    assert!(f.describe_zh().contains("变短"));
}

// ---- site locks ----

#[test]
fn a_site_lock_excludes_a_second_holder_until_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let lock = SiteLock::acquire(dir.path(), "pingtan").unwrap();
    assert_eq!(lock.path(), dir.path().join("pingtan.lock"));
    let content = std::fs::read_to_string(lock.path()).unwrap();
    assert!(content.starts_with(&format!("pid {} since ", std::process::id())), "{content}");
    match SiteLock::acquire(dir.path(), "pingtan") {
        Err(LockError::Held { site, holder, .. }) => {
            assert_eq!(site, "pingtan");
            assert!(holder.unwrap().contains(&std::process::id().to_string()));
        }
        other => panic!("expected Held, got {other:?}"),
    }
    // Other sites are independent.
    let other = SiteLock::acquire(dir.path(), "xiamen").unwrap();
    let path = lock.path().to_path_buf();
    drop(lock);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "", "released locks are emptied");
    let again = SiteLock::acquire(dir.path(), "pingtan").unwrap();
    drop((again, other));
}

#[test]
fn a_lock_file_left_by_a_dead_process_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let path = SiteLock::path_for(dir.path(), "pingtan");
    std::fs::write(&path, "pid 4194303 since 2024-01-01T00:00:00Z\n").unwrap();
    let lock = SiteLock::acquire(dir.path(), "pingtan").unwrap();
    let content = std::fs::read_to_string(lock.path()).unwrap();
    assert!(content.starts_with(&format!("pid {} ", std::process::id())), "{content}");
}

#[test]
fn lock_names_are_safe_file_names() {
    let p = SiteLock::path_for(std::path::Path::new("/a/locks"), "../x y");
    assert_eq!(p, std::path::Path::new("/a/locks/.._x_y.lock"));
    assert_eq!(SiteLock::dir_for_archive(std::path::Path::new("archive/nianbao.db")), std::path::Path::new("archive/locks"));
    assert_eq!(SiteLock::dir_for_archive(std::path::Path::new("nianbao.db")), std::path::Path::new("./locks"));
}

/// Not a test on its own: the child process of `a_crashed_holder_in_another_process_leaves_no_lock`.
#[test]
#[ignore]
fn lock_holder_child() {
    let Ok(dir) = std::env::var("NIANBAO_LOCK_CHILD_DIR") else { return };
    let _lock = SiteLock::acquire(std::path::Path::new(&dir), "pingtan").unwrap();
    println!("LOCKED");
    std::thread::sleep(std::time::Duration::from_secs(30));
}

#[test]
fn a_crashed_holder_in_another_process_leaves_no_lock() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "lock_holder_child", "--nocapture", "--test-threads=1"])
        .env("NIANBAO_LOCK_CHILD_DIR", dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let locked = lines.by_ref().take(20).map_while(Result::ok).any(|l| l.contains("LOCKED"));
    assert!(locked, "child never took the lock");
    match SiteLock::acquire(dir.path(), "pingtan") {
        Err(LockError::Held { holder, .. }) => assert!(holder.unwrap().contains(&format!("pid {}", child.id()))),
        other => panic!("expected the child's lock to be held, got {other:?}"),
    }
    // Crash: SIGKILL, no destructor runs. The kernel drops the lock with the process.
    child.kill().unwrap();
    child.wait().unwrap();
    let lock = SiteLock::acquire(dir.path(), "pingtan").expect("a dead holder's lock must be free");
    assert!(std::fs::read_to_string(lock.path()).unwrap().contains(&format!("pid {}", std::process::id())));
}

#[test]
fn the_cron_examples_in_docs_schedule_md_mean_what_it_says() {
    // 2025-03-03 is a Monday; March 2025 starts on a Saturday.
    let next = |cron: &str, after: DateTime<Utc>| next_due(&sched(cron), after).unwrap();
    assert_eq!(next("0 6 * * 1-5", cst(2025, 3, 7, 7, 0)), cst(2025, 3, 10, 6, 0)); // Fri → Mon
    assert_eq!(next("0 5 1,15 * *", cst(2025, 3, 2, 0, 0)), cst(2025, 3, 15, 5, 0));
    assert_eq!(next("0 3 * * MON#1", cst(2025, 3, 4, 0, 0)), cst(2025, 4, 7, 3, 0));
    assert_eq!(next("0 3 L * *", cst(2025, 2, 1, 0, 0)), cst(2025, 2, 28, 3, 0));
    assert_eq!(next("0 4 * * 7", cst(2025, 3, 3, 0, 0)), cst(2025, 3, 9, 4, 0)); // Sunday as 7
    assert_eq!(next("0 4 * * SUN", cst(2025, 3, 3, 0, 0)), cst(2025, 3, 9, 4, 0));
    // Day-of-month and day-of-week both restricted: either is enough (Vixie cron).
    assert_eq!(next("0 4 1 * 1", cst(2025, 3, 1, 5, 0)), cst(2025, 3, 3, 4, 0));
    assert_eq!(next("0 4 1 * 1", cst(2025, 3, 31, 5, 0)), cst(2025, 4, 1, 4, 0));
}
