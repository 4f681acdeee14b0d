//! Run history for the scheduler: [`RunHistory`] over the archive.
//!
//! The scheduler records every finished run of a site ([`RunRecord`]) in `site_runs`, with its
//! extraction statistics (`site_run_lists` for the per-list item counts) and its rule-breakage
//! flags (`site_run_flags`). When a site last started counts both these records and the crawl
//! runs of the `runs` table (a manual `nianbao crawl` uses up a slot too); interrupted runs count
//! in neither, so they are resumed as a catch-up.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sqlx::{Row, SqliteConnection, SqlitePool};

use super::util::{ts, Ctx};
use super::Archive;
use crate::error::{Error, Result};
use crate::schedule::{HealthFlag, ListStats, RunHistory, RunRecord, RunStatus, SiteRunStats};

/// A run of one site as the scheduler recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRun {
    /// `site_runs.id`.
    pub id: i64,
    pub site: String,
    /// Why it ran (`first run`, `slot …`, `catch-up for N missed slots since …`).
    pub reason: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// `ok`, `failed`, `blocked` or `interrupted`.
    pub status: RunStatus,
    pub pages: u64,
    pub errors: Vec<String>,
    /// `None` when the run got nowhere.
    pub stats: Option<SiteRunStats>,
    pub flags: Vec<HealthFlag>,
}

/// Parse a stored timestamp (RFC 3339, as written by the archive).
pub(crate) fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| Error::Other(format!("archive: bad timestamp {s:?}: {e}")))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Insert one run record with its list counts and flags. Returns its id.
pub(crate) async fn record(c: &mut SqliteConnection, run: &RunRecord) -> Result<i64> {
    let o = &run.outcome;
    let s = o.stats.as_ref();
    let id: i64 = sqlx::query(
        "INSERT INTO site_runs (site, reason, started_at, finished_at, status, pages, errors,
             documents, empty_text, median_text_len, mean_text_len)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&run.site)
    .bind(run.reason.to_string())
    .bind(ts(run.started))
    .bind(ts(run.finished))
    .bind(o.status.as_str())
    .bind(to_i64(o.pages))
    .bind(serde_json::to_string(&o.errors).expect("strings serialise"))
    .bind(s.map(|s| s.documents))
    .bind(s.map(|s| s.empty_text))
    .bind(s.map(|s| s.median_text_len))
    .bind(s.map(|s| s.mean_text_len))
    .fetch_one(&mut *c)
    .await
    .ctx("record site run")?
    .get(0);
    for l in s.map(|s| s.lists.as_slice()).unwrap_or_default() {
        // A list named twice keeps its last count (the key is the list URL).
        sqlx::query(
            "INSERT OR REPLACE INTO site_run_lists (site_run_id, list_url, items) VALUES (?, ?, ?)",
        )
        .bind(id)
        .bind(&l.url)
        .bind(l.items)
        .execute(&mut *c)
        .await
        .ctx("record site run lists")?;
    }
    for f in &run.flags {
        let (list, usual, empty, documents, median) = match f {
            HealthFlag::ListEmpty { list, usual } => (Some(list.as_str()), Some(*usual), None, None, None),
            HealthFlag::EmptyText { empty, documents } => (None, None, Some(*empty), Some(*documents), None),
            HealthFlag::ShorterText { median, usual } => (None, Some(*usual), None, None, Some(*median)),
        };
        sqlx::query(
            "INSERT INTO site_run_flags (site_run_id, kind, message, list_url, usual, empty, documents, median)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(f.kind())
        .bind(f.to_string())
        .bind(list)
        .bind(usual)
        .bind(empty)
        .bind(documents)
        .bind(median)
        .execute(&mut *c)
        .await
        .ctx("record site run flags")?;
    }
    Ok(id)
}

/// See [`RunHistory::last_started`].
pub(crate) async fn last_started(pool: &SqlitePool, site: &str) -> Result<Option<DateTime<Utc>>> {
    let row = sqlx::query(
        "SELECT max(t) FROM (
             SELECT started_at AS t FROM site_runs WHERE site = ?1 AND status <> 'interrupted'
             UNION ALL
             SELECT r.started_at FROM runs r JOIN run_sites rs ON rs.run_id = r.id
             WHERE rs.site = ?1 AND r.outcome IN ('ok', 'partial', 'failed'))",
    )
    .bind(site)
    .fetch_one(pool)
    .await
    .ctx("last run start")?;
    row.get::<Option<String>, _>(0).as_deref().map(parse_ts).transpose()
}

fn flag_from_row(r: &sqlx::sqlite::SqliteRow) -> Option<HealthFlag> {
    let n = |col: &str| r.get::<Option<i64>, _>(col).map(|v| v.clamp(0, i64::from(u32::MAX)) as u32);
    Some(match r.get::<&str, _>("kind") {
        "list-empty" => HealthFlag::ListEmpty {
            list: r.get::<Option<String>, _>("list_url").unwrap_or_default(),
            usual: n("usual").unwrap_or(0),
        },
        "empty-text" => HealthFlag::EmptyText {
            empty: n("empty").unwrap_or(0),
            documents: n("documents").unwrap_or(0),
        },
        "shorter-text" => HealthFlag::ShorterText {
            median: n("median").unwrap_or(0),
            usual: n("usual").unwrap_or(0),
        },
        _ => return None,
    })
}

