//! The printed report of the extraction benchmark: nianbao beside trafilatura.

use std::fmt::Write;

use super::corpus::Corpus;
use super::fidelity::META_FIELDS;
use super::score::{Fidelity, Throughput, Trafilatura};

/// Target of issue 7: nianbao's pages/s on one core over trafilatura's.
const TARGET_RATIO: f64 = 20.0;

/// The 1-minute load average (other processes sharing the cores), if known.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Where nianbao's time goes.
pub struct Profile {
    /// Pages per CPU second of `decode::decode` alone.
    pub decode_pages_per_s: f64,
    /// Pages per CPU second of HTML parsing alone (the pre-pass included).
    pub parse_pages_per_s: f64,
    /// CPU milliseconds of decode + extract per page, in corpus order.
    pub per_page_ms: Vec<f64>,
}

/// Everything measured in one run.
pub struct Results<'a> {
    pub nb: Throughput,
    pub profile: Profile,
    /// nianbao's fidelity.
    pub nf: Fidelity,
    pub tr: Option<&'a Trafilatura>,
    /// trafilatura's fidelity on the decoded HTML (the timed runs).
    pub tf: Option<Fidelity>,
    /// trafilatura's fidelity when it decodes the raw bytes itself.
    pub rf: Option<Fidelity>,
}

