//! Full-text search over the current version of every document.
//!
//! FTS5 with the trigram tokenizer matches any substring of 3 or more characters, which suits
//! Chinese (no word segmentation needed). Shorter terms cannot use the trigram index: for them the
//! search falls back to `LIKE` and computes the snippet itself.

use sqlx::{Row, SqlitePool};

use super::types::Hit;
use super::util::Ctx;
use crate::error::Result;

/// Marks the start of a matched span in [`Hit::snippet`].
pub const HIT_START: &str = "«";
/// Marks the end of a matched span in [`Hit::snippet`].
pub const HIT_END: &str = "»";

/// Characters of context on each side of a match in LIKE-fallback snippets.
const CONTEXT: usize = 30;

/// The terms of a user query: whitespace-separated, empty ones dropped.
fn terms(query: &str) -> Vec<&str> {
    query.split_whitespace().collect()
}

/// An FTS5 MATCH expression that treats every term as a literal phrase (no FTS syntax leaks
/// through: quotes are doubled, operators and column filters are just text), terms ANDed.
pub(crate) fn fts_expression(terms: &[&str]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A LIKE pattern matching `term` anywhere, with `%`, `_` and `\` escaped (ESCAPE '\').
pub(crate) fn like_pattern(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for ch in term.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// Search the archive. `site` restricts to one site. Hits come best first.
pub(crate) async fn search(
    pool: &SqlitePool,
    query: &str,
    limit: u32,
    site: Option<&str>,
) -> Result<Vec<Hit>> {
    let terms = terms(query);
    if terms.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    if terms.iter().all(|t| t.chars().count() >= 3) {
        fts_search(pool, &terms, limit, site).await
    } else {
        like_search(pool, &terms, limit, site).await
    }
}

async fn fts_search(
    pool: &SqlitePool,
    terms: &[&str],
    limit: u32,
    site: Option<&str>,
) -> Result<Vec<Hit>> {
    let rows = sqlx::query(
        "SELECT d.id, d.site, d.url, v.title, v.published_at,
                snippet(search_index, 1, ?1, ?2, '…', 32) AS snip,
                search_index.rank, d.taken_down_at IS NOT NULL AS down
         FROM search_index
         JOIN versions v ON v.id = search_index.rowid
         JOIN documents d ON d.id = v.document_id AND d.current_version = v.id
         WHERE search_index MATCH ?3 AND (?4 IS NULL OR d.site = ?4)
         ORDER BY search_index.rank LIMIT ?5",
    )
    .bind(HIT_START)
    .bind(HIT_END)
    .bind(fts_expression(terms))
    .bind(site)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .ctx("search")?;
    Ok(rows
        .iter()
        .map(|r| Hit {
            document_id: r.get(0),
            site: r.get(1),
            url: r.get(2),
            title: r.get(3),
            published_at: r.get(4),
            snippet: r.get(5),
            rank: r.get(6),
            taken_down: r.get(7),
        })
        .collect())
}

async fn like_search(
    pool: &SqlitePool,
    terms: &[&str],
    limit: u32,
    site: Option<&str>,
) -> Result<Vec<Hit>> {
    // The scan picks the best `limit` ids first; only their texts are then read for snippets
    // (sorting every matching row with its text made a common term take seconds at 100,000).
    let mut sql = String::from(
        "SELECT d.id, d.site, d.url, v.title, v.published_at, v.text, d.taken_down_at IS NOT NULL
         FROM (SELECT d.id AS did, v.id AS vid, v.title LIKE ?1 ESCAPE '\\' AS in_title,
                      v.published_at AS published
               FROM documents d JOIN versions v ON v.id = d.current_version
               WHERE (?2 IS NULL OR d.site = ?2)",
    );
    for i in 0..terms.len() {
        let n = i + 4;
        sql.push_str(&format!(
            " AND (v.title LIKE ?{n} ESCAPE '\\' OR v.text LIKE ?{n} ESCAPE '\\')"
        ));
    }
    sql.push_str(
        " ORDER BY in_title DESC, published DESC, did DESC LIMIT ?3) AS top
         JOIN documents d ON d.id = top.did JOIN versions v ON v.id = top.vid
         ORDER BY top.in_title DESC, top.published DESC, top.did DESC",
    );
    let patterns: Vec<String> = terms.iter().map(|t| like_pattern(t)).collect();
    let mut q = sqlx::query(&sql)
        .bind(&patterns[0])
        .bind(site)
        .bind(i64::from(limit));
    for p in &patterns {
        q = q.bind(p);
    }
    let rows = q.fetch_all(pool).await.ctx("search (LIKE)")?;
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let text: String = r.get(5);
            Hit {
                document_id: r.get(0),
                site: r.get(1),
                url: r.get(2),
                title: r.get(3),
                published_at: r.get(4),
                snippet: snippet_around(&text, terms, CONTEXT),
                rank: i as f64,
                taken_down: r.get(6),
            }
        })
        .collect())
}

/// A snippet around the first occurrence of any term in `text`, the match marked, `…` where
/// text was cut. Without an occurrence (the match was in the title), the start of the text.
pub(crate) fn snippet_around(text: &str, terms: &[&str], context: usize) -> String {
    let lower = text.to_lowercase();
    let same_len = lower.len() == text.len();
    let hit = terms
        .iter()
        .filter_map(|t| {
            let pos = if same_len {
                lower.find(&t.to_lowercase())
            } else {
                text.find(t)
            };
            pos.map(|p| (p, p + t.len()))
        })
        .min();
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let Some((start, end)) = hit else {
        let head: String = text.chars().take(context * 2).collect();
        let more = text.chars().nth(context * 2).is_some();
        return flat(&head) + if more { "…" } else { "" };
    };
    let before: Vec<char> = text[..start].chars().collect();
    let after: Vec<char> = text[end..].chars().collect();
    let b0 = before.len().saturating_sub(context);
    let a1 = after.len().min(context);
    let mut s = String::new();
    if b0 > 0 {
        s.push('…');
    }
    s.push_str(&flat(&before[b0..].iter().collect::<String>()));
    s.push_str(HIT_START);
    s.push_str(&text[start..end]);
    s.push_str(HIT_END);
    s.push_str(&flat(&after[..a1].iter().collect::<String>()));
    if a1 < after.len() {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_expression_neutralises_syntax() {
        assert_eq!(fts_expression(&["年度报告"]), "\"年度报告\"");
        assert_eq!(
            fts_expression(&["a\"b", "OR", "title:x*"]),
            "\"a\"\"b\" \"OR\" \"title:x*\""
        );
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("100%_\\"), "%100\\%\\_\\\\%");
    }

    #[test]
    fn snippet_marks_the_match_and_cuts_long_text() {
        let text = format!("{}依申请公开{}", "前".repeat(50), "后".repeat(50));
        let s = snippet_around(&text, &["申请"], 5);
        assert_eq!(s, "…前前前前依«申请»公开后后后…");
        let s = snippet_around("短文本", &["不存在"], 5);
        assert_eq!(s, "短文本");
    }
}
