//! The archive: everything nianbao fetched and extracted, in one SQLite database (WAL).
//!
//! * Raw responses are stored once per content hash (zstd) and never overwritten.
//! * A document per canonical URL; a new version only when the extracted content changed; takedowns
//!   (404/gone, missing from its list) are events, never deletions.
//! * Tables as cell grids, attachments by hash, crawl runs with per-site counters, the frontier of
//!   resumable crawls, and an FTS5 trigram index over the current versions.
//!
//! Writes go through one writer task (see [`Archive`]); reads use a separate pool. The schema is
//! documented in `docs/schema.md`; migrations are embedded from `migrations/`.

mod frontier;
mod history;
mod query;
mod reextract;
mod runs;
mod search;
mod store;
mod types;
mod util;
mod writer;
// Transactional units of the crawl engine (store + frontier state in one transaction).
mod crawl;

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Row, SqlitePool};

pub use history::RecordedRun;
pub use search::{HIT_END, HIT_START};
pub use types::*;
pub use util::{canonical_url, content_hash};

use crate::error::{Error, Result};
use crate::extract::{Extracted, Table};
use util::{now, ts, Ctx};
use writer::Writer;

/// The embedded migrations, in order. Add a file to `migrations/` and a line here.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "archive", include_str!("../../migrations/0001_archive.sql")),
    (2, "facts", include_str!("../../migrations/0002_facts.sql")),
    (3, "site runs", include_str!("../../migrations/0003_site_runs.sql")),
    (4, "facts index", include_str!("../../migrations/0004_facts_index.sql")),
];

