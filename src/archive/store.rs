//! Writing fetches, documents, versions, tables and attachments. Every function here runs on the
//! writer's connection inside the caller's transaction (see `writer.rs`).

use sqlx::{Row, SqliteConnection};

use super::writer::index_later_sql;
use super::types::{Change, DocChange, FetchKind, FetchOutcome, FetchRecord, StoreOutcome};
use super::util::{
    canonical_url, content_hash, disposition_filename, extension, ts, Ctx, PreparedBlob,
};
use crate::error::{Error, Result};
use crate::extract::Extracted;
use crate::facts::FactSet;

/// A fetch with its body hashed and compressed, and its extraction hashed, off the writer task.
pub(crate) struct PreparedFetch {
    pub record: FetchRecord,
    pub url: String,
    pub final_url: String,
    pub blob: Option<PreparedBlob>,
    /// The extraction, its content hash and its report facts (computed here, off the writer).
    pub extracted: Option<(Extracted, String, FactSet)>,
}

impl PreparedFetch {
    pub(crate) fn new(mut record: FetchRecord, extracted: Option<Extracted>) -> Self {
        let blob = super::util::prepare_blob(&record.body);
        record.body = Vec::new();
        let url = canonical_url(&record.url);
        let final_url = canonical_url(&record.final_url);
        let extracted = extracted.map(|e| {
            let h = content_hash(&e);
            let facts = report_facts(&e);
            (e, h, facts)
        });
        PreparedFetch {
            record,
            url,
            final_url,
            blob,
            extracted,
        }
    }
}

/// A version's tables as JSON for `json_each`: `[[table_index, n_rows, n_cols], …]` and its
/// cells `[[table_index, row_index, col_index, value], …]`.
fn tables_json(e: &Extracted) -> (String, String) {
    let mut tables = Vec::with_capacity(e.tables.len());
    let mut cells = Vec::new();
    for (ti, table) in e.tables.iter().enumerate() {
        let n_cols = table.iter().map(Vec::len).max().unwrap_or(0);
        tables.push(serde_json::json!([ti, table.len(), n_cols]));
        for (ri, row) in table.iter().enumerate() {
            for (ci, v) in row.iter().enumerate() {
                cells.push(serde_json::json!([ti, ri, ci, v]));
            }
        }
    }
    (serde_json::Value::Array(tables).to_string(), serde_json::Value::Array(cells).to_string())
}

/// Which per-site run counter to bump.
#[derive(Clone, Copy)]
pub(crate) enum Counter {
    Fetched,
    New,
    Changed,
    Unchanged,
    TakenDown,
    Blocked,
    Failed,
}

impl Counter {
    fn column(self) -> &'static str {
        match self {
            Counter::Fetched => "fetched",
            Counter::New => "new",
            Counter::Changed => "changed",
            Counter::Unchanged => "unchanged",
            Counter::TakenDown => "taken_down",
            Counter::Blocked => "blocked",
            Counter::Failed => "failed",
        }
    }
}

/// Add one to a run's per-site counter (nothing without both a run and a site).
pub(crate) async fn bump(
    c: &mut SqliteConnection,
    run_id: Option<i64>,
    site: Option<&str>,
    counter: Counter,
) -> Result<()> {
    bump_all(c, run_id, site, &[counter]).await
}

/// The statement adding one to each of `counters`, with two positional parameters (run id, site),
/// to run with other statements of a job.
///
/// Statements sharing one query string use positional `?` parameters bound in order: sqlx binds
/// `?NNN` to the NNNth value of the whole query, but it also binds every number a statement
/// skips from a running count, and stops binding at the first that runs past the values, so a
/// later statement's numbered parameters can be left NULL without an error.
pub(crate) fn bump_sql(counters: &[Counter]) -> String {
    let cols: Vec<&str> = counters.iter().map(|c| c.column()).collect();
    format!(
        "INSERT INTO run_sites (run_id, site, {}) VALUES (?, ?, {})
         ON CONFLICT (run_id, site) DO UPDATE SET {};",
        cols.join(", "),
        vec!["1"; cols.len()].join(", "),
        cols.iter().map(|c| format!("{c} = {c} + 1")).collect::<Vec<_>>().join(", ")
    )
}