/// Complete `site_runs` rows (`SELECT * …`) with their lists and flags.
async fn load_runs(pool: &SqlitePool, rows: Vec<sqlx::sqlite::SqliteRow>) -> Result<Vec<RecordedRun>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.get("id");
        let stats = match r.get::<Option<i64>, _>("documents") {
            None => None,
            Some(documents) => {
                let lists = sqlx::query(
                    "SELECT list_url, items FROM site_run_lists WHERE site_run_id = ? ORDER BY list_url",
                )
                .bind(id)
                .fetch_all(pool)
                .await
                .ctx("site run lists")?
                .iter()
                .map(|l| ListStats { url: l.get(0), items: l.get::<i64, _>(1) as u32 })
                .collect();
                Some(SiteRunStats {
                    lists,
                    documents: documents as u32,
                    empty_text: r.get::<Option<i64>, _>("empty_text").unwrap_or(0) as u32,
                    median_text_len: r.get::<Option<i64>, _>("median_text_len").unwrap_or(0) as u32,
                    mean_text_len: r.get::<Option<f64>, _>("mean_text_len").unwrap_or(0.0),
                })
            }
        };
        let flags = sqlx::query("SELECT * FROM site_run_flags WHERE site_run_id = ? ORDER BY id")
            .bind(id)
            .fetch_all(pool)
            .await
            .ctx("site run flags")?
            .iter()
            .filter_map(flag_from_row)
            .collect();
        out.push(RecordedRun {
            id,
            site: r.get("site"),
            reason: r.get("reason"),
            started_at: parse_ts(r.get::<&str, _>("started_at"))?,
            finished_at: parse_ts(r.get::<&str, _>("finished_at"))?,
            status: RunStatus::parse(r.get::<&str, _>("status")).unwrap_or(RunStatus::Failed),
            pages: r.get::<i64, _>("pages").max(0) as u64,
            errors: serde_json::from_str(r.get::<&str, _>("errors")).unwrap_or_default(),
            stats,
            flags,
        });
    }
    Ok(out)
}

/// The site's recorded runs, newest first, at most `limit`; only those with statistics when
/// `with_stats`.
pub(crate) async fn site_runs(pool: &SqlitePool, site: &str, limit: usize, with_stats: bool) -> Result<Vec<RecordedRun>> {
    let rows = sqlx::query(
        "SELECT * FROM site_runs WHERE site = ?1 AND (?2 = 0 OR documents IS NOT NULL)
         ORDER BY started_at DESC, id DESC LIMIT ?3",
    )
    .bind(site)
    .bind(with_stats)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .ctx("site runs")?;
    load_runs(pool, rows).await
}

/// The newest recorded run of every site, by site.
pub(crate) async fn latest_site_runs(pool: &SqlitePool) -> Result<Vec<RecordedRun>> {
    let rows = sqlx::query(
        "SELECT * FROM site_runs s WHERE s.id = (SELECT x.id FROM site_runs x WHERE x.site = s.site
                                              ORDER BY x.started_at DESC, x.id DESC LIMIT 1)
         ORDER BY s.site",
    )
    .fetch_all(pool)
    .await
    .ctx("latest site runs")?;
    load_runs(pool, rows).await
}

impl Archive {
    /// Persist a finished run of one site (see [`RunHistory::record`]). Returns its id.
    pub async fn record_site_run(&self, run: &RunRecord) -> Result<i64> {
        let run = run.clone();
        self.writer
            .write(move |c| Box::pin(async move { record(c, &run).await }))
            .await
    }

    /// The site's recorded runs, newest first, at most `limit`.
    pub async fn site_runs(&self, site: &str, limit: usize) -> Result<Vec<RecordedRun>> {
        site_runs(&self.read, site, limit, false).await
    }

    /// The newest recorded run of every site that has one, ordered by site.
    pub async fn latest_site_runs(&self) -> Result<Vec<RecordedRun>> {
        latest_site_runs(&self.read).await
    }
}

impl RunHistory for Archive {
    fn last_started<'a>(&'a self, site: &'a str) -> BoxFuture<'a, Result<Option<DateTime<Utc>>>> {
        Box::pin(last_started(&self.read, site))
    }

    fn recent_stats<'a>(&'a self, site: &'a str, limit: usize) -> BoxFuture<'a, Result<Vec<SiteRunStats>>> {
        Box::pin(async move {
            let runs = site_runs(&self.read, site, limit, true).await?;
            Ok(runs.into_iter().filter_map(|r| r.stats).collect())
        })
    }

    fn record<'a>(&'a self, run: &'a RunRecord) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.record_site_run(run).await.map(|_| ()) })
    }
}
