//! The crawl engine: list pages → detail pages → attachments, for many sites at once, with the
//! frontier kept in the archive so that a crawl killed at any point resumes where it stopped.
//!
//! ```text
//! Crawler::crawl(sites) ── one task per site ──┬─ list walkers (one per [[lists]]): first page →
//!                                              │  page count → further pages (TRS index_N,
//!                                              │  Hanweb dataproxy windows, 下一页); items
//!                                              │  filtered (keep/skip, --since) and enqueued
//!                                              └─ dispatcher: claims pending frontier URLs in
//!                                                 batches and keeps `concurrency × 2 + 2`
//!                                                 fetches started at the host, so the host's
//!                                                 rate is the only limit (crawl/dispatch.rs)
//! ```
//!
//! * Politeness is the fetcher's job ([`crate::fetch::Fetcher`]: per-host rate, concurrency,
//!   robots.txt, retries). The engine only makes sure every host always has work waiting: no
//!   global serialisation, no per-page awaits that idle a host.
//! * Detail and attachment URLs go through the archive's frontier: enqueued (normalised) before
//!   they are fetched, and marked done in the same transaction that stores their result
//!   ([`crate::archive::Archive::store_crawled`]); the attachments a page links to are enqueued in
//!   that transaction too.
//! * Incremental: a list is paged until a page holds only settled documents, unless `full`.
//!   Documents that disappeared from a list are marked taken down only after a complete walk.
//! * Blocked (WAF/challenge) and gone answers are recorded, never stored as documents.

pub mod capture;
mod dispatch;
mod engine;
mod items;
mod lists;
pub mod progress;
pub mod runner;
pub mod url;

use std::collections::BTreeMap;

use serde::Serialize;

pub use capture::{capture, CaptureOptions, CaptureReport, Captured, CapturedAttachment};
pub use engine::Crawler;
pub use items::{sniff_attachment, AttachmentKind};
pub use progress::ProgressMode;
pub use runner::{run_outcome, CrawlRunner};

use crate::archive::RunCounts;
use crate::schedule::CancelToken;

/// Options of one crawl.
#[derive(Debug, Clone, Default)]
pub struct CrawlOptions {
    /// Stop after this many pages per list (the first page included).
    pub max_pages: Option<u32>,
    /// Only documents whose report year (else listed year) is at least this.
    pub since: Option<i32>,
    /// Page every list to its end and refetch every listed document, even known ones.
    pub full: bool,
    /// Progress display.
    pub progress: ProgressMode,
    /// Stop early: pages in flight are finished and recorded, nothing new starts.
    pub cancel: Option<CancelToken>,
}

/// What happened to one list (column) in a crawl.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListReport {
    /// The list URL as in the rule.
    pub url: String,
    /// List pages fetched.
    pub pages: u32,
    /// Items kept (after keep/skip and `since`), over all pages, de-duplicated.
    pub items: u32,
    /// Items enqueued for the first time.
    pub new_items: u32,
    /// Paging stopped early on a page of known documents.
    pub stopped_early: bool,
    /// Paged to its end without a failed page (takedowns were checked).
    pub complete: bool,
}

/// What happened to one site in a crawl.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SiteReport {
    pub site: String,
    /// The run's counters for this site (from the archive).
    pub counts: RunCounts,
    pub lists: Vec<ListReport>,
    /// Requests made for this site (lists, details, attachments).
    pub pages: u64,
    /// Documents marked taken down because they left a list.
    pub missing_from_list: u64,
    /// Text lengths (characters) of the detail pages extracted.
    pub text_lens: Vec<usize>,
    /// Extracted detail pages with empty text and no attachment.
    pub empty_without_attachment: u32,
    /// Errors, each naming its URL.
    pub errors: Vec<String>,
    /// Stopped because the site kept answering with WAF/challenge pages.
    pub blocked: bool,
    /// Stopped by the cancel token before the end.
    pub interrupted: bool,
}

impl SiteReport {
    /// True when nothing failed and nothing was blocked.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && self.counts.failed == 0 && self.counts.blocked == 0 && !self.blocked
    }
}

/// The result of [`Crawler::crawl`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CrawlReport {
    /// The archive run.
    pub run_id: i64,
    pub sites: Vec<SiteReport>,
    /// The crawl was cancelled before the end.
    pub interrupted: bool,
}

impl CrawlReport {
    /// True when every site crawled without failure.
    pub fn is_ok(&self) -> bool {
        self.sites.iter().all(SiteReport::is_ok)
    }
    /// Counters summed over the sites.
    pub fn totals(&self) -> RunCounts {
        let mut t = RunCounts::default();
        for s in &self.sites {
            let c = &s.counts;
            t.fetched += c.fetched;
            t.new += c.new;
            t.changed += c.changed;
            t.unchanged += c.unchanged;
            t.taken_down += c.taken_down;
            t.blocked += c.blocked;
            t.failed += c.failed;
        }
        t
    }
    /// The site's report.
    pub fn site(&self, name: &str) -> Option<&SiteReport> {
        self.sites.iter().find(|s| s.site == name)
    }
    /// Errors by site.
    pub fn errors(&self) -> BTreeMap<&str, &[String]> {
        self.sites.iter().map(|s| (s.site.as_str(), s.errors.as_slice())).collect()
    }
}

/// Run CPU work (decoding, parsing, extraction) on the blocking pool, one job per core but one at
/// a time: a crawl's CPU jobs must not starve the threads that send requests, or the
/// requests leave late and bunch up at the server.
pub(crate) async fn cpu<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    static PERMITS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1))
    });
    let _permit = PERMITS.acquire().await.ok()?;
    tokio::task::spawn_blocking(job).await.ok()
}