/// Add one to each of several counters in one statement.
pub(crate) async fn bump_all(
    c: &mut SqliteConnection,
    run_id: Option<i64>,
    site: Option<&str>,
    counters: &[Counter],
) -> Result<()> {
    let (Some(run_id), Some(site)) = (run_id, site) else {
        return Ok(());
    };
    if counters.is_empty() {
        return Ok(());
    }
    let sql = bump_sql(counters);
    sqlx::query(&sql)
        .bind(run_id)
        .bind(site)
        .execute(&mut *c)
        .await
        .ctx("count run")?;
    Ok(())
}

/// The whole of `store_fetch`: response + blob + document/version/tables/FTS or takedown or
/// attachment link, and the run's counters, one unit.
pub(crate) async fn store_fetch(
    c: &mut SqliteConnection,
    p: PreparedFetch,
) -> Result<StoreOutcome> {
    let (run_id, site) = (p.record.run_id, p.record.site.clone());
    let (out, counters) = store_fetch_uncounted(c, p).await?;
    bump_all(c, run_id, site.as_deref(), &counters).await?;
    Ok(out)
}

/// [`store_fetch`] without the run counters: returns the counters to add (with [`bump_sql`], in
/// the caller's next statement).
pub(crate) async fn store_fetch_uncounted(
    c: &mut SqliteConnection,
    p: PreparedFetch,
) -> Result<(StoreOutcome, Vec<Counter>)> {
    let r = &p.record;
    let at = ts(r.fetched_at);
    let headers = serde_json::to_string(&r.headers).expect("strings serialise");
    // The body (once per hash) and the response row: one statement string, one round trip to
    // the SQLite thread (positional parameters run on across the statements).
    const RESPONSE: &str = "INSERT INTO responses (run_id, site, kind, url, final_url, status, outcome, headers,
             content_type, fetched_at, elapsed_ms, body_hash, body_size, charset, charset_source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
    const BLOB_AND_RESPONSE: &str = concat!(
        "INSERT OR IGNORE INTO blobs (hash, size, compression, data) VALUES (?, ?, ?, ?); ",
        "INSERT INTO responses (run_id, site, kind, url, final_url, status, outcome, headers,
             content_type, fetched_at, elapsed_ms, body_hash, body_size, charset, charset_source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
    );
    let q = match &p.blob {
        Some(b) => sqlx::query(BLOB_AND_RESPONSE).bind(&b.hash).bind(b.size).bind(b.compression).bind(&b.data),
        None => sqlx::query(RESPONSE),
    };
    let response_id: i64 = q
        .bind(r.run_id)
        .bind(&r.site)
        .bind(r.kind.as_str())
        .bind(&p.url)
        .bind(&p.final_url)
        .bind(i64::from(r.status))
        .bind(r.outcome.as_str())
        .bind(&headers)
        .bind(r.header("content-type"))
        .bind(&at)
        .bind(r.elapsed_ms as i64)
        .bind(p.blob.as_ref().map(|b| b.hash.as_str()))
        .bind(p.blob.as_ref().map_or(0, |b| b.size))
        .bind(&r.charset)
        .bind(&r.charset_source)
        .fetch_one(&mut *c)
        .await
        .ctx("insert response")?
        .get(0);

    let site = r.site.as_deref();
    let mut counters = vec![Counter::Fetched];
    let mut out = StoreOutcome {
        response_id,
        body_hash: p.blob.as_ref().map(|b| b.hash.clone()),
        document: None,
        taken_down: None,
        attachments_linked: 0,
    };
    match (r.outcome, r.kind) {
        (FetchOutcome::Blocked, _) => counters.push(Counter::Blocked),
        (FetchOutcome::Gone, _) => {
            let ev = format!("HTTP {} for {}", r.status, p.final_url);
            if let Some(id) = mark_gone(c, &p.url, Some(r.status), &ev, &at, r.run_id).await? {
                out.taken_down = Some(id);
            }
        }
        (FetchOutcome::Ok, FetchKind::Detail) => {
            if let Some((e, hash, facts)) = &p.extracted {
                let d = upsert_document(c, &p.url, site, &at, Some(response_id), e, hash, facts, "crawl")
                    .await?;
                counters.push(match d.change {
                    Change::New => Counter::New,
                    Change::Changed => Counter::Changed,
                    Change::Unchanged => Counter::Unchanged,
                });
                out.document = Some(d);
            }
        }
        (FetchOutcome::Ok, FetchKind::Attachment) => {
            if let Some(b) = &p.blob {
                let ct = r.header("content-type").map(str::to_string);
                let disp = r
                    .header("content-disposition")
                    .and_then(disposition_filename);
                out.attachments_linked = link_attachment(
                    c,
                    &p.url,
                    &p.final_url,
                    b,
                    response_id,
                    ct.as_deref(),
                    disp.as_deref(),
                    &at,
                )
                .await?;
            }
        }
        _ => {}
    }
    Ok((out, counters))
}

