//! Bytes → text, the way a careful browser would, and saying how it decided.
//!
//! Order: BOM → rule-forced label → HTTP Content-Type charset → `<meta charset>`/`http-equiv`
//! (first 1024 bytes) → chardetng (TLD hint `cn`, UTF-8 allowed).
//!
//! * The labels gb2312, gbk, x-gbk, gb18030 (and every other WHATWG label of GBK) all decode with
//!   the GB18030 decoder, and the reported label is then always `"gb18030"`. Never a strict GB2312
//!   decoder: pages labelled gb2312 routinely hold GBK characters (镕, 堃) and GB18030 four-byte
//!   sequences (𠮷, 㐀).
//! * When the declared label produces malformed sequences and another candidate (the other
//!   declaration, UTF-8, GB18030, chardetng's guess) decodes cleanly, the clean one wins and
//!   `source` is [`CharsetSource::Corrected`], with a note naming what was declared and what was
//!   used. The same happens when a legacy label (gb2312, iso-8859-1, …) is declared on bytes
//!   that are valid, non-ASCII UTF-8, and when a Western single-byte label (iso-8859-1, the
//!   default of many Java servers) is declared on bytes chardetng reads as Chinese.
//! * A header that contradicts the meta tag is noted.
//! * Malformed bytes are reported, not hidden: `had_errors = true` and a note with the byte
//!   offset of the first bad sequence.

mod sniff;

use encoding_rs::{Encoding, GB18030, GBK, REPLACEMENT, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};
use serde::{Deserialize, Serialize};

pub use sniff::{charset_from_content_type, meta_charset};

/// Where the winning charset came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharsetSource {
    /// A byte-order mark.
    Bom,
    /// The HTTP `Content-Type` charset parameter.
    Header,
    /// A `<meta charset>` or `<meta http-equiv=Content-Type>` tag.
    Meta,
    /// The site rule's `encoding` key.
    Rule,
    /// No usable declaration: chardetng's guess.
    Sniffed,
    /// The declared label produced errors; another candidate decoded cleanly.
    Corrected,
}

/// What `encoding` reports in the extract JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodingInfo {
    /// WHATWG name of the encoding used, e.g. "UTF-8", "gb18030" (every GBK-family label is
    /// reported as "gb18030", the decoder actually used).
    pub label: String,
    /// Which source decided.
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
    /// The text, BOM removed.
    pub text: String,
    /// Label, source and error flag.
    pub info: EncodingInfo,
    /// Human-readable notes: a contradiction between header and meta, a corrected label, the
    /// byte offset of the first malformed sequence. Copied into the extract `warnings`.
    pub notes: Vec<String>,
}

/// Resolve a charset label to the encoding this crate decodes it with: WHATWG labels (trimmed,
/// case-insensitive), a few common misspellings (`gb-2312`, `utf_8`), and the GBK family mapped to
/// GB18030. `None` for unknown labels and for the WHATWG "replacement" encoding.
pub fn resolve_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    let enc = Encoding::for_label(label.as_bytes()).or_else(|| {
        let squashed: String =
            label.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        match squashed.as_str() {
            "gb2312" | "gb231280" | "gbk" | "cp936" | "gb18030" | "gb180302000" | "gb180302005" => Some(GB18030),
            "utf8" => Some(UTF_8),
            "big5" | "big5hkscs" => Encoding::for_label(b"big5"),
            _ => None,
        }
    })?;
    if enc == REPLACEMENT {
        return None;
    }
    Some(if enc == GBK { GB18030 } else { enc })
}

/// Is `label` usable as a forced rule encoding (`"auto"` or a label [`resolve_label`] knows)?
pub fn is_valid_label(label: &str) -> bool {
    label.trim().eq_ignore_ascii_case("auto") || resolve_label(label).is_some()
}

