//! Export of the archive for analysis: documents (JSONL or CSV), table cells in long format, and
//! attachment files under safe names. The functions write to what they are given and return
//! counts; printing is the caller's.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use futures::TryStreamExt;
use serde::Serialize;
use sqlx::Row;

use crate::archive::Archive;
use crate::error::{Error, Result};
use crate::extract::Attachment;

/// Output format of documents and table cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180 CSV with a header row (UTF-8, no BOM).
    Csv,
}

/// Which documents to export (current versions).
#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    /// Only this site.
    pub site: Option<String>,
    /// Only documents published on or after this date: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    /// Documents without a publication date are left out when this is set.
    pub since: Option<String>,
}

impl ExportFilter {
    /// `since` as a full date (`2023` → `2023-01-01`), validated.
    pub fn since_date(&self) -> Result<Option<String>> {
        let Some(s) = self.since.as_deref().map(str::trim) else {
            return Ok(None);
        };
        let bad = || {
            Error::Other(format!(
                "--since {s:?}: expected YYYY, YYYY-MM or YYYY-MM-DD"
            ))
        };
        let full = match s.len() {
            4 => format!("{s}-01-01"),
            7 => format!("{s}-01"),
            10 => s.to_string(),
            _ => return Err(bad()),
        };
        chrono::NaiveDate::parse_from_str(&full, "%Y-%m-%d").map_err(|_| bad())?;
        Ok(Some(full))
    }
}

/// One exported document: the current version with its document's dates and state.
#[derive(Debug, Serialize)]
struct DocRow {
    document_id: i64,
    site: Option<String>,
    url: String,
    title: String,
    published_at: Option<String>,
    written_at: Option<String>,
    publisher: Option<String>,
    index_no: Option<String>,
    doc_no: Option<String>,
    category: Option<String>,
    validity: Option<String>,
    report_year: Option<i64>,
    first_seen: String,
    last_seen: String,
    taken_down_at: Option<String>,
    taken_down_reason: Option<String>,
    version: i64,
    attachments: Vec<Attachment>,
    text: String,
}

/// The CSV columns of [`export_documents`], in order (`attachments` is a JSON array there).
pub const DOCUMENT_COLUMNS: &[&str] = &[
    "document_id",
    "site",
    "url",
    "title",
    "published_at",
    "written_at",
    "publisher",
    "index_no",
    "doc_no",
    "category",
    "validity",
    "report_year",
    "first_seen",
    "last_seen",
    "taken_down_at",
    "taken_down_reason",
    "version",
    "attachments",
    "text",
];

/// The columns of [`export_tables`], in order. `row` and `column` are 0-based.
pub const TABLE_COLUMNS: &[&str] = &[
    "document_id",
    "site",
    "url",
    "table_index",
    "row",
    "column",
    "value",
];

const FILTER: &str = "(?1 IS NULL OR site = ?1) AND (?2 IS NULL OR published_at >= ?2)";

fn io_err(e: std::io::Error) -> Error {
    Error::Other(format!("export: write: {e}"))
}

