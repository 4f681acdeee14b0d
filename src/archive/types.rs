//! The archive's input and output types.

use chrono::{DateTime, Utc};
use serde::Serialize;

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// The value stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            /// Parse a stored value.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

str_enum! {
    /// What a fetched URL is, in the crawl.
    FetchKind {
        /// A list (column) page.
        List => "list",
        /// A document (detail) page.
        Detail => "detail",
        /// An attachment file (.pdf, .doc, …).
        Attachment => "attachment",
        /// Anything else (robots.txt, a captured page outside any rule).
        Other => "other",
    }
}

str_enum! {
    /// How a fetch ended, as decided by the fetcher/extractor.
    FetchOutcome {
        /// A usable answer.
        Ok => "ok",
        /// A WAF or JS challenge, 412, 403 …: recorded, never archived as a document.
        Blocked => "blocked",
        /// 404/410 or a "content deleted" page: the document is marked taken down.
        Gone => "gone",
        /// Any other failure that still produced a response (5xx after retries).
        Error => "error",
        /// 304: nothing new.
        NotModified => "not_modified",
    }
}

str_enum! {
    /// The state of a frontier URL.
    FrontierState {
        Pending => "pending",
        InProgress => "in_progress",
        Done => "done",
        Failed => "failed",
        Blocked => "blocked",
        Gone => "gone",
    }
}

str_enum! {
    /// How a crawl run ended.
    RunOutcome {
        Running => "running",
        /// Everything fetched.
        Ok => "ok",
        /// Finished with some failed or blocked fetches.
        Partial => "partial",
        /// Nothing usable.
        Failed => "failed",
        /// Killed or stopped before the end.
        Interrupted => "interrupted",
    }
}

str_enum! {
    /// An event in a document's life besides new versions.
    EventKind {
        /// Answered 404/410 or a "content deleted" page.
        Gone => "gone",
        /// No longer listed in a fully paged list.
        MissingFromList => "missing_from_list",
        /// Seen again after being taken down.
        Back => "back",
    }
}

/// One HTTP exchange to archive. The body is the raw bytes as received (after transfer
/// decoding), never the decoded text.
#[derive(Debug, Clone)]
pub struct FetchRecord {
    /// The URL requested (canonicalised by the archive: it keys documents and the frontier).
    pub url: String,
    /// The URL after redirects.
    pub final_url: String,
    pub status: u16,
    /// Response headers in received order.
    pub headers: Vec<(String, String)>,
    pub fetched_at: DateTime<Utc>,
    pub elapsed_ms: u64,
    pub body: Vec<u8>,
    /// WHATWG label of the charset used to decode the body, if it was decoded.
    pub charset: Option<String>,
    /// Where that charset came from (`bom`, `header`, `meta`, `rule`, `sniffed`, `corrected`).
    pub charset_source: Option<String>,
    pub site: Option<String>,
    pub run_id: Option<i64>,
    pub kind: FetchKind,
    pub outcome: FetchOutcome,
}

impl FetchRecord {
    /// A record with `final_url = url`, no headers, now as the time and outcome `Ok`.
    pub fn new(url: impl Into<String>, kind: FetchKind, status: u16, body: Vec<u8>) -> Self {
        let url = url.into();
        FetchRecord {
            final_url: url.clone(),
            url,
            status,
            headers: Vec::new(),
            fetched_at: Utc::now(),
            elapsed_ms: 0,
            body,
            charset: None,
            charset_source: None,
            site: None,
            run_id: None,
            kind,
            outcome: FetchOutcome::Ok,
        }
    }

    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What storing a detail page did to its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// First time this document was archived.
    New,
    /// The extracted content differs from the current version: a new version was written.
    Changed,
    /// Same content as the current version: only `last_seen` moved.
    Unchanged,
}

/// The document side of [`StoreOutcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocChange {
    pub document_id: i64,
    /// The current version after the store.
    pub version_id: i64,
    pub change: Change,
    /// The document had been taken down and is live again.
    pub revived: bool,
}

/// What [`crate::archive::Archive::store_fetch`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreOutcome {
    pub response_id: i64,
    /// SHA-256 of the body (hex), `None` for an empty body.
    pub body_hash: Option<String>,
    /// Set for a detail page stored with its extraction.
    pub document: Option<DocChange>,
    /// A document that was marked taken down by this (gone) response.
    pub taken_down: Option<i64>,
    /// Attachment rows that now point at this body.
    pub attachments_linked: u64,
}