/// Create or refresh the document at `url` and give it a new version if `hash` differs from the
/// current one.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn upsert_document(
    c: &mut SqliteConnection,
    url: &str,
    site: Option<&str>,
    at: &str,
    response_id: Option<i64>,
    e: &Extracted,
    hash: &str,
    facts: &FactSet,
    source: &str,
) -> Result<DocChange> {
    // Find or create the document, and (a crawl's sighting) move its last-seen date and clear a
    // takedown: one round trip. The SELECT reads the row before the UPDATE changes it; `changes()`
    // there is the INSERT's (1 = created now). All rows are fetched: sqlx stops running a
    // statement string's later statements once `fetch_one`'s single row is in.
    let rows = sqlx::query(
        "INSERT INTO documents (site, url, first_seen, last_seen) VALUES (?, ?, ?, ?) ON CONFLICT (url) DO NOTHING;
         SELECT d.id, d.current_version, d.taken_down_at, v.content_hash, changes()
         FROM documents d LEFT JOIN versions v ON v.id = d.current_version WHERE d.url = ?;
         UPDATE documents SET last_seen = max(last_seen, ?), first_seen = min(first_seen, ?),
             taken_down_at = NULL, taken_down_reason = NULL WHERE url = ? AND ?",
    )
    .bind(site)
    .bind(url)
    .bind(at)
    .bind(at)
    .bind(url)
    .bind(at)
    .bind(at)
    .bind(url)
    .bind(source == "crawl")
    .fetch_all(&mut *c)
    .await
    .ctx("find or insert document")?;
    let row = rows.first().ok_or_else(|| Error::Other(format!("archive: no document row for {url} after inserting it")))?;
    let document_id: i64 = row.get(0);
    // A document created here has no facts rows yet: nothing to delete before inserting.
    let fresh = row.get::<i64, _>(4) > 0;
    let current: Option<(i64, String)> = if fresh {
        None
    } else {
        row.get::<Option<i64>, _>(1).zip(row.get::<Option<String>, _>(3))
    };
    // A re-extraction is not a sighting: only crawls move last_seen or revive.
    let revived = !fresh && source == "crawl" && row.get::<Option<String>, _>(2).is_some();
    if revived {
        insert_event(c, document_id, "back", at, None, Some("fetched again"), None, None).await?;
    }

    if let Some((vid, h)) = &current {
        if h == hash {
            upsert_attachments(c, document_id, e, at).await?;
            // Same content, but the facts reader may have changed since: re-extraction redoes them.
            if source == "reextract" {
                store_report_facts(c, document_id, e.report_year, facts, false).await?;
            }
            return Ok(DocChange {
                document_id,
                version_id: *vid,
                change: Change::Unchanged,
                revived,
            });
        }
    }
    if let Some((old, _)) = &current {
        super::writer::unindex_later(c, *old).await?;
    }
    let version_id = insert_version(c, document_id, response_id, at, e, hash, source).await?;
    upsert_attachments(c, document_id, e, at).await?;
    store_report_facts(c, document_id, e.report_year, facts, fresh).await?;
    let change = if current.is_some() {
        Change::Changed
    } else {
        Change::New
    };
    Ok(DocChange {
        document_id,
        version_id,
        change,
        revived,
    })
}

/// The report statistics of `e`: none unless it looks like an annual report (see
/// [`crate::facts::is_annual_report`]). Computed by the producer, not on the writer's thread.
pub(crate) fn report_facts(e: &Extracted) -> FactSet {
    if crate::facts::is_annual_report(&e.title, e.report_year) {
        crate::facts::facts_from_report(&e.tables, &e.text, e.report_year)
    } else {
        FactSet::default()
    }
}

