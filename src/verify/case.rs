//! Fixture cases on disk: discovery and the per-case `<case>.toml` spec.
//!
//! Layout (documented in `sites/FIXTURES.md`): a site's fixtures live in `sites/<site>/`, beside
//! `sites/<site>.toml`. Every `<case>.html` directly in that directory is one case, with
//! `<case>.toml` (required: URL, headers, kind) and `<case>.expected.json` (written by `--bless`).
//! Subdirectories (e.g. `source/`) are not scanned.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// What a case's page is, and so which extractor runs on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// A document page: decode + `extract::extract`.
    #[default]
    Detail,
    /// A column (list) page: decode + `extract::list::parse_list`.
    List,
}

/// The contents of `<case>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// The URL the page was fetched from (links resolve against it).
    pub url: String,
    /// `detail` (default) or `list`.
    #[serde(default)]
    pub kind: CaseKind,
    /// List cases: index into the site's `[[lists]]`; by default the list whose URL is `url`.
    #[serde(default)]
    pub list: Option<usize>,
    /// Response headers as served, names in any case (`content-type` is the one that matters).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Free text: where the page comes from, what it exercises.
    #[serde(default)]
    pub description: Option<String>,
}

impl CaseSpec {
    /// The `Content-Type` header, whatever the case of its name.
    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str())
    }

    /// Read and validate `<case>.toml`; every problem names the file.
    pub fn load(path: &Path) -> Result<CaseSpec> {
        let raw = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let spec: CaseSpec = toml::from_str(&raw).map_err(|e| Error::Fixture {
            path: path.to_path_buf(),
            message: e.message().to_string() + &line_of(&raw, e.span()),
        })?;
        url::Url::parse(&spec.url).map_err(|e| Error::Fixture {
            path: path.to_path_buf(),
            message: format!("url: {:?} is not an absolute URL: {e}", spec.url),
        })?;
        Ok(spec)
    }
}

fn line_of(raw: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => format!(" (line {})", raw[..r.start.min(raw.len())].matches('\n').count() + 1),
        None => String::new(),
    }
}

/// One fixture case found on disk.
#[derive(Debug, Clone)]
pub struct CaseFiles {
    /// The site (directory) name.
    pub site: String,
    /// The case name: the page's file stem.
    pub name: String,
    /// `<case>.html`: the raw response bytes.
    pub html: PathBuf,
    /// `<case>.toml`.
    pub spec: PathBuf,
    /// `<case>.expected.json` (may not exist yet).
    pub expected: PathBuf,
}

const EXPECTED_SUFFIX: &str = ".expected.json";

/// The cases in `site_dir`, sorted by name. A `<case>.toml` or `<case>.expected.json` without its
/// `<case>.html`, or an `.html` without its `.toml`, is an error naming the file. A missing
/// directory means no cases.
pub fn discover(site: &str, site_dir: &Path) -> Result<Vec<CaseFiles>> {
    if !site_dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(site_dir).map_err(|e| Error::io(site_dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(site_dir, e))?;
        let path = entry.path();
        if path.is_file() {
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                files.push(name.to_string());
            }
        }
    }
    files.sort();
    let has = |n: &str| files.iter().any(|f| f == n);
    let mut cases = Vec::new();
    for f in &files {
        if let Some(stem) = f.strip_suffix(".html") {
            let spec = format!("{stem}.toml");
            if !has(&spec) {
                return Err(Error::Fixture {
                    path: site_dir.join(f),
                    message: format!("case has no {spec} (url, headers, kind)"),
                });
            }
            cases.push(CaseFiles {
                site: site.to_string(),
                name: stem.to_string(),
                html: site_dir.join(f),
                spec: site_dir.join(spec),
                expected: site_dir.join(format!("{stem}{EXPECTED_SUFFIX}")),
            });
        } else if let Some(stem) = f.strip_suffix(EXPECTED_SUFFIX).or_else(|| f.strip_suffix(".toml")) {
            if !has(&format!("{stem}.html")) {
                return Err(Error::Fixture {
                    path: site_dir.join(f),
                    message: format!("no page {stem}.html beside it"),
                });
            }
        }
    }
    Ok(cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, body: &str) {
        std::fs::write(dir.join(name), body).unwrap();
    }

    #[test]
    fn discovers_cases_and_ignores_subdirectories() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "b.html", "<p>b</p>");
        write(tmp.path(), "b.toml", "url = \"https://x.gov.cn/b.html\"\n");
        write(tmp.path(), "a.html", "<p>a</p>");
        write(tmp.path(), "a.toml", "url = \"https://x.gov.cn/a.html\"\n");
        write(tmp.path(), "a.expected.json", "{}");
        write(tmp.path(), "notes.md", "not a case");
        std::fs::create_dir(tmp.path().join("source")).unwrap();
        write(&tmp.path().join("source"), "c.html", "ignored");
        let cases = discover("x", tmp.path()).unwrap();
        let names: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(cases[0].expected, tmp.path().join("a.expected.json"));
    }

    #[test]
    fn page_without_spec_names_the_page() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "lonely.html", "<p></p>");
        let err = discover("x", tmp.path()).unwrap_err().to_string();
        assert!(err.contains("lonely.html") && err.contains("lonely.toml"), "{err}");
    }

    #[test]
    fn orphan_expected_names_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "gone.expected.json", "{}");
        let err = discover("x", tmp.path()).unwrap_err().to_string();
        assert!(err.contains("gone.expected.json") && err.contains("gone.html"), "{err}");
    }

    #[test]
    fn spec_parses_headers_case_insensitively() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("c.toml");
        std::fs::write(
            &p,
            "url = \"http://www.x.gov.cn/a.html\"\nkind = \"list\"\n[headers]\nContent-Type = \"text/html; charset=gbk\"\n",
        )
        .unwrap();
        let spec = CaseSpec::load(&p).unwrap();
        assert_eq!(spec.kind, CaseKind::List);
        assert_eq!(spec.content_type(), Some("text/html; charset=gbk"));
    }

    #[test]
    fn malformed_spec_names_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("bad.toml");
        std::fs::write(&p, "url = \"http://www.x.gov.cn/\"\nknd = \"list\"\n").unwrap();
        let err = CaseSpec::load(&p).unwrap_err().to_string();
        assert!(err.contains("bad.toml") && err.contains("knd") && err.contains("line 2"), "{err}");

        std::fs::write(&p, "url = \"not a url\"\n").unwrap();
        let err = CaseSpec::load(&p).unwrap_err().to_string();
        assert!(err.contains("bad.toml") && err.contains("not a url"), "{err}");

        std::fs::write(&p, "kind = \"detail\"\n").unwrap();
        let err = CaseSpec::load(&p).unwrap_err().to_string();
        assert!(err.contains("bad.toml") && err.contains("url"), "{err}");
    }
}
