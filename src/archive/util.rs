//! Small helpers: canonical URLs, timestamps, hashing, compression, error context.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::extract::{Attachment, Extracted, Table};

/// The form of a URL that keys documents, list entries and the frontier: parsed and re-serialised
/// by the `url` crate (lower-case scheme and host, default port dropped, path normalised), with
/// the fragment removed. A string that does not parse as a URL is only trimmed.
pub fn canonical_url(url: &str) -> String {
    let trimmed = url.trim();
    match url::Url::parse(trimmed) {
        Ok(mut u) => {
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => trimmed.to_string(),
    }
}

/// A timestamp as stored: UTC, milliseconds, `Z` suffix. Sorts as text.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn now() -> String {
    ts(Utc::now())
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A body ready to store: hash, size and (maybe) compressed bytes.
#[derive(Debug, Clone)]
pub(crate) struct PreparedBlob {
    pub hash: String,
    pub size: i64,
    pub compression: &'static str,
    pub data: Vec<u8>,
}

/// zstd level used for bodies: fast, and HTML compresses 5–10×.
const ZSTD_LEVEL: i32 = 3;

/// Hash and compress a body. Bodies zstd cannot shrink (PDF, DOCX, ZIP) are stored as they are.
pub(crate) fn prepare_blob(body: &[u8]) -> Option<PreparedBlob> {
    if body.is_empty() {
        return None;
    }
    let hash = sha256_hex(body);
    let size = body.len() as i64;
    match zstd::bulk::compress(body, ZSTD_LEVEL) {
        Ok(c) if c.len() < body.len() => Some(PreparedBlob {
            hash,
            size,
            compression: "zstd",
            data: c,
        }),
        _ => Some(PreparedBlob {
            hash,
            size,
            compression: "none",
            data: body.to_vec(),
        }),
    }
}

/// Undo [`prepare_blob`].
pub(crate) fn unpack_blob(
    compression: &str,
    data: Vec<u8>,
    size: i64,
    hash: &str,
) -> Result<Vec<u8>, Error> {
    match compression {
        "none" => Ok(data),
        "zstd" => zstd::bulk::decompress(&data, size.max(0) as usize)
            .map_err(|e| Error::Other(format!("archive blob {hash}: zstd: {e}"))),
        other => Err(Error::Other(format!(
            "archive blob {hash}: unknown compression {other:?}"
        ))),
    }
}

/// The part of an extraction that decides whether a document changed: everything a reader sees,
/// nothing about how the bytes were decoded or what the extractor warned about.
#[derive(Serialize)]
struct VersionKey<'a> {
    title: &'a str,
    text: &'a str,
    published_at: &'a Option<String>,
    written_at: &'a Option<String>,
    publisher: &'a Option<String>,
    index_no: &'a Option<String>,
    doc_no: &'a Option<String>,
    category: &'a Option<String>,
    validity: &'a Option<String>,
    report_year: &'a Option<i32>,
    tables: &'a [Table],
    attachments: &'a [Attachment],
}

/// SHA-256 (hex) of the JSON of (title, text, metadata fields, tables, attachments), in that
/// order: stable across runs and versions of nianbao as long as [`Extracted`]'s fields mean the
/// same.
pub fn content_hash(e: &Extracted) -> String {
    let key = VersionKey {
        title: &e.title,
        text: &e.text,
        published_at: &e.published_at,
        written_at: &e.written_at,
        publisher: &e.publisher,
        index_no: &e.index_no,
        doc_no: &e.doc_no,
        category: &e.category,
        validity: &e.validity,
        report_year: &e.report_year,
        tables: &e.tables,
        attachments: &e.attachments,
    };
    let json = serde_json::to_vec(&key).expect("serialising strings cannot fail");
    sha256_hex(&json)
}

/// Extensions of server scripts, which say nothing about the file they serve.
const SCRIPT_EXTENSIONS: &[&str] = &["jsp", "do", "asp", "aspx", "php", "action", "cgi"];

