//! Read-side lookups on the read pool: documents, versions, tables, attachments, bodies, events.

use sqlx::{Row, SqlitePool};

use super::types::{AttachmentInfo, DocumentEvent, DocumentInfo, EventKind, VersionInfo};
use super::util::{canonical_url, unpack_blob, Ctx};
use crate::error::Result;
use crate::extract::Table;

const DOC_COLUMNS: &str =
    "d.id, d.site, d.url, d.first_seen, d.last_seen, d.taken_down_at, d.taken_down_reason,
     d.current_version, (SELECT count(*) FROM versions v WHERE v.document_id = d.id)";

fn doc(r: &sqlx::sqlite::SqliteRow) -> DocumentInfo {
    DocumentInfo {
        id: r.get(0),
        site: r.get(1),
        url: r.get(2),
        first_seen: r.get(3),
        last_seen: r.get(4),
        taken_down_at: r.get(5),
        taken_down_reason: r.get(6),
        current_version: r.get(7),
        versions: r.get::<i64, _>(8) as u64,
    }
}

pub(crate) async fn document(pool: &SqlitePool, url: &str) -> Result<Option<DocumentInfo>> {
    let sql = format!("SELECT {DOC_COLUMNS} FROM documents d WHERE d.url = ?");
    let row = sqlx::query(&sql)
        .bind(canonical_url(url))
        .fetch_optional(pool)
        .await
        .ctx("document")?;
    Ok(row.as_ref().map(doc))
}

pub(crate) async fn document_by_id(pool: &SqlitePool, id: i64) -> Result<Option<DocumentInfo>> {
    let sql = format!("SELECT {DOC_COLUMNS} FROM documents d WHERE d.id = ?");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await
        .ctx("document")?;
    Ok(row.as_ref().map(doc))
}

pub(crate) async fn versions(pool: &SqlitePool, document_id: i64) -> Result<Vec<VersionInfo>> {
    let rows = sqlx::query(
        "SELECT id, seq, content_hash, response_id, created_at, source, title, text, published_at, report_year
         FROM versions WHERE document_id = ? ORDER BY seq",
    )
    .bind(document_id)
    .fetch_all(pool)
    .await
    .ctx("versions")?;
    Ok(rows
        .iter()
        .map(|r| VersionInfo {
            id: r.get(0),
            seq: r.get(1),
            content_hash: r.get(2),
            response_id: r.get(3),
            created_at: r.get(4),
            source: r.get(5),
            title: r.get(6),
            text: r.get(7),
            published_at: r.get(8),
            report_year: r.get::<Option<i64>, _>(9).map(|y| y as i32),
        })
        .collect())
}

/// The tables of a version as grids, in page order (rows keep their stored length; a grid is
/// `n_rows` long even when trailing rows had no cells).
pub(crate) async fn tables(pool: &SqlitePool, version_id: i64) -> Result<Vec<Table>> {
    let shapes = sqlx::query(
        "SELECT table_index, n_rows FROM doc_tables WHERE version_id = ? ORDER BY table_index",
    )
    .bind(version_id)
    .fetch_all(pool)
    .await
    .ctx("tables")?;
    let mut out: Vec<Table> = shapes
        .iter()
        .map(|r| vec![Vec::new(); r.get::<i64, _>(1) as usize])
        .collect();
    let cells = sqlx::query(
        "SELECT table_index, row_index, col_index, value FROM table_cells WHERE version_id = ?
         ORDER BY table_index, row_index, col_index",
    )
    .bind(version_id)
    .fetch_all(pool)
    .await
    .ctx("table cells")?;
    for c in cells {
        let (t, r, col) = (
            c.get::<i64, _>(0) as usize,
            c.get::<i64, _>(1) as usize,
            c.get::<i64, _>(2) as usize,
        );
        let Some(table) = out.get_mut(t) else {
            continue;
        };
        if table.len() <= r {
            table.resize(r + 1, Vec::new());
        }
        let row = &mut table[r];
        if row.len() <= col {
            row.resize(col + 1, String::new());
        }
        row[col] = c.get(3);
    }
    Ok(out)
}

pub(crate) async fn attachments(
    pool: &SqlitePool,
    document_id: i64,
) -> Result<Vec<AttachmentInfo>> {
    let rows = sqlx::query(
        "SELECT id, document_id, url, name, ext, blob_hash, size, content_type FROM attachments
         WHERE document_id = ? ORDER BY id",
    )
    .bind(document_id)
    .fetch_all(pool)
    .await
    .ctx("attachments")?;
    Ok(rows
        .iter()
        .map(|r| AttachmentInfo {
            id: r.get(0),
            document_id: r.get(1),
            url: r.get(2),
            name: r.get(3),
            ext: r.get(4),
            blob_hash: r.get(5),
            size: r.get::<Option<i64>, _>(6).map(|s| s as u64),
            content_type: r.get(7),
        })
        .collect())
}

/// The raw bytes stored under `hash`.
pub(crate) async fn blob(pool: &SqlitePool, hash: &str) -> Result<Option<Vec<u8>>> {
    let row = sqlx::query("SELECT compression, data, size FROM blobs WHERE hash = ?")
        .bind(hash)
        .fetch_optional(pool)
        .await
        .ctx("blob")?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some(unpack_blob(
            r.get::<&str, _>(0),
            r.get(1),
            r.get(2),
            hash,
        )?)),
    }
}

/// The raw body of a response (empty for a response without a body).
pub(crate) async fn response_body(pool: &SqlitePool, response_id: i64) -> Result<Option<Vec<u8>>> {
    let row = sqlx::query("SELECT body_hash FROM responses WHERE id = ?")
        .bind(response_id)
        .fetch_optional(pool)
        .await
        .ctx("response")?;
    match row.map(|r| r.get::<Option<String>, _>(0)) {
        None => Ok(None),
        Some(None) => Ok(Some(Vec::new())),
        Some(Some(h)) => blob(pool, &h).await,
    }
}

pub(crate) async fn events(pool: &SqlitePool, document_id: i64) -> Result<Vec<DocumentEvent>> {
    let rows = sqlx::query(
        "SELECT event, seen_at, status, evidence, list_url FROM document_events WHERE document_id = ? ORDER BY id",
    )
    .bind(document_id)
    .fetch_all(pool)
    .await
    .ctx("document events")?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(DocumentEvent {
                event: EventKind::parse(r.get::<&str, _>(0))?,
                seen_at: r.get(1),
                status: r.get::<Option<i64>, _>(2).map(|s| s as u16),
                evidence: r.get(3),
                list_url: r.get(4),
            })
        })
        .collect())
}
