//! Archive: responses, blobs, documents, versions, tables, attachments, takedowns.

mod archive_common;

use archive_common::{detail_fetch, gbk, html, report, temp_archive};
use chrono::{Duration, Utc};
use nianbao::archive::{Archive, Change, EventKind, FetchKind, FetchOutcome, FetchRecord};
use sqlx::Row;

async fn count(a: &Archive, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(a.reader()).await.unwrap().get(0)
}

#[tokio::test]
async fn open_sets_wal_foreign_keys_and_creates_parent_dir() {
    let (dir, a) = temp_archive().await;
    assert!(dir.path().join("db").join("nianbao.db").exists());
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(a.reader())
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys")
        .fetch_one(a.reader())
        .await
        .unwrap()
        .get(0);
    assert_eq!(fk, 1);
    // Re-opening applies no migration twice and keeps data.
    let e = report("pingtan", 1, 2023);
    a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone()))
        .await
        .unwrap();
    let path = a.path().to_path_buf();
    a.close().await.unwrap();
    let a = Archive::open(&path).await.unwrap();
    assert_eq!(count(&a, "SELECT count(*) FROM documents").await, 1);
    // One row per migration file shipped (archive, facts, site runs, facts index, …).
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|f| f.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count() as i64;
    assert_eq!(count(&a, "SELECT count(*) FROM _sqlx_migrations").await, shipped);
}

#[tokio::test]
async fn bundled_sqlite_has_fts5_trigram() {
    let (_d, a) = temp_archive().await;
    let tok: String = sqlx::query("SELECT sql FROM sqlite_master WHERE name = 'search_index'")
        .fetch_one(a.reader())
        .await
        .unwrap()
        .get(0);
    assert!(tok.contains("trigram"), "{tok}");
    let e = report("pingtan", 7, 2023);
    a.store_fetch(detail_fetch(&e, 1, None), Some(e))
        .await
        .unwrap();
    // A substring inside a word: only a trigram (not a unicode61) index finds it.
    let hits = a.search("依申请公开", 10, None).await.unwrap();
    assert_eq!(hits.len(), 1);
}

#[tokio::test]
async fn a_detail_fetch_stores_response_blob_document_version_tables_and_attachments() {
    let (_d, a) = temp_archive().await;
    let e = report("pingtan", 3, 2023);
    let rec = detail_fetch(&e, 10, None);
    let raw = rec.body.clone();
    let out = a.store_fetch(rec, Some(e.clone())).await.unwrap();
    let d = out.document.unwrap();
    assert_eq!(d.change, Change::New);

    // The raw GBK bytes come back exactly.
    assert_eq!(
        a.response_body(out.response_id).await.unwrap().unwrap(),
        raw
    );
    let row = sqlx::query("SELECT status, charset, charset_source, headers, kind, outcome FROM responses WHERE id = ?")
        .bind(out.response_id)
        .fetch_one(a.reader())
        .await
        .unwrap();
    assert_eq!(row.get::<i64, _>(0), 200);
    assert_eq!(row.get::<String, _>(1), "gb18030");
    assert_eq!(row.get::<String, _>(2), "meta");
    assert!(row.get::<String, _>(3).contains("\"Server\",\"TRS\""));
    assert_eq!(row.get::<String, _>(4), "detail");
    assert_eq!(row.get::<String, _>(5), "ok");
    // Compressed on disk.
    let stored: i64 = count(&a, "SELECT length(data) FROM blobs").await;
    assert!(
        (stored as usize) < raw.len() / 2,
        "{stored} vs {}",
        raw.len()
    );

    let doc = a.document(&e.url).await.unwrap().unwrap();
    assert_eq!(doc.id, d.document_id);
    assert_eq!(doc.site.as_deref(), Some("pingtan"));
    assert_eq!(doc.current_version, Some(d.version_id));
    let v = a.versions(doc.id).await.unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].title, e.title);
    assert_eq!(v[0].text, e.text);
    assert_eq!(v[0].report_year, Some(2023));
    assert_eq!(a.tables(d.version_id).await.unwrap(), e.tables);
    let att = a.attachments(doc.id).await.unwrap();
    assert_eq!(att.len(), 1);
    assert_eq!(att[0].name, e.attachments[0].name);
    assert_eq!(att[0].ext.as_deref(), Some("pdf"));
    assert_eq!(att[0].blob_hash, None);
}