/// The lower-case extension of a URL path or file name (`pdf`, `docx`), if it has a short one
/// that is not a server script's (`downfile.jsp?…` has none).
pub(crate) fn extension(s: &str) -> Option<String> {
    let path = match url::Url::parse(s) {
        Ok(u) => u.path().to_string(),
        Err(_) => s.split(['?', '#']).next().unwrap_or("").to_string(),
    };
    let last = path.rsplit(['/', '\\']).next()?;
    let (_, ext) = last.rsplit_once('.')?;
    let ext = ext.trim().to_ascii_lowercase();
    let plausible =
        !ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric());
    (plausible && !SCRIPT_EXTENSIONS.contains(&ext.as_str())).then_some(ext)
}

/// The file name of a `Content-Disposition` header (`filename*=UTF-8''…` or `filename="…"`).
pub(crate) fn disposition_filename(value: &str) -> Option<String> {
    let mut plain = None;
    for part in value.split(';').map(str::trim) {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        let k = k.trim().to_ascii_lowercase();
        let v = v.trim().trim_matches('"');
        if k == "filename*" {
            let enc = v.rsplit_once('\'').map(|(_, s)| s).unwrap_or(v);
            let bytes: Vec<u8> = percent_decode(enc);
            if let Ok(s) = String::from_utf8(bytes) {
                return Some(s);
            }
        } else if k == "filename" {
            plain = Some(String::from_utf8(percent_decode(v)).unwrap_or_else(|_| v.to_string()));
        }
    }
    plain
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Attach context to sqlx errors: `.ctx("insert response")`.
pub(crate) trait Ctx<T> {
    fn ctx(self, context: &str) -> Result<T, Error>;
}

impl<T> Ctx<T> for Result<T, sqlx::Error> {
    fn ctx(self, context: &str) -> Result<T, Error> {
        self.map_err(|source| Error::Archive {
            context: context.to_string(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_url_drops_fragment_and_normalises_host() {
        assert_eq!(
            canonical_url(" HTTP://WWW.Pingtan.gov.cn:80/zwgk/index.htm#top "),
            "http://www.pingtan.gov.cn/zwgk/index.htm"
        );
        assert_eq!(canonical_url("not a url"), "not a url");
    }

    #[test]
    fn blobs_round_trip_and_incompressible_bodies_stay_raw() {
        let html = "<p>2023年政府信息公开工作年度报告</p>".repeat(50);
        let b = prepare_blob(html.as_bytes()).unwrap();
        assert_eq!(b.compression, "zstd");
        assert!(b.data.len() < html.len());
        assert_eq!(
            unpack_blob(b.compression, b.data, b.size, &b.hash).unwrap(),
            html.as_bytes()
        );
        // Pseudo-random bytes do not compress.
        let noise: Vec<u8> = (0u32..128)
            .flat_map(|i| Sha256::digest(i.to_le_bytes()))
            .collect();
        let b = prepare_blob(&noise).unwrap();
        assert_eq!(b.compression, "none");
        assert_eq!(b.data, noise);
        assert!(prepare_blob(b"").is_none());
    }

    #[test]
    fn content_hash_ignores_encoding_and_warnings_but_not_tables() {
        let mut a = Extracted {
            title: "年报".into(),
            text: "正文".into(),
            ..Default::default()
        };
        let h = content_hash(&a);
        a.warnings.push("meta and header disagree".into());
        a.encoding.label = "gb18030".into();
        assert_eq!(content_hash(&a), h);
        a.tables.push(vec![vec!["项目".into(), "数量".into()]]);
        assert_ne!(content_hash(&a), h);
    }

    #[test]
    fn extensions_and_disposition_names() {
        assert_eq!(
            extension("http://x.gov.cn/a/P020240308.PDF?x=1").as_deref(),
            Some("pdf")
        );
        assert_eq!(extension("附件1.docx").as_deref(), Some("docx"));
        assert_eq!(extension("http://x.gov.cn/downfile.jsp?id=3"), None);
        assert_eq!(extension("http://x.gov.cn/a/"), None);
        assert_eq!(
            disposition_filename("attachment; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf").as_deref(),
            Some("年报.pdf")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"r.xls\"").as_deref(),
            Some("r.xls")
        );
    }
}
