//! Facts in the archive: computed with every stored version of an annual report (same
//! transaction), replaced on a new version, removed when a version no longer qualifies,
//! recomputed on reextract; the migrated schema matches `facts::FACTS_SCHEMA_SQL`.

mod archive_common;

use archive_common::{detail_fetch, report, temp_archive};
use nianbao::archive::Archive;
use nianbao::facts::{facts_from_report, is_annual_report, FactTable, FACTS_SCHEMA_SQL};
use sqlx::{Connection, Row, SqliteConnection};

/// (row_key, column_key, value) of a document's facts, sorted.
async fn facts_of(a: &Archive, doc: i64) -> Vec<(String, String, Option<f64>)> {
    sqlx::query("SELECT row_key, column_key, value FROM facts WHERE document_id = ? ORDER BY row_key, column_key")
        .bind(doc)
        .fetch_all(a.reader())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

async fn count(a: &Archive, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(a.reader()).await.unwrap().get(0)
}

#[test]
fn only_titled_reports_with_a_year_qualify() {
    assert!(is_annual_report("平潭县2023年政府信息公开工作年度报告", Some(2023)));
    assert!(is_annual_report("东丰县2014年信息公开年报", Some(2014)));
    assert!(is_annual_report("2022年政务公开工作报告", Some(2022)));
    assert!(!is_annual_report("平潭县2023年政府信息公开工作年度报告", None));
    assert!(!is_annual_report("关于印发2023年政务公开工作要点的通知", Some(2023)));
}

#[tokio::test]
async fn storing_a_report_stores_its_facts_with_the_version() {
    let (_d, a) = temp_archive().await;
    let e = report("pingtan", 1, 2023);
    let expected = facts_from_report(&e.tables, &e.text, e.report_year);
    let total = expected.value(FactTable::Requests, "new_requests", "total").expect("fixture table is recognised");
    let out = a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone())).await.unwrap();
    let doc = out.document.unwrap().document_id;
    let stored = facts_of(&a, doc).await;
    assert_eq!(stored.len(), expected.facts.len());
    assert!(stored.contains(&("new_requests".into(), "total".into(), Some(total))));
    let (year, tbl, src_table): (Option<i64>, String, Option<i64>) = {
        let r = sqlx::query("SELECT report_year, tbl, src_table FROM facts WHERE document_id = ? AND row_key = 'new_requests' AND column_key = 'total'")
            .bind(doc)
            .fetch_one(a.reader())
            .await
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!((year, tbl.as_str(), src_table), (Some(2023), "requests", Some(0)));
    // The fixture's totals add up: no failed checks.
    assert_eq!(count(&a, "SELECT count(*) FROM fact_checks").await, 0);
}

#[tokio::test]
async fn a_document_that_is_not_a_report_gets_no_facts() {
    let (_d, a) = temp_archive().await;
    let mut e = report("pingtan", 2, 2023);
    e.title = "关于2023年政务公开工作要点的通知".into();
    a.store_fetch(detail_fetch(&e, 1, None), Some(e)).await.unwrap();
    let mut e = report("pingtan", 3, 2023);
    e.report_year = None;
    a.store_fetch(detail_fetch(&e, 1, None), Some(e)).await.unwrap();
    assert_eq!(count(&a, "SELECT count(*) FROM documents").await, 2);
    assert_eq!(count(&a, "SELECT count(*) FROM facts").await, 0);
}

