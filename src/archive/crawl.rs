//! Frontier operations the crawl engine needs as single transactional units: storing a fetch
//! result together with its frontier state (and the URLs it revealed), so that a crawl killed at
//! any point resumes without refetching finished work and without duplicates.

use std::collections::{HashMap, HashSet};

use sqlx::{Row, SqliteConnection};

use super::frontier;
use super::store::{self, PreparedFetch};
use super::types::{FetchRecord, FrontierItem, FrontierState, StoredCrawl};
use super::util::{canonical_url, now, Ctx};
use super::Archive;
use crate::error::Result;
use crate::extract::Extracted;

/// Bound parameters per statement.
const CHUNK: usize = 500;

impl Archive {
    /// Store one fetch (as [`Archive::store_fetch`]), set the frontier state of `record.url`, and
    /// enqueue `discovered` (the attachments a detail page links to), all in one transaction:
    /// either the result, the "done" mark and the new frontier rows are all committed, or none
    /// is. This is what makes a crawl killed with SIGKILL resume without refetching or
    /// duplicating anything it had finished.
    ///
    /// The discovered URLs new to the frontier are claimed for the caller in the same
    /// transaction and returned ([`StoredCrawl::claimed`]): no separate claim is needed to fetch
    /// a page's attachments, and a killed crawl hands them back like any claimed URL.
    pub async fn store_crawled(
        &self,
        record: FetchRecord,
        extracted: Option<Extracted>,
        state: FrontierState,
        error: Option<String>,
        discovered: Vec<FrontierItem>,
    ) -> Result<StoredCrawl> {
        let url = record.url.clone();
        let p = PreparedFetch::new(record, extracted);
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let at = now();
                    let (run, site) = (p.record.run_id, p.record.site.clone());
                    let (outcome, counters) = store::store_fetch_uncounted(c, p).await?;
                    let count = run.zip(site.as_deref()).map(|(r, s)| (r, s, counters.as_slice()));
                    let claimed =
                        frontier::complete_and_claim(c, &url, state, error.as_deref(), discovered, count, &at).await?;
                    Ok(StoredCrawl { outcome, claimed })
                })
            })
            .await
    }

    /// Put `site`'s frontier URLs that ended `failed` with fewer than `max_attempts` attempts
    /// back to pending, so a new run retries them. Returns how many.
    pub async fn requeue_failed(&self, site: &str, max_attempts: u32) -> Result<u64> {
        let site = site.to_string();
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let res = sqlx::query(
                        "UPDATE frontier SET state = 'pending', updated_at = ?
                         WHERE site = ? AND state = 'failed' AND attempts < ?",
                    )
                    .bind(now())
                    .bind(&site)
                    .bind(i64::from(max_attempts))
                    .execute(&mut *c)
                    .await
                    .ctx("requeue failed")?;
                    Ok(res.rows_affected())
                })
            })
            .await
    }

    /// Which of `urls` (returned as given) are *settled* for `site`: archived as documents, or in
    /// the frontier in a final state (done, gone, blocked, failed). Pending and in-progress URLs
    /// are not settled: a list page holding only those must still be paged past (a killed run
    /// may not have walked the rest of the list).
    pub async fn settled_urls(&self, site: &str, urls: &[String]) -> Result<HashSet<String>> {
        let mut by_canon: HashMap<String, Vec<&String>> = HashMap::new();
        for u in urls {
            by_canon.entry(canonical_url(u)).or_default().push(u);
        }
        let canon: Vec<&String> = by_canon.keys().collect();
        let mut out = HashSet::new();
        for chunk in canon.chunks(CHUNK) {
            let marks = vec!["?"; chunk.len()].join(",");
            let sql = format!(
                "SELECT url FROM frontier WHERE site = ? AND state NOT IN ('pending', 'in_progress') AND url IN ({marks})
                 UNION SELECT url FROM documents WHERE url IN ({marks})"
            );
            let mut q = sqlx::query(&sql).bind(site);
            for u in chunk.iter().chain(chunk.iter()) {
                q = q.bind(u.as_str());
            }
            for row in q.fetch_all(&self.read).await.ctx("settled urls")? {
                let u: String = row.get(0);
                if let Some(originals) = by_canon.get(&u) {
                    out.extend(originals.iter().map(|s| (*s).clone()));
                }
            }
        }
        Ok(out)
    }

    /// Mark `running` runs whose sites are all among `sites` as `interrupted`: their process died
    /// (the caller crawls those sites now, holding their locks, so no live process runs them).
    /// Returns how many.
    pub async fn interrupt_runs_of(&self, sites: &[String]) -> Result<u64> {
        let sites = serde_json::to_string(sites).expect("strings serialise");
        self.writer
            .write(move |c| {
                Box::pin(async move {
                    let res = sqlx::query(
                        "UPDATE runs SET outcome = 'interrupted', finished_at = ?1
                         WHERE outcome = 'running' AND json_valid(sites)
                           AND NOT EXISTS (SELECT 1 FROM json_each(runs.sites) AS s
                                           WHERE s.value NOT IN (SELECT value FROM json_each(?2)))",
                    )
                    .bind(now())
                    .bind(&sites)
                    .execute(&mut *c)
                    .await
                    .ctx("interrupt runs")?;
                    Ok(res.rows_affected())
                })
            })
            .await
    }

    /// Enqueue `items` and make those already in the frontier in a final state pending again
    /// (a `--full` crawl refetches every listed document). Returns (new, requeued).
    pub async fn enqueue_or_requeue(&self, items: Vec<FrontierItem>) -> Result<(u64, u64)> {
        self.writer
            .write(move |c| Box::pin(async move { enqueue_or_requeue(c, items).await }))
            .await
    }
}

async fn enqueue_or_requeue(c: &mut SqliteConnection, items: Vec<FrontierItem>) -> Result<(u64, u64)> {
    let at = now();
    let urls: Vec<String> = items.iter().map(|i| i.url.clone()).collect();
    let added = frontier::enqueue(c, items, &at).await?;
    let requeued = frontier::requeue_where(c, urls, &at, "state NOT IN ('pending', 'in_progress')").await?;
    Ok((added, requeued))
}
