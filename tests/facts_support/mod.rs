//! Test support for the facts tests: fixture pages → grids through the real extractor
//! (`nianbao::extract::extract`), and the hand-written expected-values format.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use nianbao::extract::{extract, Extracted, Page};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facts").join(name)
}

pub fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The page through the real extractor (no site rule), as the pipeline would read it.
pub fn extracted(html: &str) -> Extracted {
    extract(&Page { html, url: "https://www.example.gov.cn/a.html", site: None }, None)
}

/// Every data table of the page as a grid: `Extracted::tables` of the real extractor
/// (rowspan/colspan expanded, a merged cell's text repeated in every position it covers).
pub fn grids(html: &str) -> Vec<Vec<Vec<String>>> {
    extracted(html).tables
}

/// One expected cell: (table, row_key, column_key) → value (`None` for a blank cell).
pub type Expected = BTreeMap<(String, String, String), Option<f64>>;

/// Parse the hand-written expected format:
/// ```text
/// [requests] natural_person legal.commercial … total     # a block: table and its columns
/// new_requests 80 1 0 0 0 0 81                           # a row: key and one value per column
/// ```
/// `_` is a blank cell; `#` starts a comment.
pub fn expected(name: &str) -> Expected {
    let text = read(name);
    let mut out = Expected::new();
    let mut block: Option<(String, Vec<String>)> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let first = words.next().unwrap();
        if let Some(table) = first.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            block = Some((table.to_string(), words.map(String::from).collect()));
            continue;
        }
        let (table, cols) = block.as_ref().unwrap_or_else(|| panic!("{name}:{}: row before a [table] line", n + 1));
        let values: Vec<&str> = words.collect();
        assert_eq!(values.len(), cols.len(), "{name}:{}: {} values for {} columns", n + 1, values.len(), cols.len());
        for (col, v) in cols.iter().zip(values) {
            let v = if v == "_" { None } else { Some(v.parse::<f64>().unwrap_or_else(|_| panic!("{name}:{}: {v}", n + 1))) };
            let prev = out.insert((table.clone(), first.to_string(), col.clone()), v);
            assert!(prev.is_none(), "{name}:{}: {first}.{col} given twice", n + 1);
        }
    }
    out
}
