//! Long-format exports of facts (CSV, JSONL), the archive's `facts` / `fact_checks` tables, and
//! storing a [`FactSet`] into them.
//!
//! One line per fact: `document_id, url, site, report_year, layout, table, row_key, row_label,
//! column_key, column_label, value, unit, raw, source, src_table, src_row, src_col`. Values are
//! written as plain numbers (`81`, `5949.088667`), blank cells as an empty field / `null`.

use std::io::{self, Write};

use serde_json::{json, Value};
use sqlx::SqliteConnection;

use super::{CheckFailure, Fact, FactSet};

/// The document facts belong to, as exports and the archive identify it.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocRef<'a> {
    /// `documents.id` in the archive, when exporting from it.
    pub document_id: Option<i64>,
    pub url: &'a str,
    pub site: Option<&'a str>,
    pub report_year: Option<i32>,
}

/// Column names of the facts CSV.
pub const FACTS_CSV_HEADER: [&str; 17] = [
    "document_id", "url", "site", "report_year", "layout", "table", "row_key", "row_label",
    "column_key", "column_label", "value", "unit", "raw", "source", "src_table", "src_row", "src_col",
];

/// Column names of the check-failures CSV.
pub const CHECKS_CSV_HEADER: [&str; 11] = [
    "document_id", "url", "site", "report_year", "check", "table", "row_key", "column_key", "formula",
    "expected", "actual",
];

