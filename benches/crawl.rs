//! Crawl throughput against the rate limits: N mock sites × M documents, each host limited to R
//! requests per second (concurrency 1). Prints the actual time, the ideal time the rate limits
//! allow (the busiest host's (requests − 1) / R), their ratio, the crawler's CPU time and peak
//! RSS (VmHWM), and the politeness meter's verdict. A faster-than-allowed crawl is a failure.
//!
//! The mock server runs in a child process (this binary with `--mock-child`), so that the
//! figures are the crawler's own and the server's clock readings are not delayed by the
//! crawler's work.
//!
//! ```text
//! cargo bench --bench crawl                                 # 50 sites × 40 docs at 5/s
//! cargo bench --bench crawl -- --sites 200 --docs 100       # issue 7's memory case
//! NIANBAO_BENCH_SITES=10 cargo test --bench crawl           # unoptimised build
//! ```
//! Options: `--sites N`, `--docs M`, `--rate R`, `--per-page P` (or `NIANBAO_BENCH_SITES`,
//! `NIANBAO_BENCH_DOCS`, `NIANBAO_BENCH_RATE`, `NIANBAO_BENCH_PER_PAGE`); `NIANBAO_BENCH_DB=path`
//! keeps the archive there instead of in a temporary directory; `NIANBAO_BENCH_HITS=path` writes
//! every request the mock saw as `site seconds target` lines, to see where a host waited.

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nianbao::archive::Archive;
use nianbao::crawl::{CrawlOptions, Crawler};
use nianbao::fetch::Fetcher;
use nianbao::site::{Rate, Site};
use support::{site_rule, Encoding, MockServer, SiteContent, Style};

/// `--name VALUE` from the arguments, else the environment variable, else the default.
fn param(args: &[String], name: &str, env: &str, default: u32) -> u32 {
    let flag = format!("--{name}");
    args.windows(2)
        .find(|w| w[0] == flag)
        .and_then(|w| w[1].parse().ok())
        .or_else(|| std::env::var(env).ok().and_then(|v| v.parse().ok()))
        .unwrap_or(default)
}

/// Peak resident set size in MB, from /proc/self/status (Linux).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time (user + system) of this process so far, from /proc/self/stat (Linux, 100 ticks/s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

struct Params {
    sites: usize,
    docs: usize,
    rate: u32,
    per_page: usize,
}

/// The mock's sites, as the builder's `mixed_styles().mixed_encodings()` generates them.
fn style(i: usize) -> Style {
    [Style::Trs, Style::Hanweb, Style::NextLink][i % 3]
}
fn encoding(i: usize) -> Encoding {
    [Encoding::Utf8, Encoding::Gbk][i % 2]
}

