//! Loading a directory of rules into a [`SiteSet`], and finding the site for a URL.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::build::build_site;
use super::types::Site;
use crate::Error;

/// Every problem found while loading rules, across all files, in file order.
#[derive(Debug, Default)]
pub struct RuleErrors(pub Vec<Error>);

impl RuleErrors {
    /// The individual errors.
    pub fn errors(&self) -> &[Error] {
        &self.0
    }
    /// True when nothing went wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "{n} problem{} in site rules:", if n == 1 { "" } else { "s" })?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RuleErrors {}

/// The loaded sites, by name, with a domain index.
#[derive(Debug, Default, Clone)]
pub struct SiteSet {
    sites: BTreeMap<String, Site>,
}

impl SiteSet {
    /// A set of already-built sites (later duplicates of a name replace earlier ones).
    pub fn from_sites(sites: impl IntoIterator<Item = Site>) -> SiteSet {
        SiteSet { sites: sites.into_iter().map(|s| (s.name.clone(), s)).collect() }
    }

    /// The site named `name` (the rule file's stem).
    pub fn get(&self, name: &str) -> Option<&Site> {
        self.sites.get(name)
    }

    /// The site whose `domains` cover the URL's host. An exact host entry beats a `*.` entry;
    /// among `*.` entries the longest (most specific) wins. `www.` is insignificant on both
    /// sides: `www.a.gov.cn` matches an entry `a.gov.cn` and the reverse.
    pub fn for_url(&self, url: &url::Url) -> Option<&Site> {
        self.for_host(url.host_str()?)
    }

    /// [`SiteSet::for_url`] by host name.
    pub fn for_host(&self, host: &str) -> Option<&Site> {
        self.sites
            .values()
            .flat_map(|s| s.domains.iter().filter_map(move |d| domain_score(d, host).map(|score| (score, s))))
            .max_by_key(|(score, _)| *score)
            .map(|(_, s)| s)
    }

    /// Sites in name order.
    pub fn iter(&self) -> impl Iterator<Item = &Site> {
        self.sites.values()
    }

    /// Site names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sites.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.sites.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }
}

impl<'a> IntoIterator for &'a SiteSet {
    type Item = &'a Site;
    type IntoIter = std::collections::btree_map::Values<'a, String, Site>;
    fn into_iter(self) -> Self::IntoIter {
        self.sites.values()
    }
}

fn canon(host: &str) -> String {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h.strip_prefix("www.").map(str::to_string).unwrap_or(h)
}

/// How well entry `domain` matches `host`: `None` for no match; exact matches score above every
/// wildcard, longer wildcards above shorter.
fn domain_score(domain: &str, host: &str) -> Option<usize> {
    let host = canon(host);
    match domain.strip_prefix("*.") {
        Some(base) => {
            let base = canon(base);
            (host == base || host.ends_with(&format!(".{base}"))).then_some(base.len())
        }
        None => (canon(domain) == host).then_some(usize::MAX / 2),
    }
}

/// Does the `domains` entry `domain` cover `host`?
pub fn domain_matches(domain: &str, host: &str) -> bool {
    domain_score(domain, host).is_some()
}

/// Load one rule file. The file stem is the site name. On several problems the first is
/// returned; use [`load_dir`] to see them all.
pub fn load_file(path: impl AsRef<Path>) -> Result<Site, Error> {
    load_file_all(path.as_ref()).map_err(|mut errs| errs.remove(0))
}

fn load_file_all(path: &Path) -> Result<Site, Vec<Error>> {
    let src = std::fs::read_to_string(path).map_err(|e| vec![Error::io(path, e)])?;
    build_site(path, &src)
}

/// Parse a rule from text, `path` naming it in errors (its stem is the site name). All problems
/// are returned.
pub fn parse_str(path: impl AsRef<Path>, src: &str) -> Result<Site, RuleErrors> {
    build_site(path.as_ref(), src).map_err(RuleErrors)
}

/// The `*.toml` files directly in `dir`, sorted (directories — fixture folders — and other files
/// are ignored).
pub fn rule_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Load every `*.toml` in `dir`, collecting ALL errors across files (and duplicate exact domains
/// across sites) so CI sees every broken rule at once.
pub fn load_dir(dir: &Path) -> Result<SiteSet, RuleErrors> {
    let (set, errors) = load_dir_partial(dir);
    if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    }
}

/// Like [`load_dir`], but also returns the sites that did load, for commands that go on with the
/// valid rules while reporting the broken ones.
pub fn load_dir_partial(dir: &Path) -> (SiteSet, RuleErrors) {
    let mut errors = Vec::new();
    let files = match rule_files(dir) {
        Ok(f) => f,
        Err(e) => return (SiteSet::default(), RuleErrors(vec![e])),
    };
    let mut sites: Vec<Site> = Vec::new();
    for path in files {
        match load_file_all(&path) {
            Ok(site) => sites.push(site),
            Err(errs) => errors.extend(errs),
        }
    }
    // The same exact domain claimed by two sites makes `for_url` ambiguous.
    let mut owner: BTreeMap<String, &str> = BTreeMap::new();
    for site in &sites {
        for (i, d) in site.domains.iter().enumerate() {
            let key = if d.starts_with("*.") { d.clone() } else { canon(d) };
            if let Some(other) = owner.insert(key, &site.name) {
                if other != site.name {
                    errors.push(Error::rule(
                        &site.path,
                        format!("domains[{i}]"),
                        format!("`{d}` is also claimed by site `{other}`"),
                    ));
                }
            }
        }
    }
    (SiteSet::from_sites(sites), RuleErrors(errors))
}
