//! Archive: full-text search (FTS5 trigram, LIKE fallback) and re-extraction.

mod archive_common;

use archive_common::{detail_fetch, gbk, report, temp_archive};
use nianbao::archive::{Archive, HIT_END, HIT_START};
use nianbao::extract::Extracted;

async fn seeded() -> (tempfile::TempDir, Archive, Vec<Extracted>) {
    let (d, a) = temp_archive().await;
    let mut docs = Vec::new();
    for (site, i) in [("pingtan", 1), ("pingtan", 2), ("lishui", 3)] {
        let mut e = report(site, i, 2023);
        if i == 2 {
            e.title = "平潭县关于行政复议情况的通报".into();
            e.text = format!("行政复议案件三件。{}", e.text);
        }
        a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone()))
            .await
            .unwrap();
        docs.push(e);
    }
    (d, a, docs)
}

#[tokio::test]
async fn fts_hits_are_ranked_with_marked_snippets_and_site_filter() {
    let (_d, a, docs) = seeded().await;
    let hits = a.search("行政复议", 10, None).await.unwrap();
    assert_eq!(hits.len(), 3, "every report has section 四 (行政复议)");
    // The document with the term in its title ranks first (title weighs more).
    assert_eq!(hits[0].url, docs[1].url);
    assert!(hits.windows(2).all(|w| w[0].rank <= w[1].rank));
    assert!(
        hits[0]
            .snippet
            .contains(&format!("{HIT_START}行政复议{HIT_END}")),
        "{}",
        hits[0].snippet
    );
    assert_eq!(hits[0].published_at, docs[1].published_at);
    assert_eq!(hits[0].site.as_deref(), Some("pingtan"));

    let only = a.search("行政复议", 10, Some("lishui")).await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].url, docs[2].url);
    assert_eq!(a.search("行政复议", 1, None).await.unwrap().len(), 1);
    // Several terms are ANDed.
    assert_eq!(
        a.search("行政复议 案件三件", 10, None).await.unwrap().len(),
        1
    );
    assert!(a.search("不存在的词语", 10, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn short_queries_fall_back_to_like_with_a_computed_snippet() {
    let (_d, a, docs) = seeded().await;
    // Two characters: below the trigram minimum.
    let hits = a.search("复议", 10, None).await.unwrap();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0].url, docs[1].url, "title matches first");
    assert!(
        hits.iter()
            .all(|h| h.snippet.contains(&format!("{HIT_START}复议{HIT_END}"))),
        "{hits:?}"
    );
    // One character, with a site filter.
    assert_eq!(a.search("县", 10, Some("lishui")).await.unwrap().len(), 1);
    // LIKE wildcards are literal.
    assert!(a.search("%%", 10, None).await.unwrap().is_empty());
    assert_eq!(
        a.search("%", 10, None).await.unwrap().len(),
        3,
        "the reports say 按时回复率100%"
    );
    assert!(a.search("_", 10, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn fts_syntax_in_user_queries_is_harmless() {
    let (_d, a, _docs) = seeded().await;
    for q in [
        "\"行政复议",
        "行政复议 OR",
        "AND 行政复议",
        "title:行政",
        "行政*",
        "NEAR(行政 复议)",
        "(((",
        "\"\"\"",
        "  ",
    ] {
        let r = a.search(q, 10, None).await;
        assert!(r.is_ok(), "{q}: {r:?}");
    }
    // Quotes are literal text, so this finds nothing rather than failing.
    assert!(a.search("\"行政复议\"", 10, None).await.unwrap().is_empty());
}

#[tokio::test]
async fn reextract_makes_versions_only_where_the_output_changed() {
    let (_d, a, docs) = seeded().await;
    // The new "rules": fix the title of one document, leave the others as they were.
    let report = a
        .reextract(None, |r| {
            let html = encoding_rs::GBK.decode(&r.body).0.into_owned();
            assert!(
                html.contains("TRS_Editor"),
                "the closure gets the raw stored body"
            );
            assert_eq!(r.header("content-type"), Some("text/html"));
            let mut e = docs.iter().find(|d| d.url == r.url).unwrap().clone();
            if r.url == docs[0].url {
                e.title = e.title.replace("(第1号)", "");
            }
            Some(e)
        })
        .await
        .unwrap();
    assert_eq!((report.examined, report.changed, report.skipped), (3, 1, 0));
    let d0 = a.document(&docs[0].url).await.unwrap().unwrap();
    let v = a.versions(d0.id).await.unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[1].source, "reextract");
    assert!(!v[1].title.contains("第1号"));
    assert_eq!(v[1].response_id, v[0].response_id);
    for d in &docs[1..] {
        let doc = a.document(&d.url).await.unwrap().unwrap();
        assert_eq!(a.versions(doc.id).await.unwrap().len(), 1);
    }
    // Running the same rules again changes nothing; a site filter limits the work.
    let again = a
        .reextract(Some("pingtan"), |r| {
            docs.iter().find(|d| d.url == r.url).cloned()
        })
        .await
        .unwrap();
    assert_eq!(
        (again.examined, again.changed),
        (2, 1),
        "doc 0 goes back to its old title"
    );
    let skip = a.reextract(Some("lishui"), |_| None).await.unwrap();
    assert_eq!((skip.examined, skip.changed, skip.skipped), (1, 0, 1));
    assert!(a.check_integrity().await.unwrap().is_empty());
}

#[tokio::test]
async fn reextract_uses_the_latest_ok_detail_response() {
    let (_d, a) = temp_archive().await;
    let e = report("pingtan", 5, 2023);
    a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone()))
        .await
        .unwrap();
    // A newer fetch with different bytes but the same extraction: no version, but it is the one
    // re-extraction reads.
    let mut newer = detail_fetch(&e, 2, None);
    newer.body = gbk("<html><body>newest bytes 年报</body></html>");
    a.store_fetch(newer, Some(e.clone())).await.unwrap();
    let mut seen = Vec::new();
    a.reextract(None, |r| {
        seen.push(
            String::from_utf8_lossy(&encoding_rs::GBK.decode(&r.body).0.into_owned().into_bytes())
                .into_owned(),
        );
        None
    })
    .await
    .unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains("newest bytes"));
}

