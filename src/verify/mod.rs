//! `nianbao verify`: run every site's rules on its saved fixture pages and compare the output with
//! the expected JSON beside them; `--bless` rewrites the expected files.
//!
//! Cases live in `sites/<site>/<case>.html` + `<case>.toml` + `<case>.expected.json` (see
//! [`case`] and `sites/FIXTURES.md`). Detail cases run exactly what `nianbao extract` runs
//! ([`crate::pipeline::extract_bytes`]: decode with the case's headers and the rule's forced encoding, then
//! `extract::extract` with the site's detail rule); list cases run `extract::list::parse_list`.
//! Differences are reported field by field (see [`diff`]).

pub mod case;
pub mod diff;
pub mod list;
mod run;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::site::{Site, SiteSet};

pub use case::{CaseFiles, CaseKind, CaseSpec};
pub use diff::FieldDiff;

/// What happened to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The output equals the expected file.
    Pass,
    /// `--bless`: the expected file was written (`created`: it did not exist before).
    Blessed { created: bool },
    /// No expected file and not blessing.
    MissingExpected,
    /// The output differs from the expected file.
    Mismatch(Vec<FieldDiff>),
    /// The case could not be run (e.g. an extractor that is not available).
    Error(String),
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    pub site: String,
    pub case: String,
    /// The fixture page.
    pub html: PathBuf,
    /// The expected-output file (compared or written).
    pub expected: PathBuf,
    pub outcome: Outcome,
}

impl CaseResult {
    /// True unless the case failed (mismatch, missing expected file, error).
    pub fn ok(&self) -> bool {
        matches!(self.outcome, Outcome::Pass | Outcome::Blessed { .. })
    }
}

/// Per-case results of a verify run, in site then case order.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub cases: Vec<CaseResult>,
}

impl VerifyReport {
    /// True when every case passed (or was blessed).
    pub fn passed(&self) -> bool {
        self.cases.iter().all(CaseResult::ok)
    }

    /// The failed cases.
    pub fn failures(&self) -> impl Iterator<Item = &CaseResult> {
        self.cases.iter().filter(|c| !c.ok())
    }

    /// A readable report: one line per case, the differences of failed cases indented below it,
    /// and a summary line.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let (mut pass, mut fail, mut blessed) = (0, 0, 0);
        for c in &self.cases {
            let id = format!("{}/{}", c.site, c.case);
            match &c.outcome {
                Outcome::Pass => {
                    pass += 1;
                    s.push_str(&format!("ok      {id}\n"));
                }
                Outcome::Blessed { created } => {
                    blessed += 1;
                    let what = if *created { "created" } else { "updated" };
                    s.push_str(&format!("blessed {id} ({what} {})\n", c.expected.display()));
                }
                Outcome::MissingExpected => {
                    fail += 1;
                    s.push_str(&format!(
                        "FAIL    {id}: no {} (run `nianbao verify --site {} --bless`, then read it)\n",
                        c.expected.display(),
                        c.site
                    ));
                }
                Outcome::Error(msg) => {
                    fail += 1;
                    s.push_str(&format!("FAIL    {id}: {msg}\n"));
                }
                Outcome::Mismatch(diffs) => {
                    fail += 1;
                    s.push_str(&format!("FAIL    {id}: {} field(s) differ from {}\n", diffs.len(), c.expected.display()));
                    for d in diffs {
                        for line in d.to_string().lines() {
                            s.push_str("    ");
                            s.push_str(line);
                            s.push('\n');
                        }
                    }
                }
            }
        }
        s.push_str(&format!("{pass} passed, {fail} failed, {blessed} blessed\n"));
        s
    }
}

/// Run the fixtures of every site in `sites` (or only the one named `only`) found under
/// `sites_dir`, comparing with (or, with `bless`, rewriting) the expected files. See
/// [`verify_sites`] for what is an error rather than a failed case.
pub fn verify(sites: &SiteSet, sites_dir: &Path, only: Option<&str>, bless: bool) -> Result<VerifyReport> {
    let all: Vec<&Site> = sites.iter().collect();
    verify_sites(&all, sites_dir, only, bless)
}

