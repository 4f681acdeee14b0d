//! Scoring any tool's outputs on the corpus with the fidelity metric, and reading trafilatura's
//! results file (written by `bench/trafilatura_bench.py`).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::corpus::Corpus;
use super::fidelity::{self, TextScore, META_FIELDS};

/// What a tool produced for one page, reduced to what the metric reads.
#[derive(Debug, Clone, Default)]
pub struct PageOut {
    pub text: String,
    /// Per `META_FIELDS` entry, the candidate values the tool offers for it (a field is right
    /// when any candidate equals the expected value; empty when the tool has no such field).
    pub meta: Vec<Vec<String>>,
}

/// Throughput of one tool: `passes` timed passes over `pages` pages of `bytes` bytes each.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    pub pages: usize,
    pub bytes: usize,
    pub passes: usize,
    pub wall_s: f64,
    /// CPU time of the measuring thread (the per-core figure: robust to other load).
    pub cpu_s: f64,
}

impl Throughput {
    /// Pages per CPU second on one core.
    pub fn pages_per_s(&self) -> f64 {
        (self.pages * self.passes) as f64 / self.cpu_s
    }

    /// Input megabytes (10^6 bytes) per CPU second on one core.
    pub fn mb_per_s(&self) -> f64 {
        (self.bytes * self.passes) as f64 / 1e6 / self.cpu_s
    }

    /// Pages per wall-clock second (lower than [`Self::pages_per_s`] when the machine is busy).
    pub fn wall_pages_per_s(&self) -> f64 {
        (self.pages * self.passes) as f64 / self.wall_s
    }
}

/// The fidelity of one page.
#[derive(Debug, Clone)]
pub struct PageScore {
    pub page: usize,
    pub text: TextScore,
    /// The same without table rows (see `fidelity::prose`).
    pub prose: TextScore,
    pub chrome: Vec<(String, usize)>,
    /// Per `META_FIELDS` entry: `None` when the expected output has no value.
    pub meta: Vec<Option<bool>>,
}

/// The fidelity of a tool over every page with an expected output.
#[derive(Debug, Clone)]
pub struct Fidelity {
    pub pages: Vec<PageScore>,
}

impl Fidelity {
    /// Score `outputs` (indexed like `corpus.pages`; `None` = no output for that page).
    pub fn score(corpus: &Corpus, outputs: &[Option<PageOut>]) -> Fidelity {
        let empty = PageOut::default();
        let pages = corpus
            .scored()
            .map(|(i, _, exp)| {
                let out = outputs.get(i).and_then(Option::as_ref).unwrap_or(&empty);
                let meta = exp
                    .meta
                    .iter()
                    .enumerate()
                    .map(|(f, want)| {
                        want.as_ref().map(|w| {
                            out.meta.get(f).is_some_and(|cands| cands.iter().any(|c| fidelity::meta_equal(Some(c), w)))
                        })
                    })
                    .collect();
                PageScore {
                    page: i,
                    text: fidelity::text_score(&out.text, &exp.text),
                    prose: fidelity::text_score(&fidelity::prose(&out.text), &fidelity::prose(&exp.text)),
                    chrome: fidelity::chrome_left(&out.text, &exp.text),
                    meta,
                }
            })
            .collect();
        Fidelity { pages }
    }

    /// Mean of the per-page F1 (each page counts the same).
    pub fn mean_f1(&self) -> f64 {
        mean(self.pages.iter().map(|p| p.text.f1()))
    }

    /// F1 over all characters of all pages (long pages count more).
    pub fn micro(&self) -> TextScore {
        sum(self.pages.iter().map(|p| &p.text))
    }

    /// [`Self::micro`] without table rows.
    pub fn micro_prose(&self) -> TextScore {
        sum(self.pages.iter().map(|p| &p.prose))
    }

    /// Total chrome occurrences left.
    pub fn chrome_total(&self) -> usize {
        self.pages.iter().flat_map(|p| &p.chrome).map(|(_, n)| n).sum()
    }