/// Child: serve the mock, print `PORT n`, and when stdin closes print the meter's figures.
fn mock_child(p: &Params) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let mock = rt.block_on(
        MockServer::builder()
            .sites(p.sites)
            .docs_per_site(p.docs)
            .per_page(p.per_page)
            .mixed_styles()
            .mixed_encodings()
            .rate(p.rate, Duration::from_secs(1))
            .concurrency(1)
            .start(),
    );
    println!("PORT {}", mock.port());
    std::io::stdout().flush().unwrap();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    // Each site's requests in time order, read from the meter once.
    let hits: Vec<Vec<_>> = (0..p.sites)
        .map(|i| {
            let mut h = mock.hits_for(i);
            h.sort_by_key(|h| h.at);
            h
        })
        .collect();
    let per_host: Vec<usize> = hits.iter().map(Vec::len).collect();
    if let Some(path) = std::env::var_os("NIANBAO_BENCH_HITS") {
        // Every request as `site seconds target`, for a look at where a host waited.
        let t0 = hits.iter().flatten().map(|h| h.at).min();
        let mut out = String::new();
        for (i, site) in hits.iter().enumerate() {
            for h in site {
                let s = t0.map_or(0.0, |t| (h.at - t).as_secs_f64());
                out.push_str(&format!("{i} {s:.4} {}\n", h.target));
            }
        }
        std::fs::write(path, out).expect("hits file");
    }
    println!("REQUESTS {} {}", per_host.iter().sum::<usize>(), per_host.iter().max().copied().unwrap_or(0));
    let mut worst: Option<(Duration, String)> = None;
    for (i, site) in hits.iter().enumerate() {
        for w in site.windows(2) {
            let gap = w[1].at - w[0].at;
            if worst.as_ref().is_none_or(|(g, _)| gap < *g) {
                worst = Some((gap, format!("{} → {} on {}", w[0].target, w[1].target, mock.site(i).host)));
            }
        }
    }
    if let Some((gap, at)) = worst {
        println!("MINGAP {:.1} {at}", gap.as_secs_f64() * 1e3);
    }
    std::panic::set_hook(Box::new(|_| {}));
    let polite = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mock.assert_all_polite()));
    match polite {
        Ok(()) => println!("POLITE ok"),
        Err(e) => println!("POLITE {}", e.downcast_ref::<String>().cloned().unwrap_or_else(|| "violated".into())),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let p = Params {
        sites: param(&args, "sites", "NIANBAO_BENCH_SITES", 50) as usize,
        docs: param(&args, "docs", "NIANBAO_BENCH_DOCS", 40) as usize,
        rate: param(&args, "rate", "NIANBAO_BENCH_RATE", 5),
        per_page: param(&args, "per-page", "NIANBAO_BENCH_PER_PAGE", 10) as usize,
    };
    if args.iter().any(|a| a == "--mock-child") {
        return mock_child(&p);
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--mock-child", "--sites", &p.sites.to_string(), "--docs", &p.docs.to_string()])
        .args(["--rate", &p.rate.to_string(), "--per-page", &p.per_page.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("mock child");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("PORT ").and_then(|s| s.parse().ok()).expect("mock port");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));

    let rate = Rate { requests: p.rate, per: Duration::from_secs(1) };
    // Rules built one site at a time (the content is only needed for the list URL).
    let rules: Vec<Site> = (0..p.sites)
        .map(|i| {
            let s = SiteContent::generate(i, 0, encoding(i), style(i), p.per_page);
            site_rule(&s, &format!("http://{}:{port}{}", s.host, s.list_path()), rate, 1)
        })
        .collect();
    let mut config = nianbao::fetch::FetchConfig {
        contact: "bench@example.org".into(),
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        default_rate: rate,
        ..Default::default()
    };
    config.resolve = rules.iter().map(|r| (r.domains[0].clone(), addr)).collect();

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let (report, actual, cpu) = rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        // NIANBAO_BENCH_DB=path keeps the archive for inspection (a fresh file is expected).
        let db = std::env::var_os("NIANBAO_BENCH_DB").map_or_else(|| dir.path().join("bench.db"), Into::into);
        let archive = Archive::open(db).await.expect("archive");
        let crawler = Crawler::new(archive.clone(), Fetcher::new(config).expect("fetcher"));
        let refs: Vec<&Site> = rules.iter().collect();
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let report = crawler.crawl(&refs, &CrawlOptions::default()).await.expect("crawl");
        let actual = t0.elapsed();
        let cpu = cpu0.zip(cpu_seconds()).map(|(a, b)| b - a);
        archive.close().await.expect("close");
        (report, actual, cpu)
    });
    drop(child.stdin.take());
    let mut figures = String::new();
    out.read_to_string(&mut figures).unwrap();
    child.wait().unwrap();
    let field = |key: &str| figures.lines().find_map(|l| l.strip_prefix(key).map(|r| r.trim().to_string()));
    let requests = field("REQUESTS ").unwrap_or_default();
    let (total, busiest): (usize, usize) = {
        let mut it = requests.split_whitespace().map(|x| x.parse().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    };
    // n requests at R/s with burst 1 take at least n − 1 full intervals (the first starts at
    // once): the busiest host sets the floor.
    let ideal = Duration::from_secs_f64(busiest.saturating_sub(1) as f64 / f64::from(p.rate));
    let t = report.totals();
    println!("crawl benchmark: {} sites × {} docs, {}/page, {}/s per host, concurrency 1", p.sites, p.docs, p.per_page, p.rate);
    println!("  requests:   {total} ({busiest} on the busiest host)");
    println!("  archived:   {} new documents, {} failed, {} blocked", t.new, t.failed, t.blocked);
    println!("  actual:     {:.2} s", actual.as_secs_f64());
    println!("  ideal:      {:.2} s (busiest host: (requests − 1) / rate)", ideal.as_secs_f64());
    println!("  ratio:      {:.3} (target ≤ 1.1)", actual.as_secs_f64() / ideal.as_secs_f64());
    if let Some(c) = cpu {
        println!("  cpu:        {c:.1} s user+sys in the crawler ({:.2} cores busy on average)", c / actual.as_secs_f64());
    }
    match peak_rss_mb() {
        Some(mb) => println!("  peak RSS:   {mb:.1} MB (the crawler; the mock is another process)"),
        None => println!("  peak RSS:   unavailable"),
    }
    if let Some(g) = field("MINGAP ") {
        let (ms, between) = g.split_once(' ').unwrap_or((&g, ""));
        println!("  min gap:    {ms} ms of {} ms ({between})", 1000 / p.rate);
    }
    let polite = field("POLITE ").unwrap_or_else(|| "no verdict from the mock".into());
    println!("  politeness: {polite}");
    assert!(report.is_ok(), "crawl errors: {:?}", report.errors());
    assert_eq!(polite, "ok", "the politeness meter tripped");
}
