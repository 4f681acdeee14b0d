//! Re-extraction: run the current rules over stored raw responses; new versions only where the
//! output changed.

use sqlx::{Row, SqlitePool};

use super::store::{report_facts, upsert_document};
use super::types::{Change, ReextractReport, StoredResponse};
use super::util::{content_hash, now, unpack_blob, Ctx};
use super::Archive;
use crate::error::Result;
use crate::extract::Extracted;

/// Documents read (and written back) per page: bounds memory and batches the writes.
const PAGE: i64 = 64;

/// The latest usable detail response of each document after `after_id`, in document order.
async fn page(pool: &SqlitePool, after_id: i64, site: Option<&str>) -> Result<Vec<StoredResponse>> {
    let rows = sqlx::query(
        "SELECT d.id, r.id, d.site, r.url, r.final_url, r.status, r.headers, r.fetched_at, r.charset,
                r.charset_source, b.compression, b.data, b.size, b.hash
         FROM documents d
         JOIN responses r ON r.id = (SELECT max(x.id) FROM responses x WHERE x.url = d.url AND x.kind = 'detail'
                                     AND x.outcome = 'ok' AND x.body_hash IS NOT NULL)
         JOIN blobs b ON b.hash = r.body_hash
         WHERE d.id > ?1 AND (?2 IS NULL OR d.site = ?2)
         ORDER BY d.id LIMIT ?3",
    )
    .bind(after_id)
    .bind(site)
    .bind(PAGE)
    .fetch_all(pool)
    .await
    .ctx("reextract: read responses")?;
    rows.into_iter()
        .map(|r| {
            let hash: String = r.get(13);
            let body = unpack_blob(r.get::<&str, _>(10), r.get(11), r.get(12), &hash)?;
            let headers: Vec<(String, String)> =
                serde_json::from_str(r.get::<&str, _>(6)).unwrap_or_default();
            Ok(StoredResponse {
                document_id: r.get(0),
                response_id: r.get(1),
                site: r.get(2),
                url: r.get(3),
                final_url: r.get(4),
                status: r.get::<i64, _>(5) as u16,
                headers,
                fetched_at: r.get(7),
                body,
                charset: r.get(8),
                charset_source: r.get(9),
            })
        })
        .collect()
}

/// See [`Archive::reextract`].
pub(crate) async fn reextract<F>(
    archive: &Archive,
    site: Option<&str>,
    mut f: F,
) -> Result<ReextractReport>
where
    F: FnMut(&StoredResponse) -> Option<Extracted>,
{
    let mut report = ReextractReport::default();
    let mut after = 0;
    loop {
        let responses = page(&archive.read, after, site).await?;
        let Some(last) = responses.last() else { break };
        after = last.document_id;
        let mut work = Vec::with_capacity(responses.len());
        for r in &responses {
            report.examined += 1;
            match f(r) {
                Some(e) => {
                    let h = content_hash(&e);
                    let facts = report_facts(&e);
                    work.push((
                        r.document_id,
                        r.response_id,
                        r.url.clone(),
                        r.site.clone(),
                        e,
                        h,
                        facts,
                    ));
                }
                None => report.skipped += 1,
            }
        }
        if work.is_empty() {
            continue;
        }
        let changed = archive
            .writer
            .write(move |c| {
                Box::pin(async move {
                    let at = now();
                    let mut changed = 0u64;
                    for (_doc, response_id, url, site, e, h, facts) in &work {
                        let d = upsert_document(
                            c,
                            url,
                            site.as_deref(),
                            &at,
                            Some(*response_id),
                            e,
                            h,
                            facts,
                            "reextract",
                        )
                        .await?;
                        if d.change != Change::Unchanged {
                            changed += 1;
                        }
                    }
                    Ok(changed)
                })
            })
            .await?;
        report.changed += changed;
    }
    Ok(report)
}

impl Archive {
    /// Re-extract the documents of `site` with its current rule, through the one decode+extract
    /// path ([`crate::pipeline::extract_bytes`]): the stored raw body, its stored `Content-Type`
    /// header, the URL it was finally served from (for relative links) and the rule. New versions
    /// (and facts) only where the output changed. An extraction that comes out with no text, no
    /// table and no attachment is skipped, not stored: a rule that finds nothing must not replace
    /// a document.
    pub async fn reextract_site(&self, site: &crate::site::Site) -> Result<ReextractReport> {
        self.reextract(Some(&site.name), |r| {
            let e = crate::pipeline::extract_bytes(&r.body, r.header("content-type"), &r.final_url, Some(site));
            let empty = e.text.trim().is_empty() && e.tables.is_empty() && e.attachments.is_empty();
            (!empty).then_some(e)
        })
        .await
    }
}
