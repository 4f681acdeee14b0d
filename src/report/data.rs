//! Filling [`ReportData`] from the archive and the site rules.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{BlockedRow, BrokenRule, CoverageCell, FlagRow, Mark, ReportData, RunRow, SiteRow};
use crate::archive::{Archive, RecordedRun, RunOutcome, SiteRun, SiteStats};
use crate::error::{Error, Result};
use crate::schedule::{next_run_at, RunHistory, RunStatus, SiteSchedule};
use crate::site::{RuleErrors, SiteSet};

fn db(context: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |source| Error::Archive { context: context.into(), source }
}

fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// The rule errors as report rows (file, key, message).
pub(crate) fn broken_rules(errors: &RuleErrors) -> Vec<BrokenRule> {
    errors
        .errors()
        .iter()
        .map(|e| match e {
            Error::Rule { path, key, message } => {
                BrokenRule { file: path.display().to_string(), key: key.clone(), message: message.clone() }
            }
            Error::Io { path, source } => {
                BrokenRule { file: path.display().to_string(), key: String::new(), message: source.to_string() }
            }
            other => BrokenRule { file: String::new(), key: String::new(), message: other.to_string() },
        })
        .collect()
}

/// Everything `nianbao report` shows: sites with a rule (and broken rule files), coverage of
/// annual reports per site and report year with marks from each site's latest crawl run, the
/// latest run of every site, blocked sites (a current streak of challenge answers), the flags of
/// each site's latest recorded run, and the broken rules. `archive_label` is how the archive is
/// named in the page.
pub async fn report_data(
    archive: &Archive,
    sites: &SiteSet,
    errors: &RuleErrors,
    archive_label: &str,
    now: DateTime<Utc>,
) -> Result<ReportData> {
    let stats: HashMap<String, SiteStats> = archive.site_stats().await?.into_iter().map(|s| (s.site.clone(), s)).collect();
    let mut rows = Vec::new();
    for site in sites.iter() {
        let sched = SiteSchedule::from_site(site).ok().flatten();
        let next_due = match &sched {
            Some(s) => next_run_at(s, archive.last_started(&site.name).await?, now),
            None => None,
        };
        rows.push(SiteRow {
            name: site.name.clone(),
            title: site.title.clone(),
            documents: stats.get(&site.name).map_or(0, |s| s.documents),
            schedule: sched.map(|s| s.cron_source),
            next_due,
        });
    }
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    let recorded = archive.latest_site_runs().await?;
    let flags = recorded
        .iter()
        .flat_map(|r| r.flags.iter().map(|f| FlagRow { site: r.site.clone(), run_started: r.started_at, flag: f.clone() }))
        .collect();
    Ok(ReportData {
        generated_at: now,
        archive: archive_label.to_string(),
        sites: rows,
        coverage: coverage(archive).await?,
        runs: runs(archive, &stats, &recorded).await?,
        blocked: blocked(archive).await?,
        flags,
        broken_rules: broken_rules(errors),
    })
}

/// One cell per (site, report year) of the annual reports (see
/// [`crate::facts::is_annual_report`]), marked from the site's latest crawl run: 撤 over 新 over 改.
async fn coverage(archive: &Archive) -> Result<Vec<CoverageCell>> {
    let rows = sqlx::query(
        "WITH last AS (SELECT site, max(run_id) AS run_id FROM run_sites GROUP BY site)
         SELECT d.site, d.report_year, d.title, d.url,
           EXISTS (SELECT 1 FROM versions v JOIN responses r ON r.id = v.response_id
                   WHERE v.document_id = d.document_id AND v.source = 'crawl' AND v.seq = 1 AND r.run_id = l.run_id),
           EXISTS (SELECT 1 FROM versions v JOIN responses r ON r.id = v.response_id
                   WHERE v.document_id = d.document_id AND v.source = 'crawl' AND v.seq > 1 AND r.run_id = l.run_id),
           EXISTS (SELECT 1 FROM document_events e WHERE e.document_id = d.document_id
                   AND e.event IN ('gone', 'missing_from_list') AND e.run_id = l.run_id)
                   AND d.taken_down_at IS NOT NULL
         FROM current_documents d LEFT JOIN last l ON l.site = d.site
         WHERE d.site IS NOT NULL AND d.report_year IS NOT NULL
         ORDER BY d.site, d.report_year, d.published_at DESC, d.document_id DESC",
    )
    .fetch_all(archive.reader())
    .await
    .map_err(db("report coverage"))?;
    let mut cells: BTreeMap<(String, i32), CoverageCell> = BTreeMap::new();
    for r in rows {
        let (site, year, title): (String, i64, String) = (r.get(0), r.get(1), r.get(2));
        if !crate::facts::is_annual_report(&title, Some(year as i32)) {
            continue;
        }
        let mark = match (r.get::<bool, _>(4), r.get::<bool, _>(5), r.get::<bool, _>(6)) {
            (_, _, true) => Some(Mark::TakenDown),
            (true, _, _) => Some(Mark::New),
            (_, true, _) => Some(Mark::Changed),
            _ => None,
        };
        let cell = cells.entry((site.clone(), year as i32)).or_insert_with(|| CoverageCell {
            site,
            year: year as i32,
            documents: 0,
            mark: None,
            // The newest report of the cell is the one shown and linked.
            title: Some(title),
            url: Some(r.get(3)),
        });
        cell.documents += 1;
        let rank = |m: Option<Mark>| match m {
            Some(Mark::TakenDown) => 3,
            Some(Mark::New) => 2,
            Some(Mark::Changed) => 1,
            None => 0,
        };
        if rank(mark) > rank(cell.mark) {
            cell.mark = mark;
        }
    }
    Ok(cells.into_values().collect())
}