#[tokio::test]
async fn same_content_is_unchanged_changed_content_makes_a_version_and_keeps_both() {
    let (_d, a) = temp_archive().await;
    let e = report("pingtan", 4, 2023);
    let mut r1 = detail_fetch(&e, 10, None);
    r1.fetched_at = Utc::now() - Duration::days(2);
    let first = a
        .store_fetch(r1, Some(e.clone()))
        .await
        .unwrap()
        .document
        .unwrap();

    // Different raw bytes (view counter) but the same extraction: no new version.
    let mut r2 = detail_fetch(&e, 11, None);
    r2.fetched_at = Utc::now() - Duration::days(1);
    let second = a
        .store_fetch(r2, Some(e.clone()))
        .await
        .unwrap()
        .document
        .unwrap();
    assert_eq!(second.change, Change::Unchanged);
    assert_eq!(second.version_id, first.version_id);
    assert_eq!(count(&a, "SELECT count(*) FROM responses").await, 2);
    assert_eq!(count(&a, "SELECT count(*) FROM blobs").await, 2);
    let doc = a.document(&e.url).await.unwrap().unwrap();
    assert!(doc.last_seen > doc.first_seen);

    // A corrected table cell is a change.
    let mut e2 = e.clone();
    e2.tables[0][1][1] = "99999".into();
    e2.text.push_str("更正说明:修订了申请数量。");
    let third = a
        .store_fetch(detail_fetch(&e2, 12, None), Some(e2.clone()))
        .await
        .unwrap()
        .document
        .unwrap();
    assert_eq!(third.change, Change::Changed);
    let versions = a.versions(doc.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.seq).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(versions[0].text, e.text);
    assert_eq!(versions[1].text, e2.text);
    assert_eq!(a.tables(versions[0].id).await.unwrap(), e.tables);
    assert_eq!(a.tables(versions[1].id).await.unwrap(), e2.tables);
    // Search sees only the current version.
    assert_eq!(a.search("更正说明", 5, None).await.unwrap().len(), 1);
    let mut e3 = e.clone();
    e3.text = "全新正文".repeat(3);
    a.store_fetch(detail_fetch(&e3, 13, None), Some(e3))
        .await
        .unwrap();
    assert!(a.search("更正说明", 5, None).await.unwrap().is_empty());
    assert!(a.check_integrity().await.unwrap().is_empty());
}

#[tokio::test]
async fn identical_bodies_are_stored_once() {
    let (_d, a) = temp_archive().await;
    let e = report("lianjiang", 5, 2022);
    for _ in 0..3 {
        a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone()))
            .await
            .unwrap();
    }
    assert_eq!(count(&a, "SELECT count(*) FROM responses").await, 3);
    assert_eq!(count(&a, "SELECT count(*) FROM blobs").await, 1);
    assert_eq!(
        count(&a, "SELECT count(DISTINCT body_hash) FROM responses").await,
        1
    );
}

#[tokio::test]
async fn blocked_fetches_are_responses_never_documents() {
    let (_d, a) = temp_archive().await;
    let run = a.start_run(&["pingtan".to_string()]).await.unwrap();
    let e = report("pingtan", 6, 2023);
    let mut r = FetchRecord::new(
        e.url.clone(),
        FetchKind::Detail,
        412,
        b"<script>$_ts=window['$_ts'];</script>".to_vec(),
    );
    r.outcome = FetchOutcome::Blocked;
    r.site = Some("pingtan".into());
    r.run_id = Some(run);
    // Even if a caller passes an extraction, a blocked page is not archived as a document.
    let out = a.store_fetch(r, Some(e.clone())).await.unwrap();
    assert!(out.document.is_none());
    assert!(a.document(&e.url).await.unwrap().is_none());
    let outcome: String = sqlx::query("SELECT outcome FROM responses WHERE id = ?")
        .bind(out.response_id)
        .fetch_one(a.reader())
        .await
        .unwrap()
        .get(0);
    assert_eq!(outcome, "blocked");
    let s = a.run_summary(run).await.unwrap().unwrap();
    assert_eq!(s.sites[0].1.blocked, 1);
    assert_eq!(s.sites[0].1.fetched, 1);
}

