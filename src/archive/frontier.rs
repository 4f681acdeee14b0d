//! The crawl frontier (resumable crawls) and list membership (documents that leave a list).

use std::collections::{HashMap, HashSet};

use sqlx::{Row, SqliteConnection, SqlitePool};

use super::store::{bump, bump_sql, insert_event, Counter};
use super::types::{FetchKind, FrontierEntry, FrontierItem, FrontierState, ListCheck};
use super::util::{canonical_url, Ctx};
use crate::error::Result;

/// Bound parameters per statement (SQLite's default limit is 32766; stay well below).
const CHUNK: usize = 500;

/// `items` as the JSON array `enqueue`'s statement reads with `json_each`.
fn items_json(items: &[FrontierItem]) -> String {
    let rows: Vec<serde_json::Value> = items
        .iter()
        .map(|it| {
            serde_json::json!([
                canonical_url(&it.url),
                it.site,
                it.kind.as_str(),
                it.depth,
                it.parent.as_deref().map(canonical_url),
                it.run_id,
            ])
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

/// Set `url`'s final state (as [`complete`]), add one to the run's `counters` (run id, site), and
/// enqueue `items` already claimed (in progress, one attempt), in one round trip. Returns the
/// items that were new to the frontier, which the caller now owns: items already known are left
/// as they are. More items than fit one statement are enqueued as pending instead (and returned
/// by no one: a later claim takes them).
pub(crate) async fn complete_and_claim(
    c: &mut SqliteConnection,
    url: &str,
    state: FrontierState,
    error: Option<&str>,
    items: Vec<FrontierItem>,
    counters: Option<(i64, &str, &[Counter])>,
    at: &str,
) -> Result<Vec<FrontierEntry>> {
    // Positional parameters, bound in the order they appear (see `bump_sql`).
    let count = counters.filter(|(_, _, cs)| !cs.is_empty());
    let mut sql = count.map(|(_, _, cs)| bump_sql(cs)).unwrap_or_default();
    sql.push_str("UPDATE frontier SET state = ?, last_error = ?, updated_at = ? WHERE url = ?;");
    let claim = !items.is_empty() && items.len() <= CHUNK;
    if claim {
        // json_each keeps the array order, so rowids follow discovery order.
        sql.push_str(
            " INSERT INTO frontier (url, site, kind, depth, parent, state, attempts, discovered_at, updated_at, run_id)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, 'in_progress', 1, ?, ?, value ->> 5
             FROM json_each(?) WHERE true ORDER BY key
             ON CONFLICT (url) DO NOTHING
             RETURNING rowid AS rid, url, site, kind, depth, parent, state, attempts, last_error, run_id",
        );
    }
    let mut q = sqlx::query(&sql);
    if let Some((run, site, _)) = count {
        q = q.bind(run).bind(site);
    }
    q = q.bind(state.as_str()).bind(error).bind(at).bind(canonical_url(url));
    if claim {
        q = q.bind(at).bind(at).bind(items_json(&items));
    }
    let rows = q.fetch_all(&mut *c).await.ctx("complete and claim")?;
    if !claim {
        enqueue(c, items, at).await?;
        return Ok(Vec::new());
    }
    let mut out: Vec<(i64, FrontierEntry)> = rows.iter().map(|r| (r.get::<i64, _>("rid"), entry(r))).collect();
    out.sort_by_key(|(rid, _)| *rid);
    Ok(out.into_iter().map(|(_, e)| e).collect())
}

/// Insert `items` (canonicalised) as pending unless already known, in the given order, in one
/// statement per [`CHUNK`] items. Returns how many were new.
pub(crate) async fn enqueue(
    c: &mut SqliteConnection,
    items: Vec<FrontierItem>,
    at: &str,
) -> Result<u64> {
    let mut added = 0;
    for chunk in items.chunks(CHUNK) {
        // json_each keeps the array order, so rowids follow discovery order (claim relies on it).
        let res = sqlx::query(
            "INSERT OR IGNORE INTO frontier (url, site, kind, depth, parent, state, discovered_at, updated_at, run_id)
             SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, 'pending', ?2, ?2, value ->> 5
             FROM json_each(?1) ORDER BY key",
        )
        .bind(items_json(chunk))
        .bind(at)
        .execute(&mut *c)
        .await
        .ctx("enqueue")?;
        added += res.rows_affected();
    }
    Ok(added)
}

fn entry(row: &sqlx::sqlite::SqliteRow) -> FrontierEntry {
    FrontierEntry {
        url: row.get("url"),
        site: row.get("site"),
        kind: FetchKind::parse(row.get::<&str, _>("kind")).unwrap_or(FetchKind::Other),
        depth: row.get::<i64, _>("depth") as u32,
        parent: row.get("parent"),
        state: FrontierState::parse(row.get::<&str, _>("state")).unwrap_or(FrontierState::Pending),
        attempts: row.get::<i64, _>("attempts") as u32,
        last_error: row.get("last_error"),
        run_id: row.get("run_id"),
    }
}

/// Take up to `n` pending URLs of `site` and mark them in progress: attachments first (an
/// attachment is fetched soon after the page that links it, so the two are captured together;
/// and on a crawl of many sites the cheap attachment fetches are spread between the pages, which
/// need extraction, instead of all coming at the end), then shallowest first, then in discovery
/// order.
pub(crate) async fn claim(
    c: &mut SqliteConnection,
    site: &str,
    n: u32,
    at: &str,
) -> Result<Vec<FrontierEntry>> {
    let rows = sqlx::query(
        "UPDATE frontier SET state = 'in_progress', attempts = attempts + 1, updated_at = ?1
         WHERE rowid IN (SELECT rowid FROM frontier WHERE site = ?2 AND state = 'pending'
                         ORDER BY kind = 'attachment' DESC, depth, rowid LIMIT ?3)
         RETURNING rowid AS rid, url, site, kind, depth, parent, state, attempts, last_error, run_id",
    )
    .bind(at)
    .bind(site)
    .bind(i64::from(n))
    .fetch_all(&mut *c)
    .await
    .ctx("claim")?;
    // RETURNING gives no order: sort as the claim chose.
    let mut out: Vec<(bool, u32, i64, FrontierEntry)> = rows
        .iter()
        .map(|r| {
            let e = entry(r);
            (e.kind != FetchKind::Attachment, e.depth, r.get::<i64, _>("rid"), e)
        })
        .collect();
    out.sort_by_key(|(page, d, rid, _)| (*page, *d, *rid));
    Ok(out.into_iter().map(|(_, _, _, e)| e).collect())
}

pub(crate) async fn complete(
    c: &mut SqliteConnection,
    url: &str,
    state: FrontierState,
    error: Option<&str>,
    at: &str,
) -> Result<bool> {
    let res =
        sqlx::query("UPDATE frontier SET state = ?, last_error = ?, updated_at = ? WHERE url = ?")
            .bind(state.as_str())
            .bind(error)
            .bind(at)
            .bind(canonical_url(url))
            .execute(&mut *c)
            .await
            .ctx("complete")?;
    Ok(res.rows_affected() > 0)
}

/// Give claimed URLs that were never fetched back: pending again, their claim not counted as an
/// attempt. Only URLs still in progress are touched. Returns how many.
pub(crate) async fn release(c: &mut SqliteConnection, urls: &[String], at: &str) -> Result<u64> {
    let res = sqlx::query(
        "UPDATE frontier SET state = 'pending', attempts = max(attempts - 1, 0), updated_at = ?2
         WHERE state = 'in_progress' AND url IN (SELECT value FROM json_each(?1))",
    )
    .bind(serde_json::to_string(&urls.iter().map(|u| canonical_url(u)).collect::<Vec<_>>()).expect("strings serialise"))
    .bind(at)
    .execute(&mut *c)
    .await
    .ctx("release claimed")?;
    Ok(res.rows_affected())
}

pub(crate) async fn reset_in_progress(
    c: &mut SqliteConnection,
    site: Option<&str>,
    at: &str,
) -> Result<u64> {
    let res = sqlx::query(
        "UPDATE frontier SET state = 'pending', updated_at = ? WHERE state = 'in_progress' AND (?2 IS NULL OR site = ?2)",
    )
    .bind(at)
    .bind(site)
    .execute(&mut *c)
    .await
    .ctx("reset in-progress")?;
    Ok(res.rows_affected())
}

pub(crate) async fn requeue(c: &mut SqliteConnection, urls: Vec<String>, at: &str) -> Result<u64> {
    requeue_where(c, urls, at, "state <> 'in_progress'").await
}

/// Make the frontier rows of `urls` (canonicalised) pending where `state_filter` holds, one
/// statement per [`CHUNK`] URLs. Returns how many rows changed.
pub(crate) async fn requeue_where(
    c: &mut SqliteConnection,
    urls: Vec<String>,
    at: &str,
    state_filter: &'static str,
) -> Result<u64> {
    let mut n = 0;
    for chunk in urls.chunks(CHUNK) {
        let canon: Vec<String> = chunk.iter().map(|u| canonical_url(u)).collect();
        let sql = format!(
            "UPDATE frontier SET state = 'pending', updated_at = ?1
             WHERE url IN (SELECT value FROM json_each(?2)) AND {state_filter}"
        );
        let res = sqlx::query(&sql)
            .bind(at)
            .bind(serde_json::to_string(&canon).expect("strings serialise"))
            .execute(&mut *c)
            .await
            .ctx("requeue")?;
        n += res.rows_affected();
    }
    Ok(n)
}

/// The given URLs (as given) that the archive already knows for `site`: in the frontier in any
/// state, or archived as documents.
pub(crate) async fn known_urls(
    pool: &SqlitePool,
    site: &str,
    urls: &[String],
) -> Result<HashSet<String>> {
    let mut by_canon: HashMap<String, Vec<&String>> = HashMap::new();
    for u in urls {
        by_canon.entry(canonical_url(u)).or_default().push(u);
    }
    let canon: Vec<&String> = by_canon.keys().collect();
    let mut known = HashSet::new();
    for chunk in canon.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!(
            "SELECT url FROM frontier WHERE site = ? AND url IN ({marks})
             UNION SELECT url FROM documents WHERE url IN ({marks})"
        );
        let mut q = sqlx::query(&sql).bind(site);
        for u in chunk {
            q = q.bind(u.as_str());
        }
        for u in chunk {
            q = q.bind(u.as_str());
        }
        for row in q.fetch_all(pool).await.ctx("known urls")? {
            let u: String = row.get(0);
            if let Some(originals) = by_canon.get(&u) {
                known.extend(originals.iter().map(|s| (*s).clone()));
            }
        }
    }
    Ok(known)
}

/// Frontier rows per state for a site (progress display).
pub(crate) async fn frontier_counts(
    pool: &SqlitePool,
    site: &str,
) -> Result<Vec<(FrontierState, u64)>> {
    let rows = sqlx::query(
        "SELECT state, count(*) FROM frontier WHERE site = ? GROUP BY state ORDER BY state",
    )
    .bind(site)
    .fetch_all(pool)
    .await
    .ctx("frontier counts")?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some((
                FrontierState::parse(r.get::<&str, _>(0))?,
                r.get::<i64, _>(1) as u64,
            ))
        })
        .collect())
}

