//! The compiled form of a site rule (see `sites/README.md` for the TOML they come from).

use std::path::PathBuf;
use std::time::Duration;

use regex::Regex;
use scraper::Selector;

/// A compiled selector with an optional attribute: `meta[name=ArticleTitle]@content`.
/// Without an attribute the element's text is meant.
#[derive(Debug, Clone)]
pub struct Sel {
    pub css: Selector,
    pub attr: Option<String>,
    /// The text as written in the rule, for messages.
    pub source: String,
}

/// How to extract a detail page. Every `Vec<Sel>` is an ordered list of alternatives: the first
/// that yields a non-empty value wins.
#[derive(Debug, Clone, Default)]
pub struct DetailRule {
    pub title: Vec<Sel>,
    pub content: Vec<Sel>,
    pub published_at: Vec<Sel>,
    pub publisher: Vec<Sel>,
    /// Containers of the 索引号/发布机构/… metadata block.
    pub metadata: Vec<Sel>,
    /// Elements removed from the content before text is taken.
    pub drop: Vec<Selector>,
    /// Chrome lines removed from the text (built-in list + family + site additions).
    pub chrome: Vec<Regex>,
    /// Attachment links; the built-in extension/CMS patterns are always applied as well.
    pub attachments: Vec<Sel>,
}

/// Requests allowed per period for one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub requests: u32,
    pub per: Duration,
}

impl Default for Rate {
    fn default() -> Self {
        Rate { requests: 1, per: Duration::from_secs(1) }
    }
}

/// How a list continues past its first page.
#[derive(Debug, Clone, Default)]
pub enum Pagination {
    #[default]
    None,
    /// TRS static pages: `index.html`, `index_1.html`, … The count comes from
    /// `createPageHTML(...)`, `countPage`, or `count_regex` (a record total divided by `per_page`).
    Template { template: String, count_regex: Option<Regex>, per_page: Option<u32>, max_pages: Option<u32> },
    /// Hanweb jcms `dataproxy.jsp`: POST windows of `window` records, `per_page` each.
    Hanweb { column_id: Option<String>, unit_id: Option<String>, window: u32, per_page: u32, max_pages: Option<u32> },
    /// Follow a "下一页" link chosen by selector.
    NextLink { selector: Sel, max_pages: Option<u32> },
}

/// A list (column) page and how to find documents in it.
#[derive(Debug, Clone)]
pub struct ListRule {
    pub url: url::Url,
    /// One element per document.
    pub items: Sel,
    pub link: Sel,
    pub title: Option<Sel>,
    pub date: Option<Sel>,
    pub pages: Pagination,
    /// Keep only items whose title matches.
    pub keep: Option<Regex>,
    /// Drop items whose title matches.
    pub skip: Option<Regex>,
    /// Percent-encode query strings in GBK for this list's links.
    pub gbk_query: bool,
}

/// robots.txt handling for a site.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RobotsPolicy {
    #[default]
    Obey,
    /// Opted out, with the reason the rule gives (required).
    Ignore { reason: String },
}

/// A crawl window: between the given months (1–12, inclusive) use `schedule`, otherwise `otherwise`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub months: (u32, u32),
    pub otherwise: Option<String>,
}

/// A loaded, validated site rule.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: String,
    pub title: String,
    pub domains: Vec<String>,
    pub rate: Rate,
    /// Requests in flight at once per host.
    pub concurrency: usize,
    /// 5-field cron, Asia/Shanghai unless `timezone` says otherwise.
    pub schedule: Option<String>,
    pub timezone: String,
    pub window: Option<Window>,
    /// `None` = auto-detect; else a forced label.
    pub encoding: Option<String>,
    pub extends: Option<String>,
    pub lists: Vec<ListRule>,
    pub detail: DetailRule,
    pub robots: RobotsPolicy,
    pub proxy: Option<String>,
    pub legacy_tls: bool,
    /// Certificates this site's client trusts besides the system roots (`tls_ca`).
    pub tls_ca: Option<TlsCa>,
    /// The file the rule was loaded from.
    pub path: PathBuf,
}

/// Extra trusted certificates for one site (`tls_ca = "certs/x.pem"`): a self-signed server
/// certificate, or the intermediate a server forgets to send. Read and checked when the rule is
/// loaded.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TlsCa {
    /// The file, resolved against the rule file's directory.
    pub path: PathBuf,
    /// Its contents: PEM with one or more certificates (shared: the key of a cached client is
    /// cloned per request).
    pub pem: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for TlsCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsCa").field("path", &self.path).field("pem_bytes", &self.pem.len()).finish()
    }
}