/// Replace the document's rows in `facts` / `fact_checks` with `facts`, in the caller's
/// transaction. A document created in this job has no rows to replace (`fresh`).
async fn store_report_facts(
    c: &mut SqliteConnection,
    document_id: i64,
    report_year: Option<i32>,
    facts: &FactSet,
    fresh: bool,
) -> Result<()> {
    if fresh {
        crate::facts::insert_facts(c, document_id, report_year, facts).await
    } else {
        crate::facts::replace_facts(c, document_id, report_year, facts).await
    }
}

/// Insert a new version of the document and make it current, with its tables and cells, and
/// queue its search-index entry (written once per writer batch, see writer.rs): one round trip
/// whatever the number of tables. Returns the version id.
async fn insert_version(
    c: &mut SqliteConnection,
    document_id: i64,
    response_id: Option<i64>,
    at: &str,
    e: &Extracted,
    hash: &str,
    source: &str,
) -> Result<i64> {
    let (tables, cells) = tables_json(e);
    // The new version's id is read back from the document (last_insert_rowid() right after the
    // INSERT); the row-returning SELECT comes last (see `upsert_document`). Positional parameters
    // only, bound in order (see `bump_sql`).
    let rows = sqlx::query(concat!(
        "INSERT INTO versions (document_id, seq, content_hash, response_id, created_at, source, title, text,
             published_at, written_at, publisher, index_no, doc_no, category, validity, report_year,
             attachments, encoding_label, encoding_source, encoding_had_errors, warnings)
         VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM versions WHERE document_id = ?),
                 ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
         UPDATE documents SET current_version = last_insert_rowid() WHERE id = ?;
         INSERT INTO doc_tables (version_id, table_index, n_rows, n_cols)
             SELECT d.current_version, value ->> 0, value ->> 1, value ->> 2 FROM documents d, json_each(?) WHERE d.id = ?;
         INSERT INTO table_cells (version_id, table_index, row_index, col_index, value)
             SELECT d.current_version, value ->> 0, value ->> 1, value ->> 2, value ->> 3 FROM documents d, json_each(?) WHERE d.id = ?; ",
        index_later_sql!(),
        " SELECT current_version FROM documents WHERE id = ?"
    ))
    .bind(document_id)
    .bind(document_id)
    .bind(hash)
    .bind(response_id)
    .bind(at)
    .bind(source)
    .bind(&e.title)
    .bind(&e.text)
    .bind(&e.published_at)
    .bind(&e.written_at)
    .bind(&e.publisher)
    .bind(&e.index_no)
    .bind(&e.doc_no)
    .bind(&e.category)
    .bind(&e.validity)
    .bind(e.report_year)
    .bind(serde_json::to_string(&e.attachments).expect("strings serialise"))
    .bind(&e.encoding.label)
    .bind(serde_json::to_value(e.encoding.source).ok().and_then(|v| v.as_str().map(str::to_string)))
    .bind(e.encoding.had_errors)
    .bind(serde_json::to_string(&e.warnings).expect("strings serialise"))
    .bind(document_id)
    .bind(tables)
    .bind(document_id)
    .bind(cells)
    .bind(document_id)
    .bind(document_id)
    .bind(document_id)
    .fetch_all(&mut *c)
    .await
    .ctx("insert version and tables")?;
    let version_id = rows
        .first()
        .and_then(|r| r.get::<Option<i64>, _>(0))
        .ok_or_else(|| Error::Other(format!("archive: no current version for document {document_id} after inserting it")))?;
    Ok(version_id)
}

