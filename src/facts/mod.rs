//! Annual-report statistics as data (issue 6).
//!
//! [`facts_from_report`] recognises the tables of the national template (2019 试行 and 2021
//! formats of 《政府信息公开工作年度报告格式》) among a report's tables by their labels, not by
//! position, and turns every cell into a [`Fact`] with stable English keys (documented in
//! `docs/facts.md`). Table 二 (主动公开) becomes `active`, table 三 (申请) `requests`, table 四
//! (行政复议/诉讼) `review_litigation`. The arithmetic the template implies is checked
//! ([`CheckFailure`]); failures are reported, never hidden or "fixed". Reports without template
//! tables (pre-2019, or text-only) get figures from prose patterns, marked [`Source::Prose`].
//!
//! Values: `value: Option<f64>`. Blank cells are `None` (not reported ≠ 0); dashes, slashes and
//! `无` are `Some(0.0)`; free text is `None` with a warning. Counts are integral; amounts (table 二
//! `fees`/`procurement` rows) are decimals in the column's unit, given in `unit` (`万元` when the
//! header says so; a cell written in `元` under a `万元` header is converted). `raw` always keeps
//! the cell text as written.

mod active;
mod checks;
pub mod export;
mod prose;
mod requests;
mod review;
pub mod stored;
pub mod text;

use serde::{Deserialize, Serialize};

use crate::extract::Table;

pub use export::{insert_facts, replace_facts, store_facts, write_checks_csv, write_facts_jsonl, DocRef, FactsCsvWriter, FACTS_SCHEMA_SQL};

/// Which template table (or prose) a fact comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactTable {
    /// Table 二, 主动公开政府信息情况.
    Active,
    /// Table 三, 收到和处理政府信息公开申请情况.
    Requests,
    /// Table 四, 政府信息公开行政复议、行政诉讼情况.
    ReviewLitigation,
    /// Figures stated in the report's prose (pre-2019 reports, or no template table found).
    Prose,
}

impl FactTable {
    /// The stable key: `active`, `requests`, `review_litigation`, `prose`.
    pub fn as_str(self) -> &'static str {
        match self {
            FactTable::Active => "active",
            FactTable::Requests => "requests",
            FactTable::ReviewLitigation => "review_litigation",
            FactTable::Prose => "prose",
        }
    }
}

/// Where a fact was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A cell of a recognised template table.
    Table,
    /// A sentence of the report text, by pattern.
    Prose,
}

/// Which edition of the national template the tables follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Layout {
    /// 国办公开办函〔2019〕60号 试行 format (2019–2020 reports): 本年新制作数量…, a single （六）其他处理 row.
    #[serde(rename = "2019")]
    Y2019,
    /// 国办公开办函〔2021〕30号 format (2021+ reports): 本年制发件数…, （六）其他处理 with three sub-rows.
    #[serde(rename = "2021")]
    Y2021,
}

impl Layout {
    /// `"2019"` or `"2021"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Y2019 => "2019",
            Layout::Y2021 => "2021",
        }
    }
}

/// A grid position in the input: `tables[table][row][col]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellRef {
    pub table: usize,
    pub row: usize,
    pub col: usize,
}

/// One number of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    pub table: FactTable,
    /// Stable English row key (`new_requests`, `results.withheld.state_secret`, `licensing`, …).
    pub row_key: String,
    /// The row's label(s) as printed, outer to inner, joined by ` / `.
    pub row_label: String,
    /// Stable English column key (`natural_person`, `legal.commercial`, `total`, `issued`, …).
    pub column_key: String,
    /// The column's header label(s) as printed, outer to inner, joined by ` / `.
    pub column_label: String,
    /// `None` for a blank cell or unparseable text; dashes are `Some(0.0)`.
    pub value: Option<f64>,
    /// Unit of `value` when it is not a plain count (`万元`, `元`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The cell (or prose match) exactly as written.
    pub raw: String,
    pub source: Source,
    /// Grid position of the cell (table facts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<CellRef>,
}