/// What [`crate::archive::Archive::store_crawled`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCrawl {
    /// The fetch, as [`crate::archive::Archive::store_fetch`] would report it.
    pub outcome: StoreOutcome,
    /// The discovered URLs that were new to the frontier, claimed for the caller (in progress,
    /// one attempt): the crawl fetches them next, or releases them.
    pub claimed: Vec<FrontierEntry>,
}

/// A URL to put in the frontier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontierItem {
    pub url: String,
    pub site: String,
    pub kind: FetchKind,
    pub depth: u32,
    /// The page the URL was found on.
    pub parent: Option<String>,
    pub run_id: Option<i64>,
}

/// A frontier row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrontierEntry {
    pub url: String,
    pub site: String,
    pub kind: FetchKind,
    pub depth: u32,
    pub parent: Option<String>,
    pub state: FrontierState,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub run_id: Option<i64>,
}

/// Per-site counters of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    pub fetched: u64,
    pub new: u64,
    pub changed: u64,
    pub unchanged: u64,
    pub taken_down: u64,
    pub blocked: u64,
    pub failed: u64,
}

/// One run as seen from one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteRun {
    pub run_id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: RunOutcome,
    pub counts: RunCounts,
}

/// A run error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunError {
    pub site: Option<String>,
    pub url: Option<String>,
    pub message: String,
    pub at: String,
}

/// A whole run: per-site counters and errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    pub run_id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: RunOutcome,
    pub sites: Vec<(String, RunCounts)>,
    pub errors: Vec<RunError>,
}

/// What `nianbao sites` shows for a site that has anything in the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteStats {
    pub site: String,
    pub documents: u64,
    /// Documents currently taken down.
    pub taken_down: u64,
    pub versions: u64,
    /// Distinct `report_year`s of the current versions, ascending.
    pub report_years: Vec<i32>,
    pub last_run: Option<SiteRun>,
}

/// A search hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub document_id: i64,
    pub site: Option<String>,
    pub url: String,
    pub title: String,
    pub published_at: Option<String>,
    /// Text around the match, matches between [`HIT_START`](super::HIT_START) and
    /// [`HIT_END`](super::HIT_END).
    pub snippet: String,
    /// Lower is better (bm25); for the LIKE fallback, the position of the hit in the list.
    pub rank: f64,
    pub taken_down: bool,
}

/// A stored response with its raw body, as handed to the re-extraction closure.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub response_id: i64,
    pub document_id: i64,
    pub site: Option<String>,
    pub url: String,
    pub final_url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub fetched_at: String,
    pub body: Vec<u8>,
    pub charset: Option<String>,
    pub charset_source: Option<String>,
}

impl StoredResponse {
    /// The first header of that name (case-insensitive), e.g. `Content-Type` for decoding.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Counts returned by re-extraction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReextractReport {
    /// Documents whose latest stored detail response was run through the closure.
    pub examined: u64,
    /// Documents that got a new version.
    pub changed: u64,
    /// The closure returned `None`.
    pub skipped: u64,
}

/// A document with its current version's metadata (no text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentInfo {
    pub id: i64,
    pub site: Option<String>,
    pub url: String,
    pub first_seen: String,
    pub last_seen: String,
    pub taken_down_at: Option<String>,
    pub taken_down_reason: Option<String>,
    pub current_version: Option<i64>,
    pub versions: u64,
}

/// One stored version of a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionInfo {
    pub id: i64,
    pub seq: i64,
    pub content_hash: String,
    pub response_id: Option<i64>,
    pub created_at: String,
    pub source: String,
    pub title: String,
    pub text: String,
    pub published_at: Option<String>,
    pub report_year: Option<i32>,
}

/// A document's attachment and its download state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    pub id: i64,
    pub document_id: i64,
    pub url: String,
    pub name: String,
    pub ext: Option<String>,
    pub blob_hash: Option<String>,
    pub size: Option<u64>,
    pub content_type: Option<String>,
}

/// An entry of a document's takedown history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentEvent {
    pub event: EventKind,
    pub seen_at: String,
    pub status: Option<u16>,
    pub evidence: Option<String>,
    pub list_url: Option<String>,
}

/// What [`crate::archive::Archive::mark_missing_from_list`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListCheck {
    /// Documents newly marked taken down (no longer listed).
    pub missing: u64,
    /// Documents listed again after being missing.
    pub back: u64,
}