#[tokio::test]
async fn a_new_version_replaces_the_facts_and_failed_checks_are_stored() {
    let (_d, a) = temp_archive().await;
    let e = report("pingtan", 4, 2023);
    let doc = a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone())).await.unwrap().document.unwrap().document_id;
    let before = facts_of(&a, doc).await;
    // The site corrects a figure but not the total: a new version, new facts, a failed check.
    let mut e2 = e.clone();
    e2.tables[0][1][1] = "999".into();
    let d = a.store_fetch(detail_fetch(&e2, 2, None), Some(e2)).await.unwrap().document.unwrap();
    assert_eq!(d.document_id, doc);
    let after = facts_of(&a, doc).await;
    assert_eq!(after.len(), before.len(), "rows replaced, not added");
    assert!(after.contains(&("new_requests".into(), "natural_person".into(), Some(999.0))));
    let check: String = sqlx::query("SELECT check_name FROM fact_checks WHERE document_id = ?")
        .bind(doc)
        .fetch_one(a.reader())
        .await
        .unwrap()
        .get(0);
    assert_eq!(check, "requests.row_total");
    // A later version that is no longer a report (title changed) has no facts.
    let mut e3 = e.clone();
    e3.title = "政务公开专栏".into();
    a.store_fetch(detail_fetch(&e3, 3, None), Some(e3)).await.unwrap();
    assert!(facts_of(&a, doc).await.is_empty());
    assert_eq!(count(&a, "SELECT count(*) FROM fact_checks").await, 0);
}

#[tokio::test]
async fn reextract_recomputes_facts_even_when_the_version_is_unchanged() {
    let (dir, a) = temp_archive().await;
    let e = report("lianjiang", 5, 2022);
    let doc = a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone())).await.unwrap().document.unwrap().document_id;
    let stored = facts_of(&a, doc).await;
    assert!(!stored.is_empty());
    // Lose the facts behind the archive's back (as in an archive from before migration 2).
    let db = dir.path().join("db").join("nianbao.db");
    let mut c = SqliteConnection::connect(&format!("sqlite:{}", db.display())).await.unwrap();
    sqlx::query("DELETE FROM facts").execute(&mut c).await.unwrap();
    c.close().await.unwrap();
    assert!(facts_of(&a, doc).await.is_empty());
    let r = a.reextract(None, |_| Some(e.clone())).await.unwrap();
    assert_eq!((r.examined, r.changed), (1, 0));
    assert_eq!(facts_of(&a, doc).await, stored);
}

#[tokio::test]
async fn the_migrated_schema_matches_facts_schema_sql() {
    let (_d, a) = temp_archive().await;
    let mut mem = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    sqlx::raw_sql(FACTS_SCHEMA_SQL).execute(&mut mem).await.unwrap();
    let q = "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'fact%' ORDER BY name";
    let want: Vec<(String, String, String)> =
        sqlx::query(q).fetch_all(&mut mem).await.unwrap().iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let got: Vec<(String, String, String)> =
        sqlx::query(q).fetch_all(a.reader()).await.unwrap().iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    assert_eq!(want.len(), 4);
    assert_eq!(got, want);
}

#[tokio::test]
async fn an_archive_from_before_the_facts_migration_is_upgraded_on_open() {
    use std::borrow::Cow;
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    use sqlx::ConnectOptions;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // An archive as the first release created it: migration 1 only, with a document.
    let sql = include_str!("../migrations/0001_archive.sql");
    let m = Migration::new(1, Cow::Borrowed("archive"), MigrationType::Simple, Cow::Borrowed(sql), false);
    let migrator = Migrator { migrations: Cow::Owned(vec![m]), ..Migrator::DEFAULT };
    let mut c = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true).connect().await.unwrap();
    migrator.run(&mut c).await.unwrap();
    c.close().await.unwrap();

    let a = Archive::open(&path).await.unwrap();
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .filter(|f| f.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count() as i64;
    assert_eq!(count(&a, "SELECT count(*) FROM _sqlx_migrations").await, shipped);
    // Migration 4 narrowed the by-key index of facts (no report_year: see its file).
    let index: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'facts_by_key'")
        .fetch_one(a.reader())
        .await
        .unwrap();
    assert!(index.ends_with("ON facts (tbl, row_key, column_key)"), "{index}");
    let e = report("pingtan", 6, 2021);
    let doc = a.store_fetch(detail_fetch(&e, 1, None), Some(e)).await.unwrap().document.unwrap().document_id;
    assert!(!facts_of(&a, doc).await.is_empty());
    assert_eq!(count(&a, "SELECT count(*) FROM site_runs").await, 0);
}