/// Versions stored at once share one writer batch, where the search index is updated in one go
/// at the end: a version indexed and replaced within the same batch must leave the index exactly
/// as if each had been stored alone (only the current version is found, the FTS index agrees
/// with its content table).
#[tokio::test]
async fn versions_replaced_within_one_batch_leave_only_the_current_one_searchable() {
    let (_d, a) = temp_archive().await;
    let base = report("pingtan", 7, 2022);
    let marks: Vec<String> = (0..24).map(|k| format!("批次版本标记{k:02}号")).collect();
    let mut tasks = Vec::new();
    for (k, mark) in marks.iter().enumerate() {
        let (a, mut e) = (a.clone(), base.clone());
        e.text = format!("{mark}。{}", e.text);
        tasks.push(tokio::spawn(async move {
            a.store_fetch(detail_fetch(&e, k as u64, None), Some(e)).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(a.check_integrity().await.unwrap(), Vec::<String>::new());
    let found: Vec<&String> = {
        let mut found = Vec::new();
        for m in &marks {
            if !a.search(m, 5, None).await.unwrap().is_empty() {
                found.push(m);
            }
        }
        found
    };
    assert_eq!(found.len(), 1, "exactly the current version is searchable: {found:?}");
    let current: String = sqlx::query_scalar(
        "SELECT v.text FROM documents d JOIN versions v ON v.id = d.current_version",
    )
    .fetch_one(a.reader())
    .await
    .unwrap();
    assert!(current.starts_with(found[0].as_str()), "{found:?} vs {}", &current[..40]);
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM versions").fetch_one(a.reader()).await.unwrap();
    assert_eq!(versions, 24);
}
