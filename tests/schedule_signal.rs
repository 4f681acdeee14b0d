//! A real SIGTERM to a process running the scheduler: it stops starting runs, the running crawl
//! finishes its page in flight, the run is recorded, and the process exits 0.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use nianbao::schedule::{
    shutdown_on_signals, CancelToken, MemoryHistory, RunHistory, RunOutcome, RunStatus, Scheduler, SchedulerConfig,
    SiteRunner, SiteSchedule, SystemClock,
};

/// Prints each page as it starts and ends; a page takes 150 ms.
struct PrintingRunner;

impl SiteRunner for PrintingRunner {
    fn run_site<'a>(&'a self, site: &'a str, cancel: CancelToken) -> BoxFuture<'a, RunOutcome> {
        Box::pin(async move {
            let mut outcome = RunOutcome::new(RunStatus::Ok);
            for page in 0..200 {
                if cancel.is_cancelled() {
                    outcome.status = RunStatus::Interrupted;
                    break;
                }
                say(&format!("page-start {site} {page}"));
                tokio::time::sleep(Duration::from_millis(150)).await;
                say(&format!("page-done {site} {page}"));
                outcome.pages += 1;
            }
            outcome
        })
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

/// Not a test on its own: the child process of `sigterm_stops_the_scheduler_cleanly`.
#[test]
#[ignore]
fn scheduler_child() {
    if std::env::var_os("NIANBAO_SIGNAL_CHILD").is_none() {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let shutdown = CancelToken::new();
        shutdown_on_signals(shutdown.clone()).unwrap();
        let history = MemoryHistory::new();
        let sites = vec![SiteSchedule::new("pingtan", "0 4 * * 1", "", None).unwrap()];
        let s = Scheduler::new(
            sites,
            Arc::new(PrintingRunner),
            Arc::new(history.clone()),
            Arc::new(SystemClock),
            SchedulerConfig::default(),
        );
        let summary = s.run(&shutdown).await;
        let run = &history.runs_of("pingtan")[0];
        let last = history.last_started("pingtan").await.unwrap();
        say(&format!(
            "exited runs={} interrupted={} status={} pages={} counts_as_run={}",
            summary.runs,
            summary.interrupted,
            run.outcome.status,
            run.outcome.pages,
            last.is_some()
        ));
    });
}

#[test]
fn sigterm_stops_the_scheduler_cleanly() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "scheduler_child", "--nocapture", "--test-threads=1"])
        .env("NIANBAO_SIGNAL_CHILD", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut lines = Vec::new();
    let next = |lines: &mut Vec<String>| -> Option<String> {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = rx.recv_timeout(left).ok()?;
        lines.push(line.clone());
        Some(line)
    };
    // Wait for two finished pages and the third started, then SIGTERM mid-page.
    loop {
        match next(&mut lines) {
            Some(l) if l.ends_with("page-start pingtan 2") => break,
            Some(_) => {}
            None => {
                let _ = child.kill();
                panic!("child made no progress: {lines:?}");
            }
        }
    }
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    while let Some(l) = next(&mut lines) {
        if l.starts_with("exited") {
            break;
        }
    }
    let exit = child.wait().unwrap();
    let out = lines.join("\n");
    assert!(exit.success(), "child exit {exit:?}\n{out}");
    // The page in flight at the signal was finished; no page started after it.
    assert!(lines.iter().any(|l| l == "page-done pingtan 2"), "{out}");
    let starts = lines.iter().filter(|l| l.contains("page-start ")).count();
    let dones = lines.iter().filter(|l| l.contains("page-done ")).count();
    assert_eq!(starts, dones, "{out}");
    assert!(starts <= 4, "pages went on after SIGTERM:\n{out}");
    let last = lines.iter().find(|l| l.starts_with("exited")).expect("the scheduler returned");
    assert_eq!(
        last,
        &format!("exited runs=1 interrupted=1 status=interrupted pages={dones} counts_as_run=false"),
        "{out}"
    );
}