fn csv_err(e: csv::Error) -> Error {
    Error::Other(format!("export: csv: {e}"))
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

/// Write the current version of every document passing `filter`, ordered by document id.
/// Returns the number of documents written.
pub async fn export_documents<W: Write>(
    archive: &Archive,
    filter: &ExportFilter,
    format: ExportFormat,
    out: W,
) -> Result<u64> {
    let since = filter.since_date()?;
    let sql = format!(
        "SELECT document_id, site, url, title, published_at, written_at, publisher, index_no, doc_no, category,
                validity, report_year, first_seen, last_seen, taken_down_at, taken_down_reason, version,
                attachments, text
         FROM current_documents WHERE {FILTER} ORDER BY document_id"
    );
    let mut rows = sqlx::query(&sql)
        .bind(&filter.site)
        .bind(&since)
        .fetch(archive.reader());
    let mut sink = Sink::new(format, out, DOCUMENT_COLUMNS)?;
    let mut n = 0;
    while let Some(r) = rows.try_next().await.map_err(|source| Error::Archive {
        context: "export".into(),
        source,
    })? {
        let d = DocRow {
            document_id: r.get(0),
            site: r.get(1),
            url: r.get(2),
            title: r.get(3),
            published_at: r.get(4),
            written_at: r.get(5),
            publisher: r.get(6),
            index_no: r.get(7),
            doc_no: r.get(8),
            category: r.get(9),
            validity: r.get(10),
            report_year: r.get(11),
            first_seen: r.get(12),
            last_seen: r.get(13),
            taken_down_at: r.get(14),
            taken_down_reason: r.get(15),
            version: r.get(16),
            attachments: serde_json::from_str(r.get::<&str, _>(17)).unwrap_or_default(),
            text: r.get(18),
        };
        match &mut sink {
            Sink::Jsonl(w) => {
                serde_json::to_writer(&mut *w, &d)
                    .map_err(|e| Error::Other(format!("export: {e}")))?;
                w.write_all(b"\n").map_err(io_err)?;
            }
            Sink::Csv(w) => {
                let year = d.report_year.map(|y| y.to_string()).unwrap_or_default();
                let atts = serde_json::to_string(&d.attachments).expect("strings serialise");
                w.write_record([
                    d.document_id.to_string().as_str(),
                    opt(&d.site),
                    &d.url,
                    &d.title,
                    opt(&d.published_at),
                    opt(&d.written_at),
                    opt(&d.publisher),
                    opt(&d.index_no),
                    opt(&d.doc_no),
                    opt(&d.category),
                    opt(&d.validity),
                    &year,
                    &d.first_seen,
                    &d.last_seen,
                    opt(&d.taken_down_at),
                    opt(&d.taken_down_reason),
                    &d.version.to_string(),
                    &atts,
                    &d.text,
                ])
                .map_err(csv_err)?;
            }
        }
        n += 1;
    }
    sink.finish()?;
    Ok(n)
}

/// One table cell in long format.
#[derive(Debug, Serialize)]
struct CellRow<'a> {
    document_id: i64,
    site: Option<&'a str>,
    url: &'a str,
    table_index: i64,
    row: i64,
    column: i64,
    value: &'a str,
}

/// Write every table cell of the current versions passing `filter` in long format (see
/// [`TABLE_COLUMNS`]), ordered by document, table, row, column. Returns the number of cells.
pub async fn export_tables<W: Write>(
    archive: &Archive,
    filter: &ExportFilter,
    format: ExportFormat,
    out: W,
) -> Result<u64> {
    let since = filter.since_date()?;
    let sql = format!(
        "SELECT d.document_id, d.site, d.url, c.table_index, c.row_index, c.col_index, c.value
         FROM (SELECT document_id, site, url, version_id FROM current_documents WHERE {FILTER}) d
         JOIN table_cells c ON c.version_id = d.version_id
         ORDER BY d.document_id, c.table_index, c.row_index, c.col_index"
    );
    let mut rows = sqlx::query(&sql)
        .bind(&filter.site)
        .bind(&since)
        .fetch(archive.reader());
    let mut sink = Sink::new(format, out, TABLE_COLUMNS)?;
    let mut n = 0;
    while let Some(r) = rows.try_next().await.map_err(|source| Error::Archive {
        context: "export tables".into(),
        source,
    })? {
        let (site, url, value): (Option<String>, String, String) = (r.get(1), r.get(2), r.get(6));
        let cell = CellRow {
            document_id: r.get(0),
            site: site.as_deref(),
            url: &url,
            table_index: r.get(3),
            row: r.get(4),
            column: r.get(5),
            value: &value,
        };
        match &mut sink {
            Sink::Jsonl(w) => {
                serde_json::to_writer(&mut *w, &cell)
                    .map_err(|e| Error::Other(format!("export: {e}")))?;
                w.write_all(b"\n").map_err(io_err)?;
            }
            Sink::Csv(w) => w.serialize(&cell).map_err(csv_err)?,
        }
        n += 1;
    }
    sink.finish()?;
    Ok(n)
}

