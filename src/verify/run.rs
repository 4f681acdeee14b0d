//! Running one case: the same decode + extract path as `nianbao extract`.

use serde_json::Value;

use crate::decode;
use crate::error::{Error, Result};
use crate::extract::{self, Extracted, Page};
use crate::site::Site;

use super::case::{CaseKind, CaseSpec};

/// Decode `bytes` (HTTP `content_type`, the site's forced encoding if any) and extract the detail
/// page: the code path of `nianbao extract`. `encoding` is filled from the decoder and the decoder's
/// notes come first in `warnings`.
pub fn extract_bytes(bytes: &[u8], content_type: Option<&str>, url: &str, site: Option<&Site>) -> Extracted {
    let forced = site.and_then(|s| s.encoding.as_deref());
    let decoded = decode::decode(bytes, content_type, forced);
    let page = Page { html: &decoded.text, url, site: site.map(|s| s.name.as_str()) };
    let mut out = extract::extract(&page, site.map(|s| &s.detail));
    out.encoding = decoded.info;
    let mut warnings = decoded.notes;
    warnings.append(&mut out.warnings);
    out.warnings = warnings;
    out
}

/// The output of one case as it is stored in `<case>.expected.json`: pretty JSON in the field
/// order of the output type, ending with a newline.
pub fn run_case(site: &Site, spec: &CaseSpec, bytes: &[u8]) -> Result<String> {
    let json = match spec.kind {
        CaseKind::Detail => {
            serde_json::to_string_pretty(&extract_bytes(bytes, spec.content_type(), &spec.url, Some(site)))
        }
        CaseKind::List => {
            return Err(Error::Other(format!(
                "{}: list cases need extract::list::parse_list, which is not merged yet",
                spec.url
            )))
        }
    };
    json.map(|s| s + "\n").map_err(|e| Error::Other(format!("{}: serialising the output: {e}", spec.url)))
}

/// Parse a JSON document, naming `path` on failure.
pub fn parse_json(path: &std::path::Path, raw: &str) -> Result<Value> {
    serde_json::from_str(raw).map_err(|e| Error::Fixture {
        path: path.to_path_buf(),
        message: format!("not valid JSON: {e}"),
    })
}
