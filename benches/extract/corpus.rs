//! The pages the extraction benchmark runs on, all inside the repository so every clone (and CI)
//! has them:
//!
//! - every `detail` fixture case of every site rule (`sites/<site>/<case>.html`, found by
//!   `nianbao::verify::case::discover`, the same discovery `nianbao verify` uses), with its URL,
//!   headers, rule and hand-checked `<case>.expected.json`: these are scored for fidelity;
//! - the real pages of `tests/fixtures/extract/` that are not byte-identical to a site case,
//!   extracted with the generic fallback (no rule, no expected output): throughput only.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use nianbao::site::{self, Site};
use nianbao::verify::case::{self, CaseKind, CaseSpec};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::fidelity::META_FIELDS;

/// The expected output of a case, as far as the fidelity metric reads it.
#[derive(Debug, Clone)]
pub struct Expected {
    pub text: String,
    /// `META_FIELDS` order; `None` where the expected output has no value.
    pub meta: Vec<Option<String>>,
}

/// One page of the benchmark.
#[derive(Debug)]
pub struct BenchPage {
    /// `site/case` or `extract/<file stem>`.
    pub id: String,
    pub path: PathBuf,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub url: String,
    /// Index into [`Corpus::sites`]; `None` for the generic fallback.
    pub site: Option<usize>,
    pub expected: Option<Expected>,
}

/// All pages plus the site rules they use.
pub struct Corpus {
    pub sites: Vec<Site>,
    pub pages: Vec<BenchPage>,
}

impl Corpus {
    /// Load the corpus from the repository at `root`. Panics with the offending file on any
    /// problem: a benchmark over a broken fixture set would print meaningless figures.
    pub fn load(root: &Path) -> Corpus {
        let sites_dir = root.join("sites");
        let set = site::load_dir(&sites_dir).unwrap_or_else(|e| panic!("{}: {e}", sites_dir.display()));
        let mut sites: Vec<Site> = set.iter().cloned().collect();
        sites.sort_by(|a, b| a.name.cmp(&b.name));
        let mut pages = Vec::new();
        let mut seen = HashSet::new();
        for (i, s) in sites.iter().enumerate() {
            let cases = case::discover(&s.name, &sites_dir.join(&s.name)).unwrap_or_else(|e| panic!("{e}"));
            for c in cases {
                let spec = CaseSpec::load(&c.spec).unwrap_or_else(|e| panic!("{e}"));
                if spec.kind != CaseKind::Detail {
                    continue;
                }
                let bytes = read(&c.html);
                seen.insert(Sha256::digest(&bytes).to_vec());
                let expected = std::fs::read_to_string(&c.expected).ok().map(|raw| parse_expected(&c.expected, &raw));
                pages.push(BenchPage {
                    id: format!("{}/{}", c.site, c.name),
                    path: c.html.clone(),
                    bytes,
                    content_type: spec.content_type().map(str::to_string),
                    url: spec.url.clone(),
                    site: Some(i),
                    expected,
                });
            }
        }
        let extra_dir = root.join("tests/fixtures/extract");
        let mut extra: Vec<PathBuf> = std::fs::read_dir(&extra_dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        extra.retain(|p| p.extension().is_some_and(|x| x == "html"));
        extra.sort();
        for path in extra {
            let bytes = read(&path);
            if !seen.insert(Sha256::digest(&bytes).to_vec()) {
                continue;
            }
            let stem = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            pages.push(BenchPage {
                id: format!("extract/{stem}"),
                url: format!("https://fixtures.invalid/extract/{stem}.html"),
                path,
                bytes,
                content_type: None,
                site: None,
                expected: None,
            });
        }
        assert!(!pages.is_empty(), "no fixture pages under {}", root.display());
        Corpus { sites, pages }
    }

    /// The rule a page is extracted with.
    pub fn site_of(&self, page: &BenchPage) -> Option<&Site> {
        page.site.map(|i| &self.sites[i])
    }

    /// Bytes of one pass over every page.
    pub fn total_bytes(&self) -> usize {
        self.pages.iter().map(|p| p.bytes.len()).sum()
    }

    /// Pages with an expected output.
    pub fn scored(&self) -> impl Iterator<Item = (usize, &BenchPage, &Expected)> {
        self.pages.iter().enumerate().filter_map(|(i, p)| p.expected.as_ref().map(|e| (i, p, e)))
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse_expected(path: &Path, raw: &str) -> Expected {
    let v: Value = serde_json::from_str(raw).unwrap_or_else(|e| panic!("{}: not valid JSON: {e}", path.display()));
    let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    Expected {
        text: field("text").unwrap_or_default(),
        meta: META_FIELDS.iter().map(|k| field(k)).collect(),
    }
}
