//! Running one case: the same decode + extract path as `nianbao extract`
//! ([`crate::pipeline::extract_bytes`]), or the list parser for list cases.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::pipeline::extract_bytes;
use crate::site::Site;

use super::case::{CaseKind, CaseSpec};

/// The output of one case as it is stored in `<case>.expected.json`: pretty JSON in the field
/// order of the output type, ending with a newline.
pub fn run_case(site: &Site, spec: &CaseSpec, bytes: &[u8]) -> Result<String> {
    let json = match spec.kind {
        CaseKind::Detail => {
            serde_json::to_string_pretty(&extract_bytes(bytes, spec.content_type(), &spec.url, Some(site)))
        }
        CaseKind::List => {
            let out = super::list::rule_for(site, spec)
                .and_then(|rule| super::list::run_list(site, rule, spec, bytes))
                .map_err(Error::Other)?;
            serde_json::to_string_pretty(&out)
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