#[tokio::test]
async fn gone_documents_are_marked_not_deleted_and_come_back_with_history() {
    let (_d, a) = temp_archive().await;
    let e = report("pingtan", 8, 2021);
    a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone()))
        .await
        .unwrap();

    let mut gone = FetchRecord::new(e.url.clone(), FetchKind::Detail, 404, b"Not Found".to_vec());
    gone.outcome = FetchOutcome::Gone;
    let seen = Utc::now();
    gone.fetched_at = seen;
    let out = a.store_fetch(gone, None).await.unwrap();
    let doc = a.document(&e.url).await.unwrap().unwrap();
    assert_eq!(out.taken_down, Some(doc.id));
    assert_eq!(doc.taken_down_reason.as_deref(), Some("gone"));
    assert!(doc
        .taken_down_at
        .as_deref()
        .unwrap()
        .starts_with(&seen.format("%Y-%m-%dT%H:%M").to_string()));
    // Still searchable and its versions intact.
    assert_eq!(a.versions(doc.id).await.unwrap().len(), 1);
    let hits = a.search("政府信息公开", 5, None).await.unwrap();
    assert!(hits[0].taken_down);
    // Marking again is a no-op.
    assert_eq!(
        a.mark_gone(&e.url, Some(410), "410 Gone", Utc::now(), None)
            .await
            .unwrap(),
        None
    );

    // It comes back.
    let back = a
        .store_fetch(detail_fetch(&e, 2, None), Some(e.clone()))
        .await
        .unwrap()
        .document
        .unwrap();
    assert!(back.revived);
    assert_eq!(back.change, Change::Unchanged);
    let doc = a.document(&e.url).await.unwrap().unwrap();
    assert_eq!(doc.taken_down_at, None);
    let events = a.events(doc.id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.event).collect::<Vec<_>>(),
        vec![EventKind::Gone, EventKind::Back]
    );
    assert_eq!(events[0].status, Some(404));
}

#[tokio::test]
async fn documents_missing_from_a_fully_paged_list_are_taken_down_and_can_return() {
    let (_d, a) = temp_archive().await;
    let list = "https://www.pingtan.gov.cn/zwgk/zfxxgknb/";
    let docs: Vec<_> = (0..3).map(|i| report("pingtan", 20 + i, 2020)).collect();
    for e in &docs {
        a.store_fetch(detail_fetch(e, 1, None), Some(e.clone()))
            .await
            .unwrap();
    }
    let urls: Vec<String> = docs.iter().map(|e| e.url.clone()).collect();
    let c = a
        .mark_missing_from_list("pingtan", list, urls.clone(), Utc::now(), None)
        .await
        .unwrap();
    assert_eq!((c.missing, c.back), (0, 0));

    let run = a.start_run(&["pingtan".to_string()]).await.unwrap();
    let without_second = vec![urls[0].clone(), urls[2].clone()];
    let c = a
        .mark_missing_from_list("pingtan", list, without_second, Utc::now(), Some(run))
        .await
        .unwrap();
    assert_eq!(c.missing, 1);
    let d1 = a.document(&urls[1]).await.unwrap().unwrap();
    assert_eq!(d1.taken_down_reason.as_deref(), Some("missing_from_list"));
    assert!(a
        .document(&urls[0])
        .await
        .unwrap()
        .unwrap()
        .taken_down_at
        .is_none());
    assert_eq!(
        a.run_summary(run).await.unwrap().unwrap().sites[0]
            .1
            .taken_down,
        1
    );

    let c = a
        .mark_missing_from_list("pingtan", list, urls.clone(), Utc::now(), None)
        .await
        .unwrap();
    assert_eq!((c.missing, c.back), (0, 1));
    let d1 = a.document(&urls[1]).await.unwrap().unwrap();
    assert!(d1.taken_down_at.is_none());
    let ev = a.events(d1.id).await.unwrap();
    assert_eq!(
        ev.iter().map(|e| e.event).collect::<Vec<_>>(),
        vec![EventKind::MissingFromList, EventKind::Back]
    );
    assert_eq!(ev[0].list_url.as_deref(), Some(list));
}