enum Sink<W: Write> {
    Jsonl(W),
    Csv(Box<csv::Writer<W>>),
}

impl<W: Write> Sink<W> {
    fn new(format: ExportFormat, out: W, header: &[&str]) -> Result<Self> {
        Ok(match format {
            ExportFormat::Jsonl => Sink::Jsonl(out),
            ExportFormat::Csv => {
                // Headers written by hand so an empty export still has them.
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(out);
                w.write_record(header).map_err(csv_err)?;
                Sink::Csv(Box::new(w))
            }
        })
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::Jsonl(mut w) => w.flush().map_err(io_err),
            Sink::Csv(mut w) => w.flush().map_err(io_err),
        }
    }
}

/// One attachment file written by [`export_attachments`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedFile {
    pub document_id: i64,
    pub url: String,
    /// Where it was written: `DIR/<site>/<document id>/<safe name>`.
    pub path: PathBuf,
    pub size: u64,
}

/// What [`export_attachments`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AttachmentExport {
    pub files: Vec<ExportedFile>,
    /// Attachments of the selected documents that were never downloaded.
    pub not_downloaded: u64,
}

/// Write the downloaded attachments of the documents passing `filter` to
/// `dir/<site>/<document id>/<name>`, names made safe by [`safe_file_name`] (the attachment's
/// extension added when the name lacks it) and de-duplicated within a document (`name (2).pdf`).
pub async fn export_attachments(
    archive: &Archive,
    filter: &ExportFilter,
    dir: &Path,
) -> Result<AttachmentExport> {
    let since = filter.since_date()?;
    let sql = format!(
        "SELECT a.document_id, d.site, a.url, a.name, a.ext, a.blob_hash
         FROM attachments a JOIN (SELECT document_id, site FROM current_documents WHERE {FILTER}) d
              ON d.document_id = a.document_id
         ORDER BY a.document_id, a.id"
    );
    let rows = sqlx::query(&sql)
        .bind(&filter.site)
        .bind(&since)
        .fetch_all(archive.reader())
        .await
        .map_err(|source| Error::Archive {
            context: "export attachments".into(),
            source,
        })?;
    let mut report = AttachmentExport::default();
    let mut used: HashSet<(i64, String)> = HashSet::new();
    for r in rows {
        let (doc, site, url, name, ext, hash): (
            i64,
            Option<String>,
            String,
            String,
            Option<String>,
            Option<String>,
        ) = (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
        let Some(hash) = hash else {
            report.not_downloaded += 1;
            continue;
        };
        let Some(bytes) = archive.blob(&hash).await? else {
            report.not_downloaded += 1;
            continue;
        };
        let mut file = safe_file_name(&name);
        if let Some(ext) = ext.as_deref().map(safe_file_name) {
            if !file
                .to_lowercase()
                .ends_with(&format!(".{}", ext.to_lowercase()))
            {
                file = format!("{file}.{ext}");
            }
        }
        let file = dedupe(&file, |candidate| {
            used.contains(&(doc, candidate.to_lowercase()))
        });
        used.insert((doc, file.to_lowercase()));
        let site_dir = site
            .as_deref()
            .map(safe_file_name)
            .unwrap_or_else(|| "_no_site".into());
        let folder = dir.join(site_dir).join(doc.to_string());
        std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
        let path = folder.join(&file);
        std::fs::write(&path, &bytes).map_err(|e| Error::io(&path, e))?;
        report.files.push(ExportedFile {
            document_id: doc,
            url,
            path,
            size: bytes.len() as u64,
        });
    }
    Ok(report)
}

/// `name`, or `stem (2).ext`, `stem (3).ext` … the first that `taken` refuses.
fn dedupe(name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_string();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    (2..)
        .map(|i| format!("{stem} ({i}){ext}"))
        .find(|c| !taken(c))
        .expect("unbounded")
}

/// Longest file name written, in bytes (most file systems allow 255).
const MAX_NAME_BYTES: usize = 180;

const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A file name that is safe on Linux, macOS and Windows and cannot leave its directory: path
/// separators, `..`, control and reserved characters become `_`; leading/trailing dots and
/// spaces go; Windows device names get a `_` prefix; at most 180 bytes (the extension kept).
/// Chinese and other letters are kept. Never empty (`attachment`).
pub fn safe_file_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    while s.contains("..") {
        s = s.replace("..", "_");
    }
    // Collapse runs of '_' left by the replacements.
    let mut collapsed = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == '_' && collapsed.ends_with('_')) {
            collapsed.push(c);
        }
    }
    let mut s = collapsed
        .trim_matches(|c: char| c == '.' || c == '_' || c.is_whitespace())
        .to_string();
    let stem = s
        .split('.')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_uppercase();
    if RESERVED.contains(&stem.as_str()) {
        s.insert(0, '_');
    }
    if s.len() > MAX_NAME_BYTES {
        let ext = s
            .rsplit_once('.')
            .map(|(_, e)| e)
            .filter(|e| e.len() <= 8)
            .map(|e| format!(".{e}"))
            .unwrap_or_default();
        let mut cut = MAX_NAME_BYTES - ext.len();
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s = format!("{}{ext}", s[..cut].trim_end_matches(['.', ' ']));
    }
    if s.is_empty() {
        "attachment".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_reserved_names_are_neutralised() {
        assert_eq!(safe_file_name("../../etc/x.pdf"), "etc_x.pdf");
        assert_eq!(
            safe_file_name("..\\..\\Windows\\system32\\a.doc"),
            "Windows_system32_a.doc"
        );
        assert_eq!(safe_file_name("/etc/passwd"), "etc_passwd");
        assert_eq!(safe_file_name(".."), "attachment");
        assert_eq!(safe_file_name(""), "attachment");
        assert_eq!(safe_file_name(".hidden"), "hidden");
        assert_eq!(safe_file_name("CON.pdf"), "_CON.pdf");
        assert_eq!(safe_file_name("nul"), "_nul");
        assert_eq!(safe_file_name("a\u{0}b\nc\t.pdf"), "a_b_c_.pdf");
        assert_eq!(safe_file_name("报告: 2023?.pdf. "), "报告_ 2023_.pdf");
    }

    #[test]
    fn chinese_is_kept_and_long_names_keep_their_extension() {
        assert_eq!(
            safe_file_name("平潭县2023年政府信息公开工作年度报告.pdf"),
            "平潭县2023年政府信息公开工作年度报告.pdf"
        );
        let long = format!("{}.docx", "年度报告".repeat(40));
        let s = safe_file_name(&long);
        assert!(s.len() <= MAX_NAME_BYTES, "{}", s.len());
        assert!(
            s.ends_with("报.docx")
                || s.ends_with("告.docx")
                || s.ends_with("年.docx")
                || s.ends_with("度.docx")
        );
    }

    #[test]
    fn collisions_are_numbered() {
        let taken = ["a.pdf".to_string(), "a (2).pdf".to_string()];
        assert_eq!(
            dedupe("a.pdf", |c| taken.iter().any(|t| t == c)),
            "a (3).pdf"
        );
        assert_eq!(dedupe("b.pdf", |c| taken.iter().any(|t| t == c)), "b.pdf");
        assert_eq!(dedupe("noext", |c| c == "noext"), "noext (2)");
    }

    #[test]
    fn since_accepts_year_month_or_date_only() {
        let f = |s: &str| {
            ExportFilter {
                site: None,
                since: Some(s.into()),
            }
            .since_date()
        };
        assert_eq!(f("2023").unwrap().as_deref(), Some("2023-01-01"));
        assert_eq!(f("2023-05").unwrap().as_deref(), Some("2023-05-01"));
        assert_eq!(f("2023-05-06").unwrap().as_deref(), Some("2023-05-06"));
        assert!(f("2023-13-01").is_err());
        assert!(f("last year").is_err());
    }
}
