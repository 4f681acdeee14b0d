//! Exports of facts: long-format CSV and JSONL, the check-failures CSV, and the archive tables
//! (`FACTS_SCHEMA_SQL` + `store_facts`) on an in-memory SQLite database.
//!
//! Run: `cargo test --test facts_export`

mod facts_support;

use facts_support::{grids, read};
use nianbao::facts::export::{CHECKS_CSV_HEADER, FACTS_CSV_HEADER};
use nianbao::facts::{
    facts_from_report, store_facts, write_checks_csv, write_facts_jsonl, DocRef, FactSet, FactsCsvWriter,
    FACTS_SCHEMA_SQL,
};
use sqlx::{Connection, Row, SqliteConnection};

const URL: &str = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm";

fn doc() -> DocRef<'static> {
    DocRef { document_id: Some(7), url: URL, site: Some("pingtan"), report_year: Some(2023) }
}

fn pingtan() -> FactSet {
    facts_from_report(&grids(&read("../../../sites/pingtan/report-2023.html")), "", Some(2023))
}

fn blank() -> FactSet {
    facts_from_report(&grids(&read("blank_cells_report.html")), "", Some(2022))
}

#[test]
fn csv_is_long_format_with_document_identity() {
    let set = pingtan();
    let mut w = FactsCsvWriter::new(Vec::new()).unwrap();
    w.write(&doc(), &set).unwrap();
    w.write(&DocRef { document_id: Some(8), url: "https://example.gov.cn/b.html", site: None, report_year: Some(2022) }, &blank())
        .unwrap();
    let bytes = w.finish().unwrap();
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), FACTS_CSV_HEADER.to_vec());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), set.facts.len() + blank().facts.len());
    let col = |name: &str| FACTS_CSV_HEADER.iter().position(|h| *h == name).unwrap();
    let find = |doc: &str, row: &str, column: &str| {
        rows.iter()
            .find(|r| &r[col("document_id")] == doc && &r[col("row_key")] == row && &r[col("column_key")] == column)
            .unwrap_or_else(|| panic!("{doc} {row} {column}"))
    };
    let r = find("7", "new_requests", "total");
    assert_eq!(&r[col("value")], "81"); // integral values without ".0"
    assert_eq!(&r[col("url")], URL);
    assert_eq!(&r[col("site")], "pingtan");
    assert_eq!(&r[col("report_year")], "2023");
    assert_eq!(&r[col("layout")], "2021");
    assert_eq!(&r[col("table")], "requests");
    assert_eq!(&r[col("source")], "table");
    assert_eq!(&r[col("row_label")], "一、本年新收政府信息公开申请数量");
    assert_eq!((&r[col("src_table")], &r[col("src_row")], &r[col("src_col")]), ("1", "3", "9"));
    let r = find("7", "fees", "amount");
    assert_eq!((&r[col("value")], &r[col("unit")]), ("5949.088667", "万元"));
    // Blank stays blank, not 0.
    let r = find("8", "carried_forward", "total");
    assert_eq!((&r[col("value")], &r[col("raw")], &r[col("site")]), ("", "", ""));
}

#[test]
fn jsonl_one_fact_per_line() {
    let set = blank();
    let mut out = Vec::new();
    write_facts_jsonl(&mut out, &doc(), &set).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), set.facts.len());
    let find = |row: &str, column: &str| {
        lines.iter().find(|v| v["row_key"] == row && v["column_key"] == column).unwrap().clone()
    };
    let v = find("new_requests", "total");
    assert_eq!(v["value"], serde_json::json!(3)); // an integer, not 3.0
    assert_eq!(v["raw"], "3件");
    assert_eq!(v["document_id"], 7);
    assert_eq!(v["report_year"], 2023);
    assert_eq!(v["table"], "requests");
    assert!(find("carried_forward", "total")["value"].is_null());
}

#[test]
fn checks_csv_reports_failures_per_document() {
    let mut tables = grids(&read("../../../sites/pingtan/report-2023.html"));
    tables[1][5][3] = "23".into(); // inject: （一）予以公开 自然人 22 → 23
    let bad = facts_from_report(&tables, "", Some(2023));
    let good = pingtan();
    let other = DocRef { document_id: Some(9), url: "u", site: None, report_year: None };
    let out = write_checks_csv(Vec::new(), [(doc(), bad.checks.as_slice()), (other, good.checks.as_slice())]).unwrap();
    let mut r = csv::Reader::from_reader(out.as_slice());
    assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), CHECKS_CSV_HEADER.to_vec());
    let rows: Vec<Vec<String>> = r.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r[0] == "7" && r[1] == URL));
    let row = rows.iter().find(|r| r[4] == "requests.row_total").unwrap();
    assert_eq!((row[6].as_str(), row[7].as_str(), row[9].as_str(), row[10].as_str()), ("results.disclosed", "total", "23", "22"));
}

async fn count(conn: &mut SqliteConnection, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(conn).await.unwrap().get(0)
}

#[tokio::test]
async fn archive_tables_store_and_replace_a_documents_facts() {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    sqlx::raw_sql(FACTS_SCHEMA_SQL).execute(&mut conn).await.unwrap();
    // Idempotent: the lead's migrations may run it again.
    sqlx::raw_sql(FACTS_SCHEMA_SQL).execute(&mut conn).await.unwrap();

    let mut tables = grids(&read("../../../sites/pingtan/report-2023.html"));
    tables[1][5][3] = "23".into();
    let bad = facts_from_report(&tables, "", Some(2023));
    store_facts(&mut conn, 7, Some(2023), &bad).await.unwrap();
    let n: i64 = count(&mut conn, "SELECT COUNT(*) FROM facts WHERE document_id = 7").await;
    assert_eq!(n as usize, bad.facts.len());
    let n: i64 = count(&mut conn, "SELECT COUNT(*) FROM fact_checks WHERE document_id = 7").await;
    assert_eq!(n, 2);

    // Re-extraction replaces, never duplicates; the fixed report has no failures.
    let good = pingtan();
    store_facts(&mut conn, 7, Some(2023), &good).await.unwrap();
    store_facts(&mut conn, 8, Some(2022), &blank()).await.unwrap();
    let n: i64 = count(&mut conn, "SELECT COUNT(*) FROM fact_checks").await;
    assert_eq!(n, 0);
    let row = sqlx::query(
        "SELECT value, raw, layout, tbl FROM facts WHERE document_id = 7 AND row_key = 'results.disclosed' AND column_key = 'natural_person'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(row.get::<f64, _>(0), 22.0);
    assert_eq!(row.get::<String, _>(1), "22");
    assert_eq!(row.get::<String, _>(2), "2021");
    assert_eq!(row.get::<String, _>(3), "requests");
    // A researcher's query: requests received per document.
    let rows = sqlx::query(
        "SELECT document_id, value FROM facts WHERE tbl = 'requests' AND row_key = 'new_requests' AND column_key = 'total' ORDER BY document_id",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let got: Vec<(i64, f64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(got, vec![(7, 81.0), (8, 3.0)]);
    // Blank cells are NULL.
    let v: Option<f64> = sqlx::query("SELECT value FROM facts WHERE document_id = 8 AND row_key = 'carried_forward' AND column_key = 'total'")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(v, None);
}