/// A list was paged to its end and held `seen`: remember the membership, mark listed-before but
/// not-listed-now documents taken down (`missing_from_list`), and bring back the ones that
/// reappear.
pub(crate) async fn mark_missing_from_list(
    c: &mut SqliteConnection,
    site: &str,
    list_url: &str,
    seen: Vec<String>,
    at: &str,
    run_id: Option<i64>,
) -> Result<ListCheck> {
    let list_url = canonical_url(list_url);
    sqlx::query("CREATE TEMP TABLE IF NOT EXISTS seen_now (url TEXT PRIMARY KEY)")
        .execute(&mut *c)
        .await
        .ctx("seen table")?;
    sqlx::query("DELETE FROM seen_now")
        .execute(&mut *c)
        .await
        .ctx("seen table")?;
    // One statement each per chunk, not two per URL.
    for chunk in seen.chunks(CHUNK) {
        let canon: Vec<String> = chunk.iter().map(|u| canonical_url(u)).collect();
        let canon = serde_json::to_string(&canon).expect("strings serialise");
        sqlx::query("INSERT OR IGNORE INTO seen_now (url) SELECT value FROM json_each(?) ORDER BY key")
            .bind(&canon)
            .execute(&mut *c)
            .await
            .ctx("seen table")?;
        // (`WHERE true`: SQLite's parser needs it before an upsert clause after a SELECT.)
        sqlx::query(
            "INSERT INTO list_entries (list_url, url, site, first_seen, last_seen)
             SELECT ?1, value, ?3, ?4, ?4 FROM json_each(?2) WHERE true ORDER BY key
             ON CONFLICT (list_url, url) DO UPDATE SET last_seen = excluded.last_seen",
        )
        .bind(&list_url)
        .bind(&canon)
        .bind(site)
        .bind(at)
        .execute(&mut *c)
        .await
        .ctx("list entry")?;
    }
    let mut check = ListCheck::default();
    let missing = sqlx::query(
        "SELECT d.id FROM list_entries l JOIN documents d ON d.url = l.url
         WHERE l.list_url = ? AND d.taken_down_at IS NULL AND l.url NOT IN (SELECT url FROM seen_now)",
    )
    .bind(&list_url)
    .fetch_all(&mut *c)
    .await
    .ctx("find missing")?;
    for row in missing {
        let id: i64 = row.get(0);
        sqlx::query("UPDATE documents SET taken_down_at = ?, taken_down_reason = 'missing_from_list' WHERE id = ?")
            .bind(at)
            .bind(id)
            .execute(&mut *c)
            .await
            .ctx("mark missing")?;
        insert_event(
            c,
            id,
            "missing_from_list",
            at,
            None,
            None,
            Some(&list_url),
            run_id,
        )
        .await?;
        bump(c, run_id, Some(site), Counter::TakenDown).await?;
        check.missing += 1;
    }
    let back = sqlx::query(
        "SELECT d.id FROM documents d JOIN seen_now s ON s.url = d.url WHERE d.taken_down_reason = 'missing_from_list'",
    )
    .fetch_all(&mut *c)
    .await
    .ctx("find back")?;
    for row in back {
        let id: i64 = row.get(0);
        sqlx::query(
            "UPDATE documents SET taken_down_at = NULL, taken_down_reason = NULL WHERE id = ?",
        )
        .bind(id)
        .execute(&mut *c)
        .await
        .ctx("mark back")?;
        insert_event(
            c,
            id,
            "back",
            at,
            None,
            Some("listed again"),
            Some(&list_url),
            run_id,
        )
        .await?;
        check.back += 1;
    }
    sqlx::query("DELETE FROM seen_now")
        .execute(&mut *c)
        .await
        .ctx("seen table")?;
    Ok(check)
}