    /// Chrome left by kind, most frequent first.
    pub fn chrome_by_kind(&self) -> Vec<(String, usize)> {
        let mut m: HashMap<&str, usize> = HashMap::new();
        for (what, n) in self.pages.iter().flat_map(|p| &p.chrome) {
            *m.entry(what).or_default() += n;
        }
        let mut v: Vec<(String, usize)> = m.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// (right, scored) per `META_FIELDS` entry.
    pub fn meta_by_field(&self) -> Vec<(usize, usize)> {
        (0..META_FIELDS.len())
            .map(|f| {
                let vals: Vec<bool> = self.pages.iter().filter_map(|p| p.meta[f]).collect();
                (vals.iter().filter(|b| **b).count(), vals.len())
            })
            .collect()
    }

    /// (right, scored) over all fields.
    pub fn meta_total(&self) -> (usize, usize) {
        self.meta_by_field().iter().fold((0, 0), |(a, b), (r, n)| (a + r, b + n))
    }
}

fn sum<'a>(scores: impl Iterator<Item = &'a TextScore>) -> TextScore {
    let mut t = TextScore { matched: 0, extracted: 0, expected: 0, approximate: false };
    for s in scores {
        t.matched += s.matched;
        t.extracted += s.extracted;
        t.expected += s.expected;
        t.approximate |= s.approximate;
    }
    t
}

fn mean(it: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = it.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

/// trafilatura's side, read from the JSON written by `bench/trafilatura_bench.py`.
pub struct Trafilatura {
    /// "trafilatura 2.3.1 (Python 3.11.7)".
    pub label: String,
    /// What the tool was given, as the script states it.
    pub input: String,
    pub throughput: Throughput,
    /// Outputs from the decoded HTML string (the timed runs).
    pub outputs: Vec<Option<PageOut>>,
    /// Outputs from the raw bytes, trafilatura decoding them itself (fidelity only), if run.
    pub raw_outputs: Option<Vec<Option<PageOut>>>,
}

impl Trafilatura {
    /// Read `path`; outputs are matched to `corpus` pages by id. Panics naming the file on a
    /// malformed document.
    pub fn load(path: &Path, corpus: &Corpus) -> Trafilatura {
        let raw = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let v: Value = serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{}: not valid JSON: {e}", path.display()));
        let num = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or_else(|| panic!("{}: no number {k:?}", path.display()));
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("?").to_string();
        let throughput = Throughput {
            pages: num("pages_per_pass") as usize,
            bytes: num("bytes_per_pass") as usize,
            passes: num("passes") as usize,
            wall_s: num("wall_s"),
            cpu_s: num("cpu_s"),
        };
        let outputs_of = |key: &str| -> Option<Vec<Option<PageOut>>> {
            let map = v.get(key)?.as_object()?;
            Some(corpus.pages.iter().map(|p| map.get(&p.id).map(page_out)).collect())
        };
        Trafilatura {
            label: format!("{} {} (Python {})", s("tool"), s("version"), s("python")),
            input: s("input"),
            throughput,
            outputs: outputs_of("results").unwrap_or_else(|| panic!("{}: no \"results\" object", path.display())),
            raw_outputs: outputs_of("raw_results"),
        }
    }
}

/// trafilatura's JSON fields mapped onto ours: title → title, date → published_at,
/// author or sitename → publisher; it has no 索引号 or 文号 field.
fn page_out(v: &Value) -> PageOut {
    let s = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.trim().is_empty()).map(str::to_string);
    let meta = META_FIELDS
        .iter()
        .map(|f| match *f {
            "title" => s("title").into_iter().collect(),
            "published_at" => s("date").into_iter().collect(),
            "publisher" => s("author").into_iter().chain(s("sitename")).collect(),
            _ => Vec::new(),
        })
        .collect();
    PageOut { text: s("text").unwrap_or_default(), meta }
}
