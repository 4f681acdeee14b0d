//! Extraction benchmark: throughput (pages/s and MB/s on one core, decode + extract) and fidelity
//! (character-level text F1, chrome left, metadata fields right) of nianbao over every fixture
//! page in the repository, side by side with trafilatura's when given its results.
//!
//! ```text
//! cargo bench --bench extract                                   # nianbao alone
//! cargo bench --bench extract -- --manifest target/bench/pages.json   # write the page list, exit
//! cargo bench --bench extract -- --compare target/bench/trafilatura.json [--summary FILE]
//! cargo bench --bench extract -- --passes N     # N bare passes, nothing printed (for callgrind)
//! ```
//! `--passes` is for instruction counts: run it under callgrind with 1 and with 3 passes
//! (`--toggle-collect='nianbao::pipeline::extract_bytes'`); half the difference is one steady
//! pass, without the first pass's one-off costs (regex compilation, lazy statics).
//! `scripts/bench` runs all three steps (with trafilatura in `bench/.venv`). The timed loop is
//! single-threaded: one warm-up pass, then whole passes until at least `NIANBAO_BENCH_SECS`
//! (default 2) seconds of CPU time. Rates are per CPU second of the measuring thread, so they are
//! per-core figures even while other processes share the machine; wall-clock rates are printed
//! beside them. The metric is defined in `benches/extract/fidelity.rs`.

#[path = "extract/corpus.rs"]
mod corpus;
#[path = "extract/fidelity.rs"]
mod fidelity;
#[path = "extract/report.rs"]
mod report;
#[path = "extract/score.rs"]
mod score;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use corpus::Corpus;
use nianbao::pipeline::extract_bytes;
use score::{Fidelity, PageOut, Throughput, Trafilatura};

struct Args {
    manifest: Option<PathBuf>,
    compare: Option<PathBuf>,
    summary: Option<PathBuf>,
    passes: Option<usize>,
}

fn parse_args() -> Args {
    let mut args = Args { manifest: None, compare: None, summary: None, passes: None };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut path = |name: &str| PathBuf::from(it.next().unwrap_or_else(|| panic!("{name} needs a file")));
        match a.as_str() {
            "--manifest" => args.manifest = Some(path("--manifest")),
            "--compare" => args.compare = Some(path("--compare")),
            "--summary" => args.summary = Some(path("--summary")),
            "--passes" => {
                let n = it.next().and_then(|n| n.parse().ok());
                args.passes = Some(n.unwrap_or_else(|| panic!("--passes needs a number")));
            }
            // `cargo bench` passes --bench; a name filter may follow it. Neither applies here.
            _ => {}
        }
    }
    args
}