#[tokio::test]
async fn attachments_link_to_their_download_in_either_order() {
    let (_d, a) = temp_archive().await;
    let pdf = b"%PDF-1.4\n% \xe2\xe3\xcf\xd3 annual report\n".repeat(20);
    // Order 1: document first, then the file.
    let e = report("pingtan", 30, 2023);
    let doc = a
        .store_fetch(detail_fetch(&e, 1, None), Some(e.clone()))
        .await
        .unwrap()
        .document
        .unwrap();
    let mut f = FetchRecord::new(
        e.attachments[0].url.clone(),
        FetchKind::Attachment,
        200,
        pdf.clone(),
    );
    f.headers = vec![("Content-Type".into(), "application/pdf".into())];
    let out = a.store_fetch(f, None).await.unwrap();
    assert_eq!(out.attachments_linked, 1);
    let att = &a.attachments(doc.document_id).await.unwrap()[0];
    assert_eq!(att.size, Some(pdf.len() as u64));
    assert_eq!(att.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        a.blob(att.blob_hash.as_deref().unwrap())
            .await
            .unwrap()
            .unwrap(),
        pdf
    );

    // Order 2: a Hanweb download link fetched before the page; the type comes from the header.
    let mut e2 = report("lishui", 31, 2023);
    e2.attachments[0].url =
        "http://www.lishui.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.pdf".into();
    e2.attachments[0].name = "附件:2023年报".into();
    let docx = b"PK\x03\x04 docx bytes".to_vec();
    let mut f = FetchRecord::new(
        e2.attachments[0].url.clone(),
        FetchKind::Attachment,
        200,
        docx.clone(),
    );
    f.headers = vec![(
        "Content-Disposition".into(),
        "attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.docx".into(),
    )];
    assert_eq!(a.store_fetch(f, None).await.unwrap().attachments_linked, 0);
    let doc2 = a
        .store_fetch(detail_fetch(&e2, 1, None), Some(e2.clone()))
        .await
        .unwrap()
        .document
        .unwrap();
    let att = &a.attachments(doc2.document_id).await.unwrap()[0];
    assert_eq!(att.size, Some(docx.len() as u64));
    assert!(att.blob_hash.is_some());
    assert_eq!(att.ext.as_deref(), Some("docx"));
}

#[tokio::test]
async fn concurrent_writers_are_serialised_without_losing_anything() {
    let (_d, a) = temp_archive().await;
    let mut tasks = Vec::new();
    for t in 0..8u64 {
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25u64 {
                let e = report("minhou", t * 100 + i, 2019 + (i % 5) as i32);
                let d = a
                    .store_fetch(detail_fetch(&e, i, None), Some(e))
                    .await
                    .unwrap();
                assert_eq!(d.document.unwrap().change, Change::New);
            }
        }));
    }
    // A failing unit in the middle of the batches leaves the others alone.
    assert!(a.finish_run(424242, None).await.is_err());
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(count(&a, "SELECT count(*) FROM documents").await, 200);
    assert_eq!(count(&a, "SELECT count(*) FROM versions").await, 200);
    assert_eq!(count(&a, "SELECT count(*) FROM doc_tables").await, 200);
    assert!(a.check_integrity().await.unwrap().is_empty());
}

#[tokio::test]
async fn gbk_helper_produces_real_gbk_bytes() {
    // Guard for the fixtures above: the bodies really are GBK, not UTF-8.
    let e = report("pingtan", 1, 2023);
    let bytes = gbk(&html(&e, 1));
    assert!(std::str::from_utf8(&bytes).is_err());
    let (back, _, errors) = encoding_rs::GBK.decode(&bytes);
    assert!(!errors);
    assert!(back.contains("政府信息公开工作年度报告"));
}

#[tokio::test]
async fn a_failing_unit_leaves_nothing_behind() {
    let (_d, a) = temp_archive().await;
    let e = report("pingtan", 40, 2023);
    // The blob is written first, then the response fails its foreign key (no run 999): the
    // whole unit is rolled back, the blob included.
    let err = a.store_fetch(detail_fetch(&e, 1, Some(999)), Some(e.clone())).await.unwrap_err();
    assert!(err.to_string().contains("insert response"), "{err}");
    assert_eq!(count(&a, "SELECT count(*) FROM blobs").await, 0);
    assert_eq!(count(&a, "SELECT count(*) FROM responses").await, 0);
    // The writer goes on.
    a.store_fetch(detail_fetch(&e, 1, None), Some(e)).await.unwrap();
    assert_eq!(count(&a, "SELECT count(*) FROM blobs").await, 1);
}