/// The status of one site in a crawl run, from the run's outcome and the site's counters.
fn site_status(run: &SiteRun) -> RunStatus {
    match run.outcome {
        RunOutcome::Running | RunOutcome::Interrupted => RunStatus::Interrupted,
        _ if run.counts.failed > 0 => RunStatus::Failed,
        _ if run.counts.blocked > 0 => RunStatus::Blocked,
        RunOutcome::Failed => RunStatus::Failed,
        _ => RunStatus::Ok,
    }
}

/// The latest run of every site: its crawl run with counters and errors, or the scheduler's
/// record when that is newer (a run that could not start has no crawl run).
async fn runs(archive: &Archive, stats: &HashMap<String, SiteStats>, recorded: &[RecordedRun]) -> Result<Vec<RunRow>> {
    let mut out: BTreeMap<String, RunRow> = BTreeMap::new();
    for s in stats.values() {
        let Some(run) = &s.last_run else { continue };
        let Some(started) = parse_ts(&run.started_at) else { continue };
        let errors = sqlx::query("SELECT url, message FROM run_errors WHERE run_id = ? AND site = ? ORDER BY id")
            .bind(run.run_id)
            .bind(&s.site)
            .fetch_all(archive.reader())
            .await
            .map_err(db("report run errors"))?
            .iter()
            .map(|r| {
                let (url, message): (Option<String>, String) = (r.get(0), r.get(1));
                match url {
                    Some(u) if !message.contains(&u) => format!("{u}: {message}"),
                    _ => message,
                }
            })
            .collect();
        out.insert(
            s.site.clone(),
            RunRow {
                site: s.site.clone(),
                started,
                finished: run.finished_at.as_deref().and_then(parse_ts),
                status: site_status(run),
                pages: run.counts.fetched,
                new_documents: run.counts.new,
                changed_documents: run.counts.changed,
                errors,
            },
        );
    }
    for r in recorded {
        if out.get(&r.site).is_some_and(|row| row.started >= r.started_at) {
            continue;
        }
        out.insert(
            r.site.clone(),
            RunRow {
                site: r.site.clone(),
                started: r.started_at,
                finished: Some(r.finished_at),
                status: r.status,
                pages: r.pages,
                new_documents: 0,
                changed_documents: 0,
                errors: r.errors.clone(),
            },
        );
    }
    Ok(out.into_values().collect())
}

/// Sites whose latest answers are challenge pages: the blocked responses since the site's last
/// response that was not blocked.
async fn blocked(archive: &Archive) -> Result<Vec<BlockedRow>> {
    let rows = sqlx::query(
        "SELECT r.site, r.url, r.status, r.content_type, r.fetched_at FROM responses r
         WHERE r.outcome = 'blocked' AND r.site IS NOT NULL
           AND r.id > coalesce((SELECT max(x.id) FROM responses x WHERE x.site = r.site AND x.outcome <> 'blocked'), 0)
         ORDER BY r.site, r.id",
    )
    .fetch_all(archive.reader())
    .await
    .map_err(db("report blocked sites"))?;
    let mut out: Vec<BlockedRow> = Vec::new();
    for r in rows {
        let (site, url, status, ct, at): (String, String, i64, Option<String>, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        let Some(at) = parse_ts(&at) else { continue };
        let reason = match ct {
            Some(ct) => format!("HTTP {status} challenge page ({ct})"),
            None => format!("HTTP {status} challenge page"),
        };
        match out.last_mut().filter(|b| b.site == site) {
            Some(b) => {
                b.count += 1;
                b.last_seen = at;
                b.url = url;
                b.reason = reason;
            }
            None => out.push(BlockedRow { site, url, reason, since: at, last_seen: at, count: 1 }),
        }
    }
    Ok(out)
}
