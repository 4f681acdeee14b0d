//! The one code path from raw bytes to an [`Extracted`] document: decode, then extract with the
//! site's rule (or the generic fallback). `extract`, `verify`, `crawl`, `capture` and `reextract`
//! all call [`extract_bytes`], so a fixture that passes `verify` behaves the same in a crawl.

use crate::decode;
use crate::extract::{self, Extracted, Page};
use crate::site::Site;

/// Decode `bytes` (with the HTTP `content_type` if known and the rule's forced encoding) and
/// extract the page at `url`.
pub fn extract_bytes(bytes: &[u8], content_type: Option<&str>, url: &str, site: Option<&Site>) -> Extracted {
    let forced = site.and_then(|s| s.encoding.as_deref());
    let decoded = decode::decode(bytes, content_type, forced);
    let page = Page { html: &decoded.text, url, site: site.map(|s| s.name.as_str()) };
    let mut out = extract::extract(&page, site.map(|s| &s.detail));
    out.encoding = decoded.info;
    // Decoding notes come first: they explain anything odd in the text.
    let mut warnings = decoded.notes;
    warnings.append(&mut out.warnings);
    out.warnings = warnings;
    out
}
