//! Facts as stored in the archive (`facts`, `fact_checks`), read back and exported in the long
//! format of [`super::export`]: `nianbao export --facts`.

use std::io::{self, Write};

use futures::TryStreamExt;
use sqlx::Row;

use super::{CellRef, CheckFailure, Fact, FactSet, FactTable, Layout, Source};
use super::export::{write_checks_csv, write_facts_jsonl, DocRef, FactsCsvWriter};
use crate::archive::Archive;
use crate::error::{Error, Result};
use crate::export::{ExportFilter, ExportFormat};

/// The failed checks of one exported document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocChecks {
    pub document_id: i64,
    pub url: String,
    pub site: Option<String>,
    pub report_year: Option<i32>,
    pub checks: Vec<CheckFailure>,
}

/// What [`export_facts`] wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactsExport {
    /// Documents with at least one fact.
    pub documents: u64,
    /// Facts written (lines, or CSV rows after the header).
    pub facts: u64,
    /// Documents whose numbers break a template identity, with the failures.
    pub failed: Vec<DocChecks>,
}

impl FactsExport {
    /// Failed checks over all documents.
    pub fn failed_checks(&self) -> usize {
        self.failed.iter().map(|d| d.checks.len()).sum()
    }
}

fn table_of(s: &str) -> FactTable {
    match s {
        "active" => FactTable::Active,
        "requests" => FactTable::Requests,
        "review_litigation" => FactTable::ReviewLitigation,
        _ => FactTable::Prose,
    }
}

fn db_err(context: &str) -> impl Fn(sqlx::Error) -> Error + '_ {
    move |source| Error::Archive { context: context.to_string(), source }
}

fn write_err(e: io::Error) -> Error {
    Error::Other(format!("export facts: write: {e}"))
}

/// The documents passing `filter` (current versions), as SQL over `current_documents`.
const DOCS: &str = "SELECT document_id, site, url, report_year FROM current_documents
     WHERE (?1 IS NULL OR site = ?1) AND (?2 IS NULL OR published_at >= ?2)";

/// Write the facts of every document passing `filter` (long format, ordered by document, then as
/// read) and return counts and the failed checks (write those with [`write_failed_checks`]).
pub async fn export_facts<W: Write>(
    archive: &Archive,
    filter: &ExportFilter,
    format: ExportFormat,
    out: W,
) -> Result<FactsExport> {
    let since = filter.since_date()?;
    let mut report = FactsExport::default();

    let checks_sql = format!(
        "SELECT c.document_id, d.url, d.site, d.report_year, c.check_name, c.tbl, c.row_key, c.column_key,
                c.formula, c.expected, c.actual
         FROM fact_checks c JOIN ({DOCS}) d ON d.document_id = c.document_id ORDER BY c.document_id, c.id"
    );
    let rows = sqlx::query(&checks_sql)
        .bind(&filter.site)
        .bind(&since)
        .fetch_all(archive.reader())
        .await
        .map_err(db_err("export facts: checks"))?;
    for r in rows {
        let id: i64 = r.get(0);
        if report.failed.last().is_none_or(|d| d.document_id != id) {
            report.failed.push(DocChecks {
                document_id: id,
                url: r.get(1),
                site: r.get(2),
                report_year: r.get(3),
                checks: Vec::new(),
            });
        }
        report.failed.last_mut().expect("pushed").checks.push(CheckFailure {
            check: r.get(4),
            table: table_of(r.get::<&str, _>(5)),
            row_key: r.get(6),
            column_key: r.get(7),
            formula: r.get(8),
            expected: r.get(9),
            actual: r.get(10),
        });
    }

    let facts_sql = format!(
        "SELECT f.document_id, d.url, d.site, d.report_year, f.layout, f.tbl, f.row_key, f.row_label,
                f.column_key, f.column_label, f.value, f.unit, f.raw, f.source, f.src_table, f.src_row, f.src_col
         FROM facts f JOIN ({DOCS}) d ON d.document_id = f.document_id ORDER BY f.document_id, f.id"
    );
    let mut rows = sqlx::query(&facts_sql).bind(&filter.site).bind(&since).fetch(archive.reader());
    let mut sink = match format {
        ExportFormat::Csv => Sink::Csv(Box::new(FactsCsvWriter::new(out).map_err(write_err)?)),
        ExportFormat::Jsonl => Sink::Jsonl(out),
    };
    // One document's facts at a time.
    let mut current: Option<DocFacts> = None;
    while let Some(r) = rows.try_next().await.map_err(db_err("export facts"))? {
        let id: i64 = r.get(0);
        if current.as_ref().is_none_or(|c| c.id != id) {
            if let Some(done) = current.take() {
                sink.write(&done, &mut report)?;
            }
            let layout = match r.get::<Option<&str>, _>(4) {
                Some("2019") => Some(Layout::Y2019),
                Some("2021") => Some(Layout::Y2021),
                _ => None,
            };
            let set = FactSet { layout, ..FactSet::default() };
            current = Some(DocFacts { id, url: r.get(1), site: r.get(2), year: r.get(3), set });
        }
        let cell = match (r.get::<Option<i64>, _>(14), r.get::<Option<i64>, _>(15), r.get::<Option<i64>, _>(16)) {
            (Some(t), Some(row), Some(col)) => Some(CellRef { table: t as usize, row: row as usize, col: col as usize }),
            _ => None,
        };
        current.as_mut().expect("set above").set.facts.push(Fact {
            table: table_of(r.get::<&str, _>(5)),
            row_key: r.get(6),
            row_label: r.get(7),
            column_key: r.get(8),
            column_label: r.get(9),
            value: r.get(10),
            unit: r.get(11),
            raw: r.get(12),
            source: if r.get::<&str, _>(13) == "prose" { Source::Prose } else { Source::Table },
            cell,
        });
    }
    if let Some(done) = current.take() {
        sink.write(&done, &mut report)?;
    }
    sink.finish()?;
    Ok(report)
}

/// One document's facts, as read.
struct DocFacts {
    id: i64,
    url: String,
    site: Option<String>,
    year: Option<i32>,
    set: FactSet,
}

enum Sink<W: Write> {
    Csv(Box<FactsCsvWriter<W>>),
    Jsonl(W),
}

impl<W: Write> Sink<W> {
    fn write(&mut self, d: &DocFacts, report: &mut FactsExport) -> Result<()> {
        let doc = DocRef { document_id: Some(d.id), url: &d.url, site: d.site.as_deref(), report_year: d.year };
        match self {
            Sink::Csv(w) => w.write(&doc, &d.set),
            Sink::Jsonl(w) => write_facts_jsonl(w, &doc, &d.set),
        }
        .map_err(write_err)?;
        report.documents += 1;
        report.facts += d.set.facts.len() as u64;
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::Csv(w) => w.finish().map_err(write_err)?.flush().map_err(write_err),
            Sink::Jsonl(mut w) => w.flush().map_err(write_err),
        }
    }
}

/// The failed checks as CSV (`write_checks_csv` columns; the header even when none failed).
pub fn write_failed_checks<W: Write>(w: W, failed: &[DocChecks]) -> io::Result<W> {
    write_checks_csv(
        w,
        failed.iter().map(|d| {
            let doc = DocRef { document_id: Some(d.document_id), url: &d.url, site: d.site.as_deref(), report_year: d.report_year };
            (doc, d.checks.as_slice())
        }),
    )
}