/// One arithmetic identity of the template that the report's numbers break.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckFailure {
    /// Check id: `requests.row_total`, `requests.results_total`, `requests.balance`,
    /// `review_litigation.total`.
    pub check: String,
    pub table: FactTable,
    /// The row/column of the stated figure that disagrees.
    pub row_key: String,
    pub column_key: String,
    /// The identity, in keys (`natural_person + legal.* = total`).
    pub formula: String,
    /// What the parts add up to.
    pub expected: f64,
    /// What the report states.
    pub actual: f64,
}

/// Everything read from one report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FactSet {
    pub facts: Vec<Fact>,
    /// Identities that failed. Empty with `checks_passed > 0` means the numbers add up.
    pub checks: Vec<CheckFailure>,
    /// How many identities held.
    pub checks_passed: usize,
    pub layout: Option<Layout>,
    /// Unrecognised rows, unparseable cells, duplicate rows, layout conflicts…
    pub warnings: Vec<String>,
}

impl FactSet {
    /// The fact at (table, row key, column key), if any.
    pub fn get(&self, table: FactTable, row_key: &str, column_key: &str) -> Option<&Fact> {
        self.facts
            .iter()
            .find(|f| f.table == table && f.row_key == row_key && f.column_key == column_key)
    }

    /// The value at (table, row key, column key); `None` when absent or blank.
    pub fn value(&self, table: FactTable, row_key: &str, column_key: &str) -> Option<f64> {
        self.get(table, row_key, column_key).and_then(|f| f.value)
    }

    /// True when checks ran and none failed.
    pub fn is_consistent(&self) -> bool {
        self.checks.is_empty() && self.checks_passed > 0
    }
}

/// One row of an input table, with its position.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a> {
    pub table: usize,
    pub row: usize,
    pub cells: &'a [String],
}

/// What a parser returns.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub facts: Vec<Fact>,
    pub warnings: Vec<String>,
    pub layout: Option<Layout>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Active,
    Requests,
    Review,
}

/// Whether a document is an annual report whose statistics are worth reading: it has a report
/// year and its title says 年度报告, 年报 or 工作报告 (as in 政府信息公开工作年度报告,
/// 信息公开年报, 政务公开工作报告). The archive stores [`facts_from_report`] only for these, so a
/// notice or a list page that happens to hold a table never yields facts.
pub fn is_annual_report(title: &str, report_year: Option<i32>) -> bool {
    report_year.is_some() && ["年度报告", "年报", "工作报告"].iter().any(|w| title.contains(w))
}

/// Read the statistics of one report: its tables (grids, merged cells expanded), its clean text
/// and the year it covers (used to decide whether prose patterns apply and for the layout).
pub fn facts_from_report(tables: &[Table], text: &str, report_year: Option<i32>) -> FactSet {
    let mut set = FactSet::default();
    let mut layouts: Vec<(Layout, &'static str)> = Vec::new();
    for (kind, members) in group_tables(tables) {
        let rows: Vec<Row<'_>> = members
            .iter()
            .flat_map(|&t| {
                tables[t].iter().enumerate().map(move |(r, cells)| Row { table: t, row: r, cells })
            })
            .collect();
        if members.len() > 1 {
            set.warnings.push(format!(
                "{}: joined tables {:?} (a template table split across several <table>s)",
                kind_name(kind),
                members
            ));
        }
        let parsed = match kind {
            Kind::Active => active::parse(&rows),
            Kind::Requests => requests::parse(&rows),
            Kind::Review => review::parse(&rows),
        };
        if let Some(l) = parsed.layout {
            layouts.push((l, kind_name(kind)));
        }
        merge_facts(&mut set, parsed);
    }
    let have_tables = !set.facts.is_empty();
    set.layout = decide_layout(&layouts, have_tables, report_year, &mut set.warnings);
    if set.facts.is_empty() {
        if report_year.is_some_and(|y| y >= 2020) {
            set.warnings.push("no template table found; figures taken from the text".into());
        }
        set.facts = prose::extract(text);
    }
    checks::run(&mut set);
    set
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Active => "active",
        Kind::Requests => "requests",
        Kind::Review => "review_litigation",
    }
}

/// Add a parser's facts, dropping (with a warning) any cell already read from an earlier table.
fn merge_facts(set: &mut FactSet, parsed: Parsed) {
    set.warnings.extend(parsed.warnings);
    for f in parsed.facts {
        if set.get(f.table, &f.row_key, &f.column_key).is_some() {
            set.warnings.push(format!(
                "{}: row {} ({}) appears twice; the first is kept",
                f.table.as_str(),
                f.row_key,
                f.row_label
            ));
            // One warning per row is enough: skip the row's other columns silently.
            continue;
        }
        set.facts.push(f);
    }
    set.warnings.dedup();
}