/// Run the fixtures of `sites` (all, or only the one named `only`) found under `sites_dir`.
///
/// Errors (rather than failed cases) are configuration problems, each naming its file: a fixture
/// directory with no rule, a malformed `<case>.toml` or expected JSON, a page without its spec,
/// an unknown `only` name.
pub fn verify_sites(sites: &[&Site], sites_dir: &Path, only: Option<&str>, bless: bool) -> Result<VerifyReport> {
    verify_with(sites, sites_dir, only, bless, &run::run_case)
}

/// The runner used to produce a case's output (pretty JSON): swapped in unit tests.
type Runner<'a> = &'a dyn Fn(&Site, &CaseSpec, &[u8]) -> Result<String>;

fn verify_with(sites: &[&Site], sites_dir: &Path, only: Option<&str>, bless: bool, runner: Runner<'_>) -> Result<VerifyReport> {
    if let Some(name) = only {
        if !sites.iter().any(|s| s.name == name) {
            return Err(Error::Other(format!("verify: no site named {name:?} in {}", sites_dir.display())));
        }
    }
    check_fixture_dirs(sites, sites_dir)?;
    let mut selected: Vec<&Site> = sites.iter().copied().filter(|s| only.is_none_or(|n| s.name == n)).collect();
    selected.sort_by(|a, b| a.name.cmp(&b.name));
    let mut report = VerifyReport::default();
    for site in selected {
        for files in case::discover(&site.name, &sites_dir.join(&site.name))? {
            let outcome = run_one(site, &files, bless, runner)?;
            report.cases.push(CaseResult {
                site: files.site,
                case: files.name,
                html: files.html,
                expected: files.expected,
                outcome,
            });
        }
    }
    Ok(report)
}

/// Every directory in `sites_dir` (except `_…`/`.…`) must belong to a site rule.
fn check_fixture_dirs(sites: &[&Site], sites_dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(sites_dir).map_err(|e| Error::io(sites_dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::io(sites_dir, e))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else { continue };
        if !path.is_dir() || name.starts_with('_') || name.starts_with('.') {
            continue;
        }
        if !sites.iter().any(|s| s.name == name) {
            return Err(Error::Fixture {
                path,
                message: format!("fixture directory without a site rule {name}.toml beside it"),
            });
        }
    }
    Ok(())
}

fn run_one(site: &Site, files: &CaseFiles, bless: bool, runner: Runner<'_>) -> Result<Outcome> {
    let spec = CaseSpec::load(&files.spec)?;
    let bytes = std::fs::read(&files.html).map_err(|e| Error::io(&files.html, e))?;
    let existing = match std::fs::read_to_string(&files.expected) {
        Ok(s) => Some(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&files.expected, e)),
    };
    // A malformed expected file is an error naming it, unless --bless is about to replace it.
    let expected = match &existing {
        Some(raw) if !bless => Some(run::parse_json(&files.expected, raw)?),
        _ => None,
    };
    let actual = match runner(site, &spec, &bytes) {
        Ok(json) => json,
        Err(e) => return Ok(Outcome::Error(e.to_string())),
    };
    if bless {
        if existing.as_deref() == Some(actual.as_str()) {
            return Ok(Outcome::Pass);
        }
        std::fs::write(&files.expected, &actual).map_err(|e| Error::io(&files.expected, e))?;
        return Ok(Outcome::Blessed { created: existing.is_none() });
    }
    let Some(expected) = expected else { return Ok(Outcome::MissingExpected) };
    let actual = run::parse_json(&files.html, &actual)?;
    let diffs = diff::compare(&expected, &actual);
    Ok(if diffs.is_empty() { Outcome::Pass } else { Outcome::Mismatch(diffs) })
}

#[cfg(test)]
mod tests;
