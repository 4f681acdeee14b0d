//! Crawl runs: counters per site, errors, and the per-site statistics of `nianbao sites`.

use std::collections::BTreeMap;

use sqlx::{Row, SqliteConnection, SqlitePool};

use super::store::{bump, Counter};
use super::types::{RunCounts, RunError, RunOutcome, RunSummary, SiteRun, SiteStats};
use super::util::Ctx;
use crate::error::{Error, Result};

pub(crate) async fn start_run(
    c: &mut SqliteConnection,
    sites: Vec<String>,
    at: &str,
) -> Result<i64> {
    let id: i64 = sqlx::query("INSERT INTO runs (started_at, sites) VALUES (?, ?) RETURNING id")
        .bind(at)
        .bind(serde_json::to_string(&sites).expect("strings serialise"))
        .fetch_one(&mut *c)
        .await
        .ctx("start run")?
        .get(0);
    for s in &sites {
        sqlx::query("INSERT OR IGNORE INTO run_sites (run_id, site) VALUES (?, ?)")
            .bind(id)
            .bind(s)
            .execute(&mut *c)
            .await
            .ctx("start run")?;
    }
    Ok(id)
}

/// Close a run. Without an explicit outcome: `partial` when anything failed or was blocked,
/// `failed` when nothing was fetched but something failed, else `ok`.
pub(crate) async fn finish_run(
    c: &mut SqliteConnection,
    run_id: i64,
    outcome: Option<RunOutcome>,
    at: &str,
) -> Result<RunOutcome> {
    let outcome = match outcome {
        Some(o) => o,
        None => {
            let row = sqlx::query(
                "SELECT coalesce(sum(fetched), 0), coalesce(sum(failed), 0), coalesce(sum(blocked), 0)
                 FROM run_sites WHERE run_id = ?",
            )
            .bind(run_id)
            .fetch_one(&mut *c)
            .await
            .ctx("finish run")?;
            let (fetched, failed, blocked): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
            let errors: i64 = sqlx::query("SELECT count(*) FROM run_errors WHERE run_id = ?")
                .bind(run_id)
                .fetch_one(&mut *c)
                .await
                .ctx("finish run")?
                .get(0);
            if fetched == blocked && (failed > 0 || blocked > 0) {
                RunOutcome::Failed
            } else if failed > 0 || blocked > 0 || errors > 0 {
                RunOutcome::Partial
            } else {
                RunOutcome::Ok
            }
        }
    };
    let res = sqlx::query("UPDATE runs SET finished_at = ?, outcome = ? WHERE id = ?")
        .bind(at)
        .bind(outcome.as_str())
        .bind(run_id)
        .execute(&mut *c)
        .await
        .ctx("finish run")?;
    if res.rows_affected() == 0 {
        return Err(Error::Other(format!("archive: no run {run_id}")));
    }
    Ok(outcome)
}

/// Mark runs still `running` (their process died) as `interrupted`. Returns how many.
pub(crate) async fn interrupt_stale_runs(c: &mut SqliteConnection, at: &str) -> Result<u64> {
    let res = sqlx::query(
        "UPDATE runs SET outcome = 'interrupted', finished_at = ? WHERE outcome = 'running'",
    )
    .bind(at)
    .execute(&mut *c)
    .await
    .ctx("interrupt runs")?;
    Ok(res.rows_affected())
}

pub(crate) async fn record_error(
    c: &mut SqliteConnection,
    run_id: Option<i64>,
    site: Option<String>,
    url: Option<String>,
    message: String,
    at: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO run_errors (run_id, site, url, message, at) VALUES (?, ?, ?, ?, ?)")
        .bind(run_id)
        .bind(&site)
        .bind(&url)
        .bind(&message)
        .bind(at)
        .execute(&mut *c)
        .await
        .ctx("record error")?;
    bump(c, run_id, site.as_deref(), Counter::Failed).await
}

fn counts(row: &sqlx::sqlite::SqliteRow) -> RunCounts {
    let g = |name: &str| row.get::<i64, _>(name) as u64;
    RunCounts {
        fetched: g("fetched"),
        new: g("new"),
        changed: g("changed"),
        unchanged: g("unchanged"),
        taken_down: g("taken_down"),
        blocked: g("blocked"),
        failed: g("failed"),
    }
}