/// The layout the tables show; when recognised tables carry no signal (e.g. only table 四), the
/// edition in force for the report year (2019 试行 for 2019–2020, 2021 from 2021).
fn decide_layout(
    signals: &[(Layout, &'static str)],
    have_tables: bool,
    report_year: Option<i32>,
    warnings: &mut Vec<String>,
) -> Option<Layout> {
    if let Some(&(first, first_from)) = signals.first() {
        if let Some((l, from)) = signals.iter().find(|s| s.0 != first) {
            warnings.push(format!(
                "layout conflict: {} table looks like the {} format, {} like the {} format",
                first_from,
                first.as_str(),
                from,
                l.as_str()
            ));
        }
        return Some(first);
    }
    match report_year {
        Some(y) if have_tables && y >= 2021 => Some(Layout::Y2021),
        Some(y) if have_tables && y >= 2019 => Some(Layout::Y2019),
        _ => None,
    }
}

/// Classify every table and join each recognised table with the unrecognised or same-kind
/// tables directly after it (a template table split across `<table>`s).
fn group_tables(tables: &[Table]) -> Vec<(Kind, Vec<usize>)> {
    let mut groups: Vec<(Kind, Vec<usize>)> = Vec::new();
    let mut prev_in_group = false;
    for (i, t) in tables.iter().enumerate() {
        match classify(t) {
            Some(kind) => {
                match groups.last_mut() {
                    Some((k, members)) if prev_in_group && *k == kind && !restarts(kind, t) => {
                        members.push(i)
                    }
                    _ => groups.push((kind, vec![i])),
                }
                prev_in_group = true;
            }
            None => {
                prev_in_group = match groups.last_mut() {
                    Some((k, members)) if prev_in_group && continues(*k, t) => {
                        members.push(i);
                        true
                    }
                    _ => false,
                };
            }
        }
    }
    groups
}

fn keys_of(t: &Table) -> impl Iterator<Item = String> + '_ {
    t.iter().flatten().map(|c| text::label_key(c))
}

fn classify(t: &Table) -> Option<Kind> {
    let keys: Vec<String> = keys_of(t).collect();
    let has = |needle: &str| keys.iter().any(|k| k.contains(needle));
    if has("结果维持") || (has("行政复议") && has("行政诉讼")) {
        return Some(Kind::Review);
    }
    let req_hits = keys.iter().filter(|k| requests::is_requests_label(k)).count();
    if req_hits >= 2 || (has("自然人") && has("法人或其他组织")) {
        return Some(Kind::Requests);
    }
    let act_hits = keys.iter().filter(|k| active::row_key(k).is_some()).count();
    if has("第二十条") || keys.iter().any(|k| k == "信息内容") || act_hits >= 2 {
        return Some(Kind::Active);
    }
    None
}

/// A recognised table that starts its own copy of the template (has the header) is not joined
/// to the previous one of the same kind.
fn restarts(kind: Kind, t: &Table) -> bool {
    let keys: Vec<String> = keys_of(t).collect();
    match kind {
        Kind::Requests => keys.iter().any(|k| k.contains("本年新收")),
        Kind::Review => keys.iter().any(|k| k == "行政复议"),
        Kind::Active => keys.iter().any(|k| k == "规章"),
    }
}

/// Whether an unrecognised table looks like the rest of a `kind` table.
fn continues(kind: Kind, t: &Table) -> bool {
    let trailing_values = |row: &Vec<String>, n: usize| {
        row.len() >= n && row[row.len() - n..].iter().all(|c| text::is_value_like(c))
    };
    match kind {
        Kind::Requests => t.iter().any(|r| {
            r.len() > 7 && trailing_values(r, 7) && !text::label_key(&r[0]).is_empty()
        }),
        Kind::Review => t.iter().any(|r| trailing_values(r, 15)),
        Kind::Active => t.iter().any(|r| r.first().is_some_and(|c| active::row_key(&text::label_key(c)).is_some())),
    }
}