/// Record the document's attachment links; link any already-downloaded body.
async fn upsert_attachments(
    c: &mut SqliteConnection,
    document_id: i64,
    e: &Extracted,
    at: &str,
) -> Result<()> {
    for a in &e.attachments {
        let url = canonical_url(&a.url);
        let ext = extension(&url).or_else(|| extension(&a.name));
        // The link, and whether the file was fetched before the page that links it was stored:
        // one round trip.
        let earlier = sqlx::query(
            "INSERT INTO attachments (document_id, url, name, ext, first_seen, last_seen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (document_id, url) DO UPDATE SET name = excluded.name,
                 ext = coalesce(attachments.ext, excluded.ext), last_seen = max(attachments.last_seen, excluded.last_seen);
             SELECT r.id, r.body_hash, r.body_size, r.content_type, r.fetched_at, r.headers, r.final_url
             FROM responses r WHERE r.url = ?2 AND r.kind = 'attachment' AND r.outcome = 'ok'
               AND r.body_hash IS NOT NULL ORDER BY r.id DESC LIMIT 1",
        )
        .bind(document_id)
        .bind(&url)
        .bind(&a.name)
        .bind(ext)
        .bind(at)
        .fetch_optional(&mut *c)
        .await
        .ctx("upsert attachment, find earlier download")?;
        if let Some(r) = earlier {
            let headers: Vec<(String, String)> =
                serde_json::from_str(r.get::<&str, _>(5)).unwrap_or_default();
            let disp = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-disposition"))
                .and_then(|(_, v)| disposition_filename(v));
            let ext = disp
                .as_deref()
                .and_then(extension)
                .or_else(|| extension(r.get::<&str, _>(6)));
            sqlx::query(
                "UPDATE attachments SET response_id = ?, blob_hash = ?, size = ?, content_type = ?, downloaded_at = ?,
                     ext = coalesce(ext, ?)
                 WHERE document_id = ? AND url = ? AND blob_hash IS NULL",
            )
            .bind(r.get::<i64, _>(0))
            .bind(r.get::<String, _>(1))
            .bind(r.get::<i64, _>(2))
            .bind(r.get::<Option<String>, _>(3))
            .bind(r.get::<String, _>(4))
            .bind(ext)
            .bind(document_id)
            .bind(&url)
            .execute(&mut *c)
            .await
            .ctx("link earlier attachment download")?;
        }
    }
    Ok(())
}

/// Point every attachment row of this URL at the downloaded body. Returns rows linked.
#[allow(clippy::too_many_arguments)]
async fn link_attachment(
    c: &mut SqliteConnection,
    url: &str,
    final_url: &str,
    b: &PreparedBlob,
    response_id: i64,
    content_type: Option<&str>,
    disposition_name: Option<&str>,
    at: &str,
) -> Result<u64> {
    let ext = disposition_name
        .and_then(extension)
        .or_else(|| extension(final_url));
    let res = sqlx::query(
        "UPDATE attachments SET blob_hash = ?, size = ?, content_type = ?, response_id = ?, downloaded_at = ?,
             ext = coalesce(ext, ?)
         WHERE url = ? OR url = ?",
    )
    .bind(&b.hash)
    .bind(b.size)
    .bind(content_type)
    .bind(response_id)
    .bind(at)
    .bind(ext)
    .bind(url)
    .bind(final_url)
    .execute(&mut *c)
    .await
    .ctx("link attachment")?;
    Ok(res.rows_affected())
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_event(
    c: &mut SqliteConnection,
    document_id: i64,
    event: &str,
    at: &str,
    status: Option<u16>,
    evidence: Option<&str>,
    list_url: Option<&str>,
    run_id: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO document_events (document_id, event, seen_at, status, evidence, list_url, run_id)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(document_id)
    .bind(event)
    .bind(at)
    .bind(status.map(i64::from))
    .bind(evidence)
    .bind(list_url)
    .bind(run_id)
    .execute(&mut *c)
    .await
    .ctx("insert document event")?;
    Ok(())
}

/// Mark the live document at `url` taken down (gone). Returns its id if it was live.
pub(crate) async fn mark_gone(
    c: &mut SqliteConnection,
    url: &str,
    status: Option<u16>,
    evidence: &str,
    at: &str,
    run_id: Option<i64>,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT id, site, taken_down_at, taken_down_reason FROM documents WHERE url = ?",
    )
    .bind(url)
    .fetch_optional(&mut *c)
    .await
    .ctx("find document")?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.get(0);
    let site: Option<String> = row.get(1);
    let was_live = row.get::<Option<String>, _>(2).is_none();
    if row.get::<Option<String>, _>(3).as_deref() == Some("gone") {
        return Ok(None);
    }
    sqlx::query("UPDATE documents SET taken_down_at = coalesce(taken_down_at, ?), taken_down_reason = 'gone' WHERE id = ?")
        .bind(at)
        .bind(id)
        .execute(&mut *c)
        .await
        .ctx("mark gone")?;
    insert_event(c, id, "gone", at, status, Some(evidence), None, run_id).await?;
    if was_live {
        bump(c, run_id, site.as_deref(), Counter::TakenDown).await?;
    }
    Ok(Some(id))
}