/// Decode `bytes`. `content_type` is the HTTP header value if any; `forced` a label from the rule
/// (`encoding = "gbk"`), `None` or `"auto"` for detection.
pub fn decode(bytes: &[u8], content_type: Option<&str>, forced: Option<&str>) -> Decoded {
    let mut notes = Vec::new();
    let header_label = content_type.and_then(charset_from_content_type);
    let meta_label = meta_charset(bytes);
    let header = declared(header_label.as_deref(), "HTTP header", &mut notes);
    let meta = declared(meta_label.as_deref(), "<meta>", &mut notes)
        // A meta tag cannot sensibly declare UTF-16 (it is ASCII-compatible text): HTML says UTF-8.
        .map(|e| if e == UTF_16LE || e == UTF_16BE { UTF_8 } else { e });
    if let (Some(h), Some(m)) = (header, meta) {
        if h != m {
            notes.push(format!(
                "HTTP header declares {} but <meta> declares {}",
                header_label.as_deref().unwrap_or_default().trim(),
                meta_label.as_deref().unwrap_or_default().trim()
            ));
        }
    }

    // 1. BOM.
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        for (what, decl) in [("HTTP header", header), ("<meta>", meta)] {
            if decl.is_some_and(|d| d != enc) {
                notes.push(format!("{what} declares {} but the byte-order mark says {}", name(decl), enc.name()));
            }
        }
        return finish(enc, &bytes[bom_len..], bom_len, CharsetSource::Bom, notes);
    }

    // 2. A label forced by the rule.
    if let Some(label) = forced.map(str::trim).filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("auto")) {
        match resolve_label(label) {
            Some(enc) => return finish(enc, bytes, 0, CharsetSource::Rule, notes),
            None => notes.push(format!("rule encoding {label:?} is not a known label; detecting instead")),
        }
    }

    // 3. Declarations: the header first, then the meta tag.
    // chardetng is the costliest step of decoding (see `sniff`): run it only on the paths that
    // consult it, not for every page with a clean declaration.
    let guess = std::cell::OnceCell::new();
    let sniffed = || *guess.get_or_init(|| sniff(bytes));
    let declaration = match (header, meta) {
        (Some(h), _) => Some((h, CharsetSource::Header, "HTTP header", header_label.as_deref(), meta)),
        (None, Some(m)) => Some((m, CharsetSource::Meta, "<meta>", meta_label.as_deref(), None)),
        (None, None) => None,
    };
    if let Some((enc, source, what, label, other)) = declaration {
        // Name the label as written, and the decoder it maps to when that differs.
        let label = label.unwrap_or_default().trim();
        let declared_as = if label.eq_ignore_ascii_case(enc.name()) {
            enc.name().to_string()
        } else {
            format!("{label} (decoded as {})", enc.name())
        };
        let non_ascii = bytes.iter().any(|b| !b.is_ascii());
        // Decode once: the result is kept unless a correction below picks another encoding.
        let (text, had_errors) = enc.decode_without_bom_handling(bytes);
        let clean = !had_errors;
        // Valid UTF-8 with real multi-byte content under a legacy label: the label is wrong.
        if enc != UTF_8 && looks_like_utf8(bytes) {
            let why = if clean { "but the bytes are valid UTF-8" } else { "which produced malformed bytes" };
            notes.push(format!("{what} declared {declared_as} {why}; decoded as UTF-8"));
            return finish(UTF_8, bytes, 0, CharsetSource::Corrected, notes);
        }
        // A Western single-byte label decodes anything "cleanly": trust it only when chardetng
        // does not read the bytes as something else (typically a Tomcat ISO-8859-1 default).
        if clean && enc == WINDOWS_1252 && non_ascii {
            let better = other.filter(|&o| o != enc).or_else(|| Some(sniffed())).filter(|&c| c != enc);
            if let Some(c) = better.filter(|c| c.decode_without_bom_handling_and_without_replacement(bytes).is_some()) {
                notes.push(format!("{what} declared {declared_as} but the bytes read as {}; decoded as {}", c.name(), c.name()));
                return finish(c, bytes, 0, CharsetSource::Corrected, notes);
            }
        }
        if clean {
            return finished(enc, text, false, bytes, 0, source, notes);
        }
        let offset = first_error_offset(enc, bytes).unwrap_or(0);
        // chardetng's guess comes last, and is only computed when the others fail.
        let candidates = [other, Some(UTF_8), Some(GB18030)].into_iter().flatten().chain(std::iter::once_with(sniffed));
        for cand in candidates.filter(|&c| c != enc) {
            if cand.decode_without_bom_handling_and_without_replacement(bytes).is_some() {
                notes.push(format!(
                    "{what} declared {declared_as} but the bytes are malformed in it (first at byte {offset}); decoded as {}",
                    cand.name()
                ));
                return finish(cand, bytes, 0, CharsetSource::Corrected, notes);
            }
        }
        return finished(enc, text, had_errors, bytes, 0, source, notes);
    }

    // 4. Nothing declared: chardetng, then any clean alternative if its guess is not clean.
    let sniffed = sniffed();
    // Decode once: kept when clean (the usual case), and as the last resort otherwise.
    let (text, had_errors) = sniffed.decode_without_bom_handling(bytes);
    if had_errors {
        for cand in [UTF_8, GB18030].into_iter().filter(|&c| c != sniffed) {
            if cand.decode_without_bom_handling_and_without_replacement(bytes).is_some() {
                notes.push(format!(
                    "no charset declared; detector guessed {} which produced malformed bytes; decoded as {}",
                    sniffed.name(),
                    cand.name()
                ));
                return finish(cand, bytes, 0, CharsetSource::Sniffed, notes);
            }
        }
    }
    finished(sniffed, text, had_errors, bytes, 0, CharsetSource::Sniffed, notes)
}