/// SQL for the archive: one row per fact, one row per failed check. `tbl` holds the fact's
/// `table` key (`table` is an SQL keyword). Re-extracting a document replaces its rows. This is
/// the schema the archive's migrations arrive at (2 created it, 4 narrowed `facts_by_key`).
pub const FACTS_SCHEMA_SQL: &str = r#"
CREATE TABLE IF NOT EXISTS facts (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL,
    report_year  INTEGER,
    layout       TEXT CHECK (layout IN ('2019', '2021')),
    tbl          TEXT NOT NULL CHECK (tbl IN ('active', 'requests', 'review_litigation', 'prose')),
    row_key      TEXT NOT NULL,
    row_label    TEXT NOT NULL,
    column_key   TEXT NOT NULL,
    column_label TEXT NOT NULL,
    value        REAL,
    unit         TEXT,
    raw          TEXT NOT NULL,
    source       TEXT NOT NULL CHECK (source IN ('table', 'prose')),
    src_table    INTEGER,
    src_row      INTEGER,
    src_col      INTEGER,
    UNIQUE (document_id, tbl, row_key, column_key)
);
CREATE INDEX IF NOT EXISTS facts_by_key ON facts (tbl, row_key, column_key);
CREATE TABLE IF NOT EXISTS fact_checks (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL,
    check_name   TEXT NOT NULL,
    tbl          TEXT NOT NULL,
    row_key      TEXT NOT NULL,
    column_key   TEXT NOT NULL,
    formula      TEXT NOT NULL,
    expected     REAL NOT NULL,
    actual       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS fact_checks_by_document ON fact_checks (document_id);
"#;

/// A number as text: integral values without a decimal point.
fn num_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn num_json(v: Option<f64>) -> Value {
    match v {
        Some(v) if v.fract() == 0.0 && v.abs() < 9e15 => json!(v as i64),
        Some(v) => json!(v),
        None => Value::Null,
    }
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes facts of many documents into one CSV (header first).
pub struct FactsCsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> FactsCsvWriter<W> {
    /// Start a CSV on `w`, writing the header.
    pub fn new(w: W) -> io::Result<Self> {
        let mut inner = csv::Writer::from_writer(w);
        inner.write_record(FACTS_CSV_HEADER)?;
        Ok(Self { inner })
    }

    /// Append every fact of one document.
    pub fn write(&mut self, doc: &DocRef<'_>, set: &FactSet) -> io::Result<()> {
        let layout = set.layout.map(|l| l.as_str()).unwrap_or("");
        for f in &set.facts {
            self.inner.write_record([
                opt(doc.document_id),
                doc.url.to_string(),
                opt(doc.site),
                opt(doc.report_year),
                layout.to_string(),
                f.table.as_str().to_string(),
                f.row_key.clone(),
                f.row_label.clone(),
                f.column_key.clone(),
                f.column_label.clone(),
                f.value.map(num_text).unwrap_or_default(),
                f.unit.clone().unwrap_or_default(),
                f.raw.clone(),
                source_str(f).to_string(),
                opt(f.cell.map(|c| c.table)),
                opt(f.cell.map(|c| c.row)),
                opt(f.cell.map(|c| c.col)),
            ])?;
        }
        Ok(())
    }

    /// Flush and return the writer.
    pub fn finish(self) -> io::Result<W> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

fn source_str(f: &Fact) -> &'static str {
    match f.source {
        super::Source::Table => "table",
        super::Source::Prose => "prose",
    }
}

/// One JSON object per fact, one per line, with the document's identity.
pub fn write_facts_jsonl<W: Write>(w: &mut W, doc: &DocRef<'_>, set: &FactSet) -> io::Result<()> {
    for f in &set.facts {
        let v = json!({
            "document_id": doc.document_id,
            "url": doc.url,
            "site": doc.site,
            "report_year": doc.report_year,
            "layout": set.layout.map(|l| l.as_str()),
            "table": f.table.as_str(),
            "row_key": f.row_key,
            "row_label": f.row_label,
            "column_key": f.column_key,
            "column_label": f.column_label,
            "value": num_json(f.value),
            "unit": f.unit,
            "raw": f.raw,
            "source": source_str(f),
            "src_table": f.cell.map(|c| c.table),
            "src_row": f.cell.map(|c| c.row),
            "src_col": f.cell.map(|c| c.col),
        });
        serde_json::to_writer(&mut *w, &v)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// The failed checks of many documents as one CSV (header first, even when nothing failed).
pub fn write_checks_csv<'a, W: Write>(
    w: W,
    docs: impl IntoIterator<Item = (DocRef<'a>, &'a [CheckFailure])>,
) -> io::Result<W> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CHECKS_CSV_HEADER)?;
    for (doc, checks) in docs {
        for c in checks {
            out.write_record([
                opt(doc.document_id),
                doc.url.to_string(),
                opt(doc.site),
                opt(doc.report_year),
                c.check.clone(),
                c.table.as_str().to_string(),
                c.row_key.clone(),
                c.column_key.clone(),
                c.formula.clone(),
                num_text(c.expected),
                num_text(c.actual),
            ])?;
        }
    }
    out.into_inner().map_err(|e| e.into_error())
}

/// An archive error naming what failed and the document.
fn db_error(document_id: i64, context: &str) -> impl FnOnce(sqlx::Error) -> crate::Error {
    let context = format!("{context} (document {document_id})");
    move |source| crate::Error::Archive { context, source }
}

/// Replace a document's rows in `facts` and `fact_checks` (tables from [`FACTS_SCHEMA_SQL`]).
/// Runs in one transaction.
pub async fn store_facts(
    conn: &mut SqliteConnection,
    document_id: i64,
    report_year: Option<i32>,
    set: &FactSet,
) -> crate::Result<()> {
    let err = |context: &str| db_error(document_id, context);
    let mut tx = sqlx::Connection::begin(conn).await.map_err(err("begin facts"))?;
    replace_facts(&mut tx, document_id, report_year, set).await?;
    tx.commit().await.map_err(err("commit facts"))?;
    Ok(())
}

/// Facts per multi-row INSERT (15 parameters each; SQLite allows 32,766).
const FACTS_PER_STATEMENT: usize = 64;

/// [`store_facts`] without its own transaction: for callers already inside one (the archive's
/// writer stores facts in the same transaction as the document version they come from).
pub async fn replace_facts(
    tx: &mut SqliteConnection,
    document_id: i64,
    report_year: Option<i32>,
    set: &FactSet,
) -> crate::Result<()> {
    let err = |context: &str| db_error(document_id, context);
    sqlx::query("DELETE FROM facts WHERE document_id = ?1; DELETE FROM fact_checks WHERE document_id = ?1")
        .bind(document_id)
        .execute(&mut *tx)
        .await
        .map_err(err("delete facts"))?;
    insert_facts(tx, document_id, report_year, set).await
}

/// Insert a document's facts and failed checks (no rows of it may exist yet), in the caller's
/// transaction.
pub async fn insert_facts(
    tx: &mut SqliteConnection,
    document_id: i64,
    report_year: Option<i32>,
    set: &FactSet,
) -> crate::Result<()> {
    let err = |context: &str| db_error(document_id, context);
    // A report has 100–200 cells: insert them FACTS_PER_STATEMENT at a time (every statement is a
    // round trip to the connection's thread), in the order of `facts`.
    let layout = set.layout.map(|l| l.as_str());
    for chunk in set.facts.chunks(FACTS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO facts (document_id, report_year, layout, tbl, row_key, row_label, column_key, \
             column_label, value, unit, raw, source, src_table, src_row, src_col) VALUES {}",
            vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut q = sqlx::query(&sql);
        for f in chunk {
            q = q
                .bind(document_id)
                .bind(report_year)
                .bind(layout)
                .bind(f.table.as_str())
                .bind(&f.row_key)
                .bind(&f.row_label)
                .bind(&f.column_key)
                .bind(&f.column_label)
                .bind(f.value)
                .bind(&f.unit)
                .bind(&f.raw)
                .bind(source_str(f))
                .bind(f.cell.map(|c| c.table as i64))
                .bind(f.cell.map(|c| c.row as i64))
                .bind(f.cell.map(|c| c.col as i64));
        }
        q.execute(&mut *tx).await.map_err(err("insert facts"))?;
    }
    for c in &set.checks {
        sqlx::query(
            "INSERT INTO fact_checks (document_id, check_name, tbl, row_key, column_key, formula, expected, actual) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(document_id)
        .bind(&c.check)
        .bind(c.table.as_str())
        .bind(&c.row_key)
        .bind(&c.column_key)
        .bind(&c.formula)
        .bind(c.expected)
        .bind(c.actual)
        .execute(&mut *tx)
        .await
        .map_err(err("insert fact check"))?;
    }
    Ok(())
}