fn main() {
    let args = parse_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = Corpus::load(root);
    if let Some(path) = &args.manifest {
        write_manifest(&corpus, path);
        println!("extract bench: wrote {} pages to {}", corpus.pages.len(), path.display());
        return;
    }
    if let Some(n) = args.passes {
        // NIANBAO_BENCH_ONLY=text: only the pages whose id contains it (profiling one page).
        let only = std::env::var("NIANBAO_BENCH_ONLY").unwrap_or_default();
        for _ in 0..n {
            for p in corpus.pages.iter().filter(|p| p.id.contains(&only)) {
                black_box(extract_bytes(black_box(&p.bytes), p.content_type.as_deref(), &p.url, corpus.site_of(p)));
            }
        }
        return;
    }
    let min_secs: f64 = std::env::var("NIANBAO_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(2.0);

    // The first pass is the warm-up and gives the outputs that are scored.
    let outputs: Vec<Option<PageOut>> = corpus
        .pages
        .iter()
        .map(|p| {
            let e = extract_bytes(&p.bytes, p.content_type.as_deref(), &p.url, corpus.site_of(p));
            let meta = vec![
                Some(e.title.clone()).filter(|t| !t.is_empty()).into_iter().collect(),
                e.published_at.clone().into_iter().collect(),
                e.publisher.clone().into_iter().collect(),
                e.index_no.clone().into_iter().collect(),
                e.doc_no.clone().into_iter().collect(),
            ];
            Some(PageOut { text: e.text, meta })
        })
        .collect();
    let throughput = measure(&corpus, min_secs);
    let profile = report::Profile {
        decode_pages_per_s: measure_decode(&corpus, min_secs / 4.0),
        parse_pages_per_s: measure_parse(&corpus, min_secs / 4.0),
        per_page_ms: per_page_ms(&corpus, min_secs / 4.0),
    };
    let nianbao = Fidelity::score(&corpus, &outputs);
    let traf = args.compare.as_deref().map(|p| Trafilatura::load(p, &corpus));
    let results = report::Results::new(&corpus, throughput, profile, nianbao, traf.as_ref());
    print!("{}", report::render(&corpus, &results));
    if let Some(path) = &args.summary {
        let rows = report::summary_rows(&results);
        std::fs::write(path, rows).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// Whole passes over the corpus until `min_secs` of thread CPU time have been spent.
fn measure(corpus: &Corpus, min_secs: f64) -> Throughput {
    let (wall0, cpu0) = (Instant::now(), thread_cpu_s());
    let mut passes = 0;
    loop {
        for p in &corpus.pages {
            black_box(extract_bytes(black_box(&p.bytes), p.content_type.as_deref(), &p.url, corpus.site_of(p)));
        }
        passes += 1;
        if thread_cpu_s() - cpu0 >= min_secs {
            break;
        }
    }
    Throughput {
        pages: corpus.pages.len(),
        bytes: corpus.total_bytes(),
        passes,
        wall_s: wall0.elapsed().as_secs_f64(),
        cpu_s: thread_cpu_s() - cpu0,
    }
}

/// Pages per CPU second of decoding alone (the share of `decode` in decode + extract).
fn measure_decode(corpus: &Corpus, min_secs: f64) -> f64 {
    let cpu0 = thread_cpu_s();
    let mut passes = 0;
    while passes == 0 || thread_cpu_s() - cpu0 < min_secs {
        for p in &corpus.pages {
            let forced = corpus.site_of(p).and_then(|s| s.encoding.as_deref());
            black_box(nianbao::decode::decode(black_box(&p.bytes), p.content_type.as_deref(), forced));
        }
        passes += 1;
    }
    (passes * corpus.pages.len()) as f64 / (thread_cpu_s() - cpu0)
}

/// Pages per CPU second of HTML parsing alone, as extraction parses: the pre-pass that empties
/// scripts, styles and long comments (`nianbao::extract::lean`), then
/// `scraper::Html::parse_document` on its output. A floor under any extraction built on scraper.
fn measure_parse(corpus: &Corpus, min_secs: f64) -> f64 {
    let texts: Vec<String> = corpus
        .pages
        .iter()
        .map(|p| {
            let forced = corpus.site_of(p).and_then(|s| s.encoding.as_deref());
            nianbao::decode::decode(&p.bytes, p.content_type.as_deref(), forced).text
        })
        .collect();
    let cpu0 = thread_cpu_s();
    let mut passes = 0;
    while passes == 0 || thread_cpu_s() - cpu0 < min_secs {
        for t in &texts {
            let lean = nianbao::extract::lean::lean(black_box(t));
            black_box(scraper::Html::parse_document(&lean.html));
        }
        passes += 1;
    }
    (passes * texts.len()) as f64 / (thread_cpu_s() - cpu0)
}

/// Milliseconds (CPU) of decode + extract per page, in corpus order: repeats each page until
/// `min_secs / pages` of CPU time.
fn per_page_ms(corpus: &Corpus, min_secs: f64) -> Vec<f64> {
    let each = min_secs / corpus.pages.len() as f64;
    corpus
        .pages
        .iter()
        .map(|p| {
            let cpu0 = thread_cpu_s();
            let mut n = 0;
            while n == 0 || thread_cpu_s() - cpu0 < each {
                black_box(extract_bytes(black_box(&p.bytes), p.content_type.as_deref(), &p.url, corpus.site_of(p)));
                n += 1;
            }
            (thread_cpu_s() - cpu0) * 1e3 / n as f64
        })
        .collect()
}

/// CPU time of the calling thread in seconds (Linux `/proc/thread-self/schedstat`, nanoseconds);
/// elsewhere the process's wall clock, which is the same on an idle machine.
fn thread_cpu_s() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .filter(|ns| *ns > 0)
        .map(|ns| ns as f64 / 1e9)
        .unwrap_or_else(|| START.get_or_init(Instant::now).elapsed().as_secs_f64())
}

/// The page list for `bench/trafilatura_bench.py`: id, file, URL, byte count and the encoding
/// nianbao's decoder chose (trafilatura is given the HTML decoded with it).
fn write_manifest(corpus: &Corpus, path: &Path) {
    let pages: Vec<serde_json::Value> = corpus
        .pages
        .iter()
        .map(|p| {
            let forced = corpus.site_of(p).and_then(|s| s.encoding.as_deref());
            let d = nianbao::decode::decode(&p.bytes, p.content_type.as_deref(), forced);
            serde_json::json!({
                "id": p.id,
                "path": p.path,
                "url": p.url,
                "bytes": p.bytes.len(),
                "encoding": d.info.label,
                "scored": p.expected.is_some(),
            })
        })
        .collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    let doc = serde_json::json!({ "pages": pages });
    std::fs::write(path, serde_json::to_string_pretty(&doc).expect("json")).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
