//! Bytes → text, the way a careful browser would, and saying how it decided.
//!
//! Order: BOM → HTTP Content-Type charset → `<meta charset>`/`http-equiv` (first 1024 bytes)
//! → chardetng (TLD hint `cn`). Labels gb2312/gbk/x-gbk decode with the GB18030 decoder.
//! A rule may force a label. When the declared label produces malformed sequences and another
//! candidate decodes cleanly, the clean one wins and `source` says so.

use serde::{Deserialize, Serialize};

/// Where the winning charset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharsetSource {
    Bom,
    Header,
    Meta,
    Rule,
    Sniffed,
    /// The declared label produced errors; another candidate decoded cleanly.
    Corrected,
}

/// What `encoding` reports in the extract JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodingInfo {
    /// WHATWG name of the encoding used, e.g. "UTF-8", "gb18030".
    pub label: String,
    pub source: CharsetSource,
    /// True when the bytes held sequences invalid in the chosen encoding (replaced by U+FFFD).
    pub had_errors: bool,
}

impl Default for EncodingInfo {
    fn default() -> Self {
        EncodingInfo { label: "UTF-8".into(), source: CharsetSource::Sniffed, had_errors: false }
    }
}

/// The decoded document.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub info: EncodingInfo,
    /// Human-readable notes: a contradiction between header and meta, a corrected label, the
    /// byte offset of the first malformed sequence. Copied into the extract `warnings`.
    pub notes: Vec<String>,
}

/// Decode `bytes`. `content_type` is the HTTP header value if any; `forced` a label from the rule
/// (`encoding = "gbk"`), `None` or `"auto"` for detection.
pub fn decode(bytes: &[u8], content_type: Option<&str>, forced: Option<&str>) -> Decoded {
    let _ = (bytes, content_type, forced);
    todo!("decode")
}