fn outcome(s: &str) -> RunOutcome {
    RunOutcome::parse(s).unwrap_or(RunOutcome::Failed)
}

/// One run with its per-site counters and errors.
pub(crate) async fn run_summary(pool: &SqlitePool, run_id: i64) -> Result<Option<RunSummary>> {
    let Some(run) =
        sqlx::query("SELECT id, started_at, finished_at, outcome FROM runs WHERE id = ?")
            .bind(run_id)
            .fetch_optional(pool)
            .await
            .ctx("run")?
    else {
        return Ok(None);
    };
    let sites = sqlx::query("SELECT * FROM run_sites WHERE run_id = ? ORDER BY site")
        .bind(run_id)
        .fetch_all(pool)
        .await
        .ctx("run sites")?
        .iter()
        .map(|r| (r.get::<String, _>("site"), counts(r)))
        .collect();
    let errors =
        sqlx::query("SELECT site, url, message, at FROM run_errors WHERE run_id = ? ORDER BY id")
            .bind(run_id)
            .fetch_all(pool)
            .await
            .ctx("run errors")?
            .iter()
            .map(|r| RunError {
                site: r.get(0),
                url: r.get(1),
                message: r.get(2),
                at: r.get(3),
            })
            .collect();
    Ok(Some(RunSummary {
        run_id: run.get(0),
        started_at: run.get(1),
        finished_at: run.get(2),
        outcome: outcome(run.get::<&str, _>(3)),
        sites,
        errors,
    }))
}

/// Every site that has documents or runs, with its last run, document counts and report years.
pub(crate) async fn site_stats(pool: &SqlitePool) -> Result<Vec<SiteStats>> {
    let mut out: BTreeMap<String, SiteStats> = BTreeMap::new();
    let blank = |site: &str| SiteStats {
        site: site.to_string(),
        documents: 0,
        taken_down: 0,
        versions: 0,
        report_years: Vec::new(),
        last_run: None,
    };
    let docs = sqlx::query(
        "SELECT d.site, count(*), count(d.taken_down_at),
                (SELECT count(*) FROM versions v JOIN documents d2 ON d2.id = v.document_id WHERE d2.site IS d.site)
         FROM documents d WHERE d.site IS NOT NULL GROUP BY d.site",
    )
    .fetch_all(pool)
    .await
    .ctx("site documents")?;
    for r in docs {
        let site: String = r.get(0);
        let s = out.entry(site.clone()).or_insert_with(|| blank(&site));
        s.documents = r.get::<i64, _>(1) as u64;
        s.taken_down = r.get::<i64, _>(2) as u64;
        s.versions = r.get::<i64, _>(3) as u64;
    }
    let years = sqlx::query(
        "SELECT DISTINCT d.site, v.report_year FROM documents d JOIN versions v ON v.id = d.current_version
         WHERE d.site IS NOT NULL AND v.report_year IS NOT NULL ORDER BY d.site, v.report_year",
    )
    .fetch_all(pool)
    .await
    .ctx("site report years")?;
    for r in years {
        let site: String = r.get(0);
        out.entry(site.clone())
            .or_insert_with(|| blank(&site))
            .report_years
            .push(r.get::<i64, _>(1) as i32);
    }
    let runs = sqlx::query(
        "SELECT rs.*, r.started_at, r.finished_at, r.outcome FROM run_sites rs JOIN runs r ON r.id = rs.run_id
         WHERE rs.run_id = (SELECT max(run_id) FROM run_sites x WHERE x.site = rs.site)",
    )
    .fetch_all(pool)
    .await
    .ctx("site last runs")?;
    for r in runs {
        let site: String = r.get("site");
        out.entry(site.clone())
            .or_insert_with(|| blank(&site))
            .last_run = Some(SiteRun {
            run_id: r.get("run_id"),
            started_at: r.get("started_at"),
            finished_at: r.get("finished_at"),
            outcome: outcome(r.get::<&str, _>("outcome")),
            counts: counts(&r),
        });
    }
    Ok(out.into_values().collect())
}