/// Resolve a declared label, noting one that names no usable encoding.
fn declared(label: Option<&str>, what: &str, notes: &mut Vec<String>) -> Option<&'static Encoding> {
    let label = label?;
    let enc = resolve_label(label);
    if enc.is_none() {
        notes.push(format!("{what} declares unknown charset {:?}; ignored", label.trim()));
    }
    enc
}

fn name(enc: Option<&'static Encoding>) -> &'static str {
    enc.map(|e| e.name()).unwrap_or("nothing")
}

/// How many non-ASCII bytes chardetng is given at most (with the ASCII around them): about 500
/// Chinese characters, far more than it needs to tell GBK from Big5, EUC-KR or Shift_JIS, while
/// the detector costs about 1,700 instructions a byte (17 M for a 10 KB page).
pub const SNIFF_NON_ASCII: usize = 1024;

/// chardetng's guess, TLD hint `cn`, UTF-8 allowed; GBK → GB18030.
///
/// Valid UTF-8 is UTF-8 without running the detector: with UTF-8 allowed, chardetng answers
/// UTF-8 exactly when its UTF-8 candidate saw no invalid sequence. Anything else is fed to it up
/// to [`sniff_prefix`].
fn sniff(bytes: &[u8]) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(sniff_prefix(bytes, SNIFF_NON_ASCII), true);
    let enc = det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
    if enc == GBK {
        GB18030
    } else {
        enc
    }
}

/// The start of `bytes` holding its first `budget` non-ASCII bytes, cut just before the next
/// `<` or line feed after them (bytes that never occur inside a GBK, Big5, Shift_JIS or UTF-8
/// character, so no character is split); all of `bytes` when they hold fewer.
pub fn sniff_prefix(bytes: &[u8], budget: usize) -> &[u8] {
    let mut seen = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii() {
            seen += 1;
            if seen >= budget {
                let cut = bytes[i..].iter().position(|&c| c == b'<' || c == b'\n');
                return cut.map_or(bytes, |k| &bytes[..i + k]);
            }
        }
    }
    bytes
}

/// Valid UTF-8 holding at least two multi-byte sequences (GBK text almost never validates as
/// UTF-8 past a couple of characters).
fn looks_like_utf8(bytes: &[u8]) -> bool {
    let multi = bytes.iter().filter(|&&b| (0xC2..=0xF4).contains(&b)).count();
    multi >= 2 && std::str::from_utf8(bytes).is_ok()
}

/// Decode with `enc`; on errors, note the offset of the first malformed sequence (`base` is added
/// to offsets, for a stripped BOM).
fn finish(enc: &'static Encoding, bytes: &[u8], base: usize, source: CharsetSource, notes: Vec<String>) -> Decoded {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    finished(enc, text, had_errors, bytes, base, source, notes)
}

/// [`finish`] with the decoding already done: `text` and `had_errors` are what
/// `enc.decode_without_bom_handling(bytes)` returned.
fn finished(
    enc: &'static Encoding,
    text: std::borrow::Cow<'_, str>,
    had_errors: bool,
    bytes: &[u8],
    base: usize,
    source: CharsetSource,
    mut notes: Vec<String>,
) -> Decoded {
    if had_errors {
        let off = first_error_offset(enc, bytes).map(|o| o + base);
        notes.push(match off {
            Some(o) => format!("malformed {} bytes; first bad sequence at byte {o} (replaced by U+FFFD)", enc.name()),
            None => format!("malformed {} bytes (replaced by U+FFFD)", enc.name()),
        });
    }
    Decoded {
        text: text.into_owned(),
        info: EncodingInfo { label: enc.name().to_string(), source, had_errors },
        notes,
    }
}

/// Byte offset of the first malformed sequence of `bytes` in `enc`, or `None` if it decodes
/// cleanly.
pub fn first_error_offset(enc: &'static Encoding, bytes: &[u8]) -> Option<usize> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let cap = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len() * 4 + 16);
    let mut out = String::with_capacity(cap);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        encoding_rs::DecoderResult::Malformed(bad, after) => {
            Some(read.saturating_sub(after as usize).saturating_sub(bad as usize))
        }
        _ => None,
    }
}

/// Percent-encode `s` as GB18030 bytes for a query-string value on a GBK site: ASCII
/// alphanumerics and `-._~` stay as they are, every other byte (space included) becomes `%XX`
/// (upper-case hex). `"年报 2023"` → `"%C4%EA%B1%A8%202023"`.
pub fn encode_query_gbk(s: &str) -> String {
    let (bytes, _, _) = GB18030.encode(s);
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes.iter() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
