//! Archive throughput: store N realistic annual reports (about 10 KB of GBK HTML each, one table,
//! one attachment link) through the single writer from several tasks, then print documents per
//! second and database bytes per document (raw bodies included).
//!
//! `cargo bench --bench archive` (N = 100000); `NIANBAO_BENCH_DOCS=5000` for a quick run.

#[path = "../tests/archive_common/mod.rs"]
mod archive_common;

use std::time::Instant;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use archive_common::{detail_fetch, fetch_with_body, report};
use nianbao::archive::Archive;

/// Distinct GBK page templates; each document's body is one of them plus its own bytes, so
/// bodies are all different without GBK-encoding 100,000 pages inside the timed loop.
const TEMPLATES: u64 = 64;

/// Tasks producing fetches at once (a crawl over many sites).
const PRODUCERS: u64 = 8;

fn file_size(p: &std::path::Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// The 1-, 5- and 15-minute load averages (Linux), for reading the figures.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    let n: u64 = std::env::var("NIANBAO_BENCH_DOCS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("bench.db");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let a = Archive::open(&db).await.expect("open");
        let run = a.start_run(&["bench".to_string()]).await.expect("run");
        let templates: Arc<Vec<Vec<u8>>> = Arc::new(
            (0..TEMPLATES)
                .map(|i| detail_fetch(&report("pingtan", i, 2014 + (i % 10) as i32), i, None).body)
                .collect(),
        );
        println!("archive bench: {n} documents, {PRODUCERS} producers (load average at the start {})", load());
        let start = Instant::now();
        let mut raw_total = 0u64;
        let mut tasks = Vec::new();
        // "Stays fast": the rate of every tenth of the run, printed as it goes.
        let stored = Arc::new(AtomicU64::new(0));
        let monitor = {
            let stored = stored.clone();
            tokio::spawn(async move {
                let step = (n / 10).max(1);
                let (mut next, mut t_prev, mut n_prev) = (step, Instant::now(), 0u64);
                loop {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    let done = stored.load(Ordering::Relaxed);
                    if done >= next {
                        let secs = t_prev.elapsed().as_secs_f64();
                        println!(
                            "  documents {:>7}–{:<7} {:>6.0} docs/s in this slice",
                            n_prev,
                            done,
                            (done - n_prev) as f64 / secs
                        );
                        (t_prev, n_prev) = (Instant::now(), done);
                        while next <= done {
                            next += step;
                        }
                    }
                    if done >= n {
                        break;
                    }
                }
            })
        };
        for t in 0..PRODUCERS {
            let (a, templates, stored) = (a.clone(), templates.clone(), stored.clone());
            tasks.push(tokio::spawn(async move {
                let mut raw = 0u64;
                let mut i = t;
                while i < n {
                    let e = report(
                        ["pingtan", "lishui", "minhou", "lianjiang"][(i % 4) as usize],
                        i,
                        2014 + (i % 10) as i32,
                    );
                    let mut body = templates[(i % TEMPLATES) as usize].clone();
                    body.extend_from_slice(format!("<!-- {} views {i} -->", e.url).as_bytes());
                    let rec = fetch_with_body(&e, body, Some(run));
                    raw += rec.body.len() as u64;
                    a.store_fetch(rec, Some(e)).await.expect("store");
                    stored.fetch_add(1, Ordering::Relaxed);
                    i += PRODUCERS;
                }
                raw
            }));
        }
        for t in tasks {
            raw_total += t.await.expect("task");
        }
        let elapsed = start.elapsed();
        monitor.await.expect("monitor");
        a.finish_run(run, None).await.expect("finish");
        let t = Instant::now();
        let hits = a.search("依申请公开", 20, None).await.expect("search");
        let fts = t.elapsed();
        let t = Instant::now();
        let short = a.search("复议", 20, None).await.expect("search");
        let like = t.elapsed();
        // Where the bytes go (dbstat is compiled into the bundled SQLite).
        let breakdown: Vec<(String, i64)> = sqlx::query_as(
            "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8",
        )
        .fetch_all(a.reader())
        .await
        .unwrap_or_default();
        a.close().await.expect("close");
        let size = file_size(&db) + file_size(&db.with_extension("db-wal"));
        println!("  load average   {} (at the end)", load());
        println!(
            "  stored in      {:.2} s  = {:.0} documents/s",
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64()
        );
        println!(
            "  raw HTML       {:.0} bytes/document",
            raw_total as f64 / n as f64
        );
        println!(
            "  database       {} bytes = {:.0} bytes/document (raw bodies, text, tables, FTS)",
            size,
            size as f64 / n as f64
        );
        println!(
            "  search (FTS)   {:.1} ms for {} hits",
            fts.as_secs_f64() * 1e3,
            hits.len()
        );
        println!(
            "  search (LIKE)  {:.1} ms for {} hits",
            like.as_secs_f64() * 1e3,
            short.len()
        );
        for (name, bytes) in breakdown {
            println!(
                "    {name:<28} {:>8.0} bytes/document",
                bytes as f64 / n as f64
            );
        }
    });
}