fn migrator() -> Migrator {
    let migrations = MIGRATIONS
        .iter()
        .map(|(v, d, sql)| {
            Migration::new(
                *v,
                Cow::Borrowed(*d),
                MigrationType::Simple,
                Cow::Borrowed(*sql),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// Readers at once.
const READERS: u32 = 4;

/// A handle to an open archive. Cheap to clone; all clones share one writer task and one read
/// pool. Must be opened and used inside a Tokio runtime.
///
/// Every write method is one transactional unit: it is fully committed before it returns `Ok`,
/// or leaves nothing behind. Units queued together share a transaction for throughput.
#[derive(Clone)]
pub struct Archive {
    read: SqlitePool,
    writer: Writer,
    path: PathBuf,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive").field("path", &self.path).finish()
    }
}

impl Archive {
    /// Open (or create) the archive at `path`: creates the parent directory, sets WAL,
    /// `synchronous=NORMAL`, `foreign_keys=ON` and a busy timeout, and applies the embedded
    /// migrations.
    pub async fn open(path: impl AsRef<Path>) -> Result<Archive> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let ctx = format!("open {}", path.display());
        let opts = SqliteConnectOptions::from_str("sqlite:")
            .ctx(&ctx)?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .pragma("temp_store", "memory");
        // The writer alone: fewer, larger WAL checkpoints (each one fsyncs; pages rewritten
        // between two are written back once). The page cache stays at SQLite's default: the
        // crawl's memory budget (< 100 MB at 200 sites) has no room for a bigger one.
        let mut conn = opts
            .clone()
            .pragma("wal_autocheckpoint", "8000")
            .connect()
            .await
            .ctx(&ctx)?;
        migrator()
            .run(&mut conn)
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)))
            .ctx(&format!("migrate {}", path.display()))?;
        let read = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(opts.read_only(true).create_if_missing(false))
            .await
            .ctx(&ctx)?;
        Ok(Archive {
            read,
            writer: Writer::spawn(conn),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The read pool (read-only connections), for ad-hoc queries such as reports.
    pub fn reader(&self) -> &SqlitePool {
        &self.read
    }

    /// Finish queued writes, checkpoint the WAL and close. Other clones fail afterwards.
    pub async fn close(self) -> Result<()> {
        self.writer.close().await?;
        self.read.close().await;
        Ok(())
    }

    // ---- responses, documents, versions -------------------------------------------------------

    /// Store one fetch in a single transaction: the response row, the body (once per hash), and
    /// by kind and outcome —
    /// * detail + `Ok` + extraction: the document (created, or `last_seen` moved and revived if it
    ///   was taken down), a new version with its tables and search entry if the content hash
    ///   changed, its attachment links;
    /// * `Gone`: the document at that URL marked taken down (with an event);
    /// * attachment + `Ok`: every attachment row of that URL pointed at the body;
    /// * `Blocked`: the response only (never a document).
    ///
    /// With a run and a site, the run's per-site counters move in the same transaction.
    pub async fn store_fetch(
        &self,
        record: FetchRecord,
        extracted: Option<Extracted>,
    ) -> Result<StoreOutcome> {
        // Hash and compress on the caller's task, not the writer's.
        let p = store::PreparedFetch::new(record, extracted);
        self.writer
            .write(move |c| Box::pin(store::store_fetch(c, p)))
            .await
    }

    /// Mark the document at `url` taken down because it answered `status` (404, 410, a "content
    /// deleted" page …). Returns its id if it was not already marked gone.
    pub async fn mark_gone(
        &self,
        url: &str,
        status: Option<u16>,
        evidence: &str,
        seen_at: DateTime<Utc>,
        run_id: Option<i64>,
    ) -> Result<Option<i64>> {
        let (url, evidence, at) = (canonical_url(url), evidence.to_string(), ts(seen_at));
        self.writer
            .write(move |c| {
                Box::pin(
                    async move { store::mark_gone(c, &url, status, &evidence, &at, run_id).await },
                )
            })
            .await
    }

    /// A list was paged to its end and listed `seen_urls`. Documents listed there before but not
    /// now are marked taken down (`missing_from_list`); missing ones listed again come back.
    /// Call only after paging a list completely: an early stop would mark the rest missing.
    pub async fn mark_missing_from_list(
        &self,
        site: &str,
        list_url: &str,
        seen_urls: Vec<String>,
        seen_at: DateTime<Utc>,
        run_id: Option<i64>,
    ) -> Result<ListCheck> {
        let (site, list_url, at) = (site.to_string(), list_url.to_string(), ts(seen_at));
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    frontier::mark_missing_from_list(c, &site, &list_url, seen_urls, &at, run_id)
                        .await
                })
            })
            .await
    }

    /// Run `extract` over the latest stored detail response of every document (of `site`, or all),
    /// and store a new version (source `reextract`) where the output changed. The closure gets the
    /// raw body, headers and recorded charset; it returns `None` to skip a document. Documents are
    /// processed in pages, each page's writes in one transaction.
    pub async fn reextract<F>(&self, site: Option<&str>, extract: F) -> Result<ReextractReport>
    where
        F: FnMut(&StoredResponse) -> Option<Extracted>,
    {
        reextract::reextract(self, site, extract).await
    }

    // ---- frontier -----------------------------------------------------------------------------

    /// Add URLs to the frontier (canonicalised; already known URLs are left as they are).
    /// Returns how many were new.
    pub async fn enqueue(&self, items: Vec<FrontierItem>) -> Result<u64> {
        self.writer
            .write(move |c| Box::pin(async move { frontier::enqueue(c, items, &now()).await }))
            .await
    }

    /// Take up to `n` pending URLs of `site` and mark them in progress: attachments first, then
    /// shallowest first, then in discovery order.
    pub async fn claim(&self, site: &str, n: u32) -> Result<Vec<FrontierEntry>> {
        let site = site.to_string();
        self.writer
            .write(move |c| Box::pin(async move { frontier::claim(c, &site, n, &now()).await }))
            .await
    }

    /// Set a frontier URL's final state (and error). Returns false if the URL is not in the
    /// frontier.
    pub async fn complete(
        &self,
        url: &str,
        state: FrontierState,
        error: Option<&str>,
    ) -> Result<bool> {
        let (url, error) = (url.to_string(), error.map(str::to_string));
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    frontier::complete(c, &url, state, error.as_deref(), &now()).await
                })
            })
            .await
    }

    /// Give back claimed URLs that were not fetched (the crawl stopped first): pending again,
    /// without counting the claim as an attempt. URLs no longer in progress are left alone.
    /// Returns how many were released.
    pub async fn release(&self, urls: Vec<String>) -> Result<u64> {
        if urls.is_empty() {
            return Ok(0);
        }
        self.writer
            .write(move |c| Box::pin(async move { frontier::release(c, &urls, &now()).await }))
            .await
    }

    /// Put `in_progress` URLs (left by a killed run) back to pending, for `site` or all sites.
    pub async fn reset_in_progress(&self, site: Option<&str>) -> Result<u64> {
        let site = site.map(str::to_string);
        self.writer
            .write(move |c| {
                Box::pin(
                    async move { frontier::reset_in_progress(c, site.as_deref(), &now()).await },
                )
            })
            .await
    }

    /// Make these URLs pending again (to re-fetch list pages or documents on a new run).
    pub async fn requeue(&self, urls: Vec<String>) -> Result<u64> {
        self.writer
            .write(move |c| Box::pin(async move { frontier::requeue(c, urls, &now()).await }))
            .await
    }

    /// Which of `urls` (returned as given) are already known: in the frontier of `site` in any
    /// state, or archived as documents. For incremental list paging.
    pub async fn known_urls(&self, site: &str, urls: &[String]) -> Result<HashSet<String>> {
        frontier::known_urls(&self.read, site, urls).await
    }

    /// Frontier rows of `site` per state.
    pub async fn frontier_counts(&self, site: &str) -> Result<Vec<(FrontierState, u64)>> {
        frontier::frontier_counts(&self.read, site).await
    }

    // ---- runs ---------------------------------------------------------------------------------

    /// Start a crawl run over `sites` (their counters start at zero). Returns the run id.
    pub async fn start_run(&self, sites: &[String]) -> Result<i64> {
        let sites = sites.to_vec();
        self.writer
            .write(move |c| Box::pin(async move { runs::start_run(c, sites, &now()).await }))
            .await
    }

    /// Finish a run with `outcome`, or with one derived from its counters when `None`.
    pub async fn finish_run(&self, run_id: i64, outcome: Option<RunOutcome>) -> Result<RunOutcome> {
        self.writer
            .write(move |c| {
                Box::pin(async move { runs::finish_run(c, run_id, outcome, &now()).await })
            })
            .await
    }

    /// Mark runs left `running` by a dead process as `interrupted`.
    pub async fn interrupt_stale_runs(&self) -> Result<u64> {
        self.writer
            .write(move |c| Box::pin(async move { runs::interrupt_stale_runs(c, &now()).await }))
            .await
    }

    /// Record a failure (counted as `failed` for the run's site).
    pub async fn record_error(
        &self,
        run_id: Option<i64>,
        site: Option<&str>,
        url: Option<&str>,
        message: &str,
    ) -> Result<()> {
        let (site, url, message) = (
            site.map(str::to_string),
            url.map(str::to_string),
            message.to_string(),
        );
        self.writer
            .write(move |c| {
                Box::pin(
                    async move { runs::record_error(c, run_id, site, url, message, &now()).await },
                )
            })
            .await
    }

    /// A run's counters per site and its errors.
    pub async fn run_summary(&self, run_id: i64) -> Result<Option<RunSummary>> {
        runs::run_summary(&self.read, run_id).await
    }

    /// Per site: documents, taken down, versions, report years, last run. Sites appear once they
    /// have a document or a run.
    pub async fn site_stats(&self) -> Result<Vec<SiteStats>> {
        runs::site_stats(&self.read).await
    }

    // ---- search and reads ---------------------------------------------------------------------

    /// Full-text search over title and text of current versions, best first. Terms are
    /// whitespace-separated and all must occur; terms under 3 characters use a LIKE scan.
    pub async fn search(&self, query: &str, limit: u32, site: Option<&str>) -> Result<Vec<Hit>> {
        search::search(&self.read, query, limit, site).await
    }

    /// The document at `url` (canonicalised).
    pub async fn document(&self, url: &str) -> Result<Option<DocumentInfo>> {
        query::document(&self.read, url).await
    }

    /// The document with this id.
    pub async fn document_by_id(&self, id: i64) -> Result<Option<DocumentInfo>> {
        query::document_by_id(&self.read, id).await
    }

    /// All versions of a document, oldest first.
    pub async fn versions(&self, document_id: i64) -> Result<Vec<VersionInfo>> {
        query::versions(&self.read, document_id).await
    }

    /// The tables of a version as grids.
    pub async fn tables(&self, version_id: i64) -> Result<Vec<Table>> {
        query::tables(&self.read, version_id).await
    }

    /// A document's attachments and their download state.
    pub async fn attachments(&self, document_id: i64) -> Result<Vec<AttachmentInfo>> {
        query::attachments(&self.read, document_id).await
    }

    /// A document's takedown history.
    pub async fn events(&self, document_id: i64) -> Result<Vec<DocumentEvent>> {
        query::events(&self.read, document_id).await
    }

    /// Raw bytes by content hash.
    pub async fn blob(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        query::blob(&self.read, hash).await
    }

    /// Raw body of a response.
    pub async fn response_body(&self, response_id: i64) -> Result<Option<Vec<u8>>> {
        query::response_body(&self.read, response_id).await
    }

    // ---- maintenance --------------------------------------------------------------------------

    /// `PRAGMA integrity_check`, foreign-key check and the FTS index checked against the current
    /// versions. Returns the problems found; empty means all is well.
    pub async fn check_integrity(&self) -> Result<Vec<String>> {
        self.writer
            .write(|c| {
                Box::pin(async move {
                    let mut problems: Vec<String> = sqlx::query("PRAGMA integrity_check")
                        .fetch_all(&mut *c)
                        .await
                        .ctx("integrity check")?
                        .iter()
                        .map(|r| r.get::<String, _>(0))
                        .filter(|s| s != "ok")
                        .collect();
                    let fk = sqlx::query("PRAGMA foreign_key_check")
                        .fetch_all(&mut *c)
                        .await
                        .ctx("foreign key check")?;
                    problems
                        .extend(fk.iter().map(|r| {
                            format!("foreign key violation in {}", r.get::<String, _>(0))
                        }));
                    writer::flush_search_index(c).await?;
                    if let Err(e) = sqlx::query(
                        "INSERT INTO search_index (search_index) VALUES ('integrity-check')",
                    )
                    .execute(&mut *c)
                    .await
                    {
                        problems.push(format!("search index: {e}"));
                    }
                    Ok(problems)
                })
            })
            .await
    }

    /// Rebuild the search index from the current versions.
    pub async fn rebuild_search_index(&self) -> Result<()> {
        self.writer
            .write(|c| {
                Box::pin(async move {
                    writer::flush_search_index(c).await?;
                    sqlx::query("INSERT INTO search_index (search_index) VALUES ('rebuild')")
                        .execute(&mut *c)
                        .await
                        .ctx("rebuild search index")?;
                    Ok(())
                })
            })
            .await
    }
}
