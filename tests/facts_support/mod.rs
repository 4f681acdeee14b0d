//! Test support for the facts tests: HTML tables → grids (rowspan/colspan expanded, a merged
//! cell's text repeated in every position it covers; `<br>` and paragraph breaks become `\n`),
//! and the hand-written expected-values format.
//!
//! The grid builder stands in for `crate::extract` tables until that lands; it follows the same
//! contract as `Extracted::tables`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use scraper::{ElementRef, Html, Node, Selector};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facts").join(name)
}

pub fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn cell_text(cell: ElementRef<'_>) -> String {
    let mut out = String::new();
    for node in cell.descendants() {
        match node.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) if e.name() == "br" => out.push('\n'),
            Node::Element(e) if e.name() == "p" && !out.is_empty() => out.push('\n'),
            _ => {}
        }
    }
    out.trim().to_string()
}

/// Every `<table>` of the page as a grid.
pub fn grids(html: &str) -> Vec<Vec<Vec<String>>> {
    let doc = Html::parse_document(html);
    let table_sel = Selector::parse("table").unwrap();
    let tr_sel = Selector::parse("tr").unwrap();
    let mut tables = Vec::new();
    for table in doc.select(&table_sel) {
        let mut grid: BTreeMap<(usize, usize), String> = BTreeMap::new();
        let mut nrows = 0;
        for (r, tr) in table.select(&tr_sel).enumerate() {
            nrows = nrows.max(r + 1);
            let mut c = 0;
            for cell in tr.child_elements().filter(|e| matches!(e.value().name(), "td" | "th")) {
                while grid.contains_key(&(r, c)) {
                    c += 1;
                }
                let span = |a: &str| cell.value().attr(a).and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(1).max(1);
                let (rs, cs) = (span("rowspan"), span("colspan"));
                let text = cell_text(cell);
                for dr in 0..rs {
                    for dc in 0..cs {
                        grid.insert((r + dr, c + dc), text.clone());
                    }
                }
                c += cs;
            }
        }
        let mut rows = vec![Vec::new(); nrows];
        for ((r, c), text) in grid {
            if r < nrows {
                let row: &mut Vec<String> = &mut rows[r];
                row.resize(c, String::new());
                row.push(text);
            }
        }
        tables.push(rows);
    }
    tables
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