impl<'a> Results<'a> {
    /// Score trafilatura's outputs (if any) beside nianbao's.
    pub fn new(corpus: &Corpus, nb: Throughput, profile: Profile, nf: Fidelity, tr: Option<&'a Trafilatura>) -> Results<'a> {
        let tf = tr.map(|t| Fidelity::score(corpus, &t.outputs));
        let rf = tr.and_then(|t| t.raw_outputs.as_ref()).map(|o| Fidelity::score(corpus, o));
        Results { nb, profile, nf, tr, tf, rf }
    }
}

/// The whole report.
pub fn render(corpus: &Corpus, res: &Results<'_>) -> String {
    let (nb, nf, tr) = (&res.nb, &res.nf, res.tr);
    let mut s = String::new();
    let scored = corpus.scored().count();
    let _ = writeln!(
        s,
        "extraction bench: {} pages ({} with a hand-checked expected output), {:.2} MB per pass; {} cores, load average {}",
        corpus.pages.len(),
        scored,
        corpus.total_bytes() as f64 / 1e6,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average(),
    );
    if let Some(t) = tr {
        let _ = writeln!(s, "  trafilatura input: {}", t.input);
    }
    let _ = writeln!(s);
    let tw = tr.map(|t| t.label.clone()).unwrap_or_default();
    let w = tw.chars().count().max(12);
    let _ = writeln!(s, "  {:<34} {:>12}   {:<w$}   {}", "throughput (decode + extract)", "nianbao", tw, if tr.is_some() { "ratio" } else { "" });
    let row = |s: &mut String, label: &str, a: f64, b: Option<f64>, unit: &str| {
        let (bs, ratio) = match b {
            Some(b) => (format!("{b:.2}"), format!("{:.1}×", a / b)),
            None => (String::new(), String::new()),
        };
        let _ = writeln!(s, "  {label:<34} {:>12}   {bs:<w$}   {ratio} {unit}", format!("{a:.2}"));
    };
    let tt = tr.map(|t| &t.throughput);
    row(&mut s, "pages/s, 1 core (CPU time)", nb.pages_per_s(), tt.map(Throughput::pages_per_s), "");
    row(&mut s, "MB/s, 1 core (CPU time)", nb.mb_per_s(), tt.map(Throughput::mb_per_s), "");
    row(&mut s, "pages/s, wall clock", nb.wall_pages_per_s(), tt.map(Throughput::wall_pages_per_s), "");
    let passes = |t: &Throughput| format!("{} passes, {:.1} s CPU, {:.1} s wall", t.passes, t.cpu_s, t.wall_s);
    let _ = writeln!(s, "  {:<34} {}", "timed", passes(nb));
    if let Some(t) = tt {
        let _ = writeln!(s, "  {:<34} {}", "", passes(t));
    }
    let decode_share = nb.pages_per_s() / res.profile.decode_pages_per_s;
    let _ = writeln!(
        s,
        "  {:<34} {:.0} pages/s alone = {:.0}% of nianbao's time",
        "of which decode (incl. detection)",
        res.profile.decode_pages_per_s,
        decode_share * 100.0
    );
    let _ = writeln!(
        s,
        "  {:<34} {:.0} pages/s alone = {:.0}% of nianbao's time",
        "of which pre-pass + HTML parsing",
        res.profile.parse_pages_per_s,
        nb.pages_per_s() / res.profile.parse_pages_per_s * 100.0
    );
    let mut slow: Vec<(usize, f64)> = res.profile.per_page_ms.iter().copied().enumerate().collect();
    slow.sort_by(|a, b| b.1.total_cmp(&a.1));
    let list: Vec<String> = slow
        .iter()
        .take(4)
        .map(|(i, ms)| {
            let p = &corpus.pages[*i];
            format!("{} {:.1} ms ({:.0} KB)", p.id, ms, p.bytes.len() as f64 / 1e3)
        })
        .collect();
    let _ = writeln!(s, "  {:<34} {}", "slowest pages (CPU per page)", list.join(", "));
    if let Some(t) = tt {
        let r = nb.pages_per_s() / t.pages_per_s();
        let verdict = if r >= TARGET_RATIO { "met" } else { "NOT met" };
        let _ = writeln!(s, "  target ≥ {TARGET_RATIO:.0}× trafilatura's pages/s on one core: {verdict} ({r:.1}×)");
    }

    let _ = writeln!(s, "\n  fidelity on the {scored} pages with an expected output (metric: benches/extract/fidelity.rs)");
    let mut sides: Vec<(String, &Fidelity)> = vec![("nianbao".into(), nf)];
    if let Some(f) = &res.tf {
        sides.push(("trafilatura".into(), f));
    }
    if let Some(f) = &res.rf {
        sides.push(("trafilatura (raw bytes)".into(), f));
    }
    let _ = write!(s, "  {:<34}", "");
    for (name, _) in &sides {
        let _ = write!(s, " {name:>24}");
    }
    let _ = writeln!(s);
    let line = |s: &mut String, label: &str, f: &dyn Fn(&Fidelity) -> String| {
        let _ = write!(s, "  {label:<34}");
        for (_, fid) in &sides {
            let _ = write!(s, " {:>24}", f(fid));
        }
        let _ = writeln!(s);
    };
    line(&mut s, "text F1, mean of pages", &|f| format!("{:.3}", f.mean_f1()));
    line(&mut s, "text F1, all characters", &|f| approx(f.micro().approximate, f.micro().f1()));
    line(&mut s, "  precision / recall", &|f| format!("{:.3} / {:.3}", f.micro().precision(), f.micro().recall()));
    line(&mut s, "prose F1 (table rows left out)", &|f| approx(f.micro_prose().approximate, f.micro_prose().f1()));
    line(&mut s, "chrome strings left (target 0)", &|f| f.chrome_total().to_string());
    line(&mut s, "metadata fields right", &|f| {
        let (r, n) = f.meta_total();
        format!("{r}/{n}")
    });
    for (i, field) in META_FIELDS.iter().enumerate() {
        line(&mut s, &format!("  {field}"), &|f| {
            let (r, n) = f.meta_by_field()[i];
            format!("{r}/{n}")
        });
    }
    for (name, f) in &sides {
        let kinds = f.chrome_by_kind();
        if !kinds.is_empty() {
            let list: Vec<String> = kinds.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            let _ = writeln!(s, "  chrome left by {name}: {}", list.join(", "));
        }
    }
    let _ = writeln!(s, "\n  per page: text F1 (chrome left, metadata right)");
    let _ = write!(s, "  {:<22} {:>7}", "page", "chars");
    for (name, _) in &sides {
        let _ = write!(s, " {name:>24}");
    }
    let _ = writeln!(s);
    for (k, p) in nf.pages.iter().enumerate() {
        let _ = write!(s, "  {:<22} {:>7}", corpus.pages[p.page].id, p.text.expected);
        for (_, f) in &sides {
            let q = &f.pages[k];
            let right = q.meta.iter().flatten().filter(|b| **b).count();
            let n = q.meta.iter().flatten().count();
            let chrome: usize = q.chrome.iter().map(|(_, n)| n).sum();
            let _ = write!(s, " {:>24}", format!("{} ({chrome}, {right}/{n})", approx(q.text.approximate, q.text.f1())));
        }
        let _ = writeln!(s);
    }
    s
}

fn approx(approximate: bool, x: f64) -> String {
    if approximate {
        format!("≥{x:.3}")
    } else {
        format!("{x:.3}")
    }
}

/// Tab-separated `label\tvalue` rows for the final summary of `scripts/bench`.
pub fn summary_rows(res: &Results<'_>) -> String {
    let (nb, nf) = (&res.nb, &res.nf);
    let mut s = String::new();
    let (r, n) = nf.meta_total();
    let _ = writeln!(s, "extract: nianbao pages/s (1 core)\t{:.1} ({:.2} MB/s)", nb.pages_per_s(), nb.mb_per_s());
    let _ = writeln!(s, "extract: nianbao text F1 / prose F1 / chrome left / metadata\t{:.3} / {:.3} / {} / {r}/{n}", nf.micro().f1(), nf.micro_prose().f1(), nf.chrome_total());
    if let (Some(t), Some(tf)) = (res.tr, &res.tf) {
        let (tr_r, tr_n) = tf.meta_total();
        let _ = writeln!(
            s,
            "extract: trafilatura pages/s (1 core)\t{:.1} ({:.2} MB/s)",
            t.throughput.pages_per_s(),
            t.throughput.mb_per_s()
        );
        let _ = writeln!(
            s,
            "extract: trafilatura text F1 / prose F1 / chrome left / metadata\t{:.3} / {:.3} / {} / {tr_r}/{tr_n}",
            tf.micro().f1(),
            tf.micro_prose().f1(),
            tf.chrome_total()
        );
        let ratio = nb.pages_per_s() / t.throughput.pages_per_s();
        let _ = writeln!(s, "extract: speed ratio nianbao/trafilatura (target 20x)\t{ratio:.1}×");
    }
    s
}
