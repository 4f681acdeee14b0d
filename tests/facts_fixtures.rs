//! Fixture tests of `facts_from_report`: a real report (pingtan 2023) and constructed variants
//! (2019 layout, tables split across `<table>`s, blank cells), each checked against a
//! hand-written expected file of every template cell; injected inconsistencies; prose.
//!
//! Run: `cargo test --test facts_fixtures`

mod facts_support;

use std::collections::BTreeSet;

use facts_support::{expected, grids, read};
use nianbao::facts::{facts_from_report, CheckFailure, FactSet, FactTable, Layout, Source};

/// Compare every fact with the expected file: same cells, same values, nothing extra.
fn assert_matches(set: &FactSet, expected_file: &str) {
    let want = expected(expected_file);
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for f in &set.facts {
        let key = (f.table.as_str().to_string(), f.row_key.clone(), f.column_key.clone());
        assert!(seen.insert(key.clone()), "duplicate fact {key:?}");
        match want.get(&key) {
            None => errors.push(format!("unexpected {key:?} = {:?} (raw {:?})", f.value, f.raw)),
            Some(v) if *v != f.value => errors.push(format!("{key:?}: got {:?} (raw {:?}), expected {v:?}", f.value, f.raw)),
            Some(_) => {}
        }
    }
    for key in want.keys().filter(|k| !seen.contains(*k)) {
        errors.push(format!("missing {key:?}"));
    }
    assert!(errors.is_empty(), "{expected_file}:\n{}", errors.join("\n"));
}

fn report(html_file: &str, year: i32) -> (Vec<Vec<Vec<String>>>, FactSet) {
    let tables = grids(&read(html_file));
    let set = facts_from_report(&tables, "", Some(year));
    (tables, set)
}

// Identities per report: 25 (2021) or 23 (2019) row totals, 7 results totals, 7 balances,
// 3 review/litigation totals.
const CHECKS_2021: usize = 25 + 7 + 7 + 3;
const CHECKS_2019: usize = 23 + 7 + 7 + 3;

#[test]
fn pingtan_2023_every_cell() {
    let (tables, set) = report("../../../sites/pingtan/report-2023.html", 2023);
    assert_matches(&set, "pingtan_2023.expected");
    assert_eq!(set.layout, Some(Layout::Y2021));
    assert!(set.warnings.is_empty(), "{:#?}", set.warnings);
    assert!(set.checks.is_empty(), "{:#?}", set.checks);
    assert_eq!(set.checks_passed, CHECKS_2021);
    assert!(set.is_consistent());
    // Every table fact points back at the cell it was read from.
    for f in &set.facts {
        assert_eq!(f.source, Source::Table);
        let c = f.cell.expect("cell position");
        assert_eq!(tables[c.table][c.row][c.col].trim(), f.raw, "{f:?}");
    }
}

#[test]
fn pingtan_2023_labels_units_and_raw_text_are_kept() {
    let (_, set) = report("../../../sites/pingtan/report-2023.html", 2023);
    let f = set.get(FactTable::Requests, "results.partially_disclosed", "legal.commercial").unwrap();
    assert_eq!(f.row_label, "三、本年度办理结果 / （二）部分公开（区分处理的，只计这一情形，不计其他情形）");
    assert_eq!(f.column_label, "法人或其他组织 / 商业企业");
    assert_eq!(f.raw, "1");
    let f = set.get(FactTable::Requests, "results.withheld.security_stability", "total").unwrap();
    assert_eq!(f.row_label, "三、本年度办理结果 / （三）不予公开 / 3.危及“三安全一稳定”");
    let f = set.get(FactTable::Active, "fees", "amount").unwrap();
    assert_eq!((f.unit.as_deref(), f.raw.as_str()), (Some("万元"), "5949.088667"));
    assert_eq!(f.column_label, "本年收费金额（单位：万元）");
    assert_eq!(f.row_label, "第二十条第（八）项 / 行政事业性收费");
    let f = set.get(FactTable::ReviewLitigation, "litigation.direct", "pending").unwrap();
    assert_eq!((f.row_label.as_str(), f.column_label.as_str()), ("行政诉讼 / 未经复议直接起诉", "尚未审结"));
    assert_eq!(f.value, Some(1.0));
}

#[test]
fn layout_2019_report_every_cell() {
    let (_, set) = report("layout2019_report.html", 2019);
    assert_matches(&set, "layout2019_report.expected");
    assert_eq!(set.layout, Some(Layout::Y2019));
    assert!(set.warnings.is_empty(), "{:#?}", set.warnings);
    assert!(set.checks.is_empty(), "{:#?}", set.checks);
    assert_eq!(set.checks_passed, CHECKS_2019);
    // "251000元" under a header without a unit: the cell's unit is kept.
    let p = set.get(FactTable::Active, "procurement", "amount").unwrap();
    assert_eq!((p.unit.as_deref(), p.raw.as_str()), (Some("元"), "251000元"));
    // The long filling hint is stripped for matching but kept in the label.
    let r = set.get(FactTable::Active, "rules", "made").unwrap();
    assert!(r.row_label.ends_with("规章(设区的市、自治州人民政府应提供相关数据)"), "{}", r.row_label);
}

#[test]
fn split_tables_are_joined() {
    let (tables, set) = report("split_tables_report.html", 2022);
    assert_eq!(tables.len(), 8, "the fixture has 4 + 2 + 2 tables");
    assert_matches(&set, "split_tables_report.expected");
    assert_eq!(set.layout, Some(Layout::Y2021));
    assert!(set.checks.is_empty(), "{:#?}", set.checks);
    assert_eq!(set.checks_passed, CHECKS_2021);
    // The joins are reported, and nothing else is.
    assert_eq!(set.warnings.len(), 3, "{:#?}", set.warnings);
    assert!(set.warnings.iter().all(|w| w.contains("joined tables")), "{:#?}", set.warnings);
    // The second half of table 三 is read from the second <table>.
    let f = set.get(FactTable::Requests, "results.other.other", "legal.commercial").unwrap();
    assert_eq!(f.cell.unwrap().table, 5);
}

#[test]
fn blank_cells_are_none_not_zero() {
    let (_, set) = report("blank_cells_report.html", 2022);
    assert_matches(&set, "blank_cells_report.expected");
    assert!(set.warnings.is_empty(), "{:#?}", set.warnings);
    // Blanks count as 0 in the identities; rows with nothing reported are not checked.
    assert!(set.checks.is_empty(), "{:#?}", set.checks);
    assert!(set.checks_passed > 0);
    let f = set.get(FactTable::Requests, "carried_forward", "total").unwrap();
    assert_eq!((f.value, f.raw.as_str()), (None, ""));
    let f = set.get(FactTable::Requests, "new_requests", "total").unwrap();
    assert_eq!((f.value, f.raw.as_str()), (Some(3.0), "3件"));
    let f = set.get(FactTable::ReviewLitigation, "litigation.after_review", "total").unwrap();
    assert_eq!((f.value, f.raw.as_str()), (Some(0.0), "—"));
}

/// Replace the text of one cell (and any merged copies at the same position).
fn inject(tables: &mut [Vec<Vec<String>>], table: usize, row: usize, col: usize, text: &str) {
    tables[table][row][col] = text.to_string();
}

fn failures(set: &FactSet) -> Vec<(String, String, String, f64, f64)> {
    let mut v: Vec<_> = set
        .checks
        .iter()
        .map(|c: &CheckFailure| (c.check.clone(), c.row_key.clone(), c.column_key.clone(), c.expected, c.actual))
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

#[test]
fn injected_inconsistency_in_a_result_row_is_caught() {
    let mut tables = grids(&read("../../../sites/pingtan/report-2023.html"));
    // （一）予以公开, 自然人: 22 → 23 (table 1 row 5 col 3 in the grid).
    assert_eq!(tables[1][5][1], "（一）予以公开");
    inject(&mut tables, 1, 5, 3, "23");
    let set = facts_from_report(&tables, "", Some(2023));
    assert_eq!(set.value(FactTable::Requests, "results.disclosed", "natural_person"), Some(23.0));
    assert_eq!(
        failures(&set),
        vec![
            ("requests.results_total".into(), "results.total".into(), "natural_person".into(), 81.0, 80.0),
            ("requests.row_total".into(), "results.disclosed".into(), "total".into(), 23.0, 22.0),
        ]
    );
    assert!(!set.is_consistent());
    assert_eq!(set.checks_passed, CHECKS_2021 - 2);
}

#[test]
fn injected_inconsistency_in_carried_forward_and_review_is_caught() {
    let mut tables = grids(&read("../../../sites/pingtan/report-2023.html"));
    let last = tables[1].len() - 1;
    assert!(tables[1][last][0].starts_with("四、结转下年度"));
    inject(&mut tables, 1, last, 9, "5"); // 结转下年度 总计: 0 → 5
    inject(&mut tables, 2, 3, 4, "3"); // 行政复议 总计: 2 → 3
    let set = facts_from_report(&tables, "", Some(2023));
    assert_eq!(
        failures(&set),
        vec![
            ("requests.balance".into(), "carried_forward".into(), "total".into(), 0.0, 5.0),
            ("requests.row_total".into(), "carried_forward".into(), "total".into(), 0.0, 5.0),
            ("review_litigation.total".into(), "review".into(), "total".into(), 2.0, 3.0),
        ]
    );
    let c = set.checks.iter().find(|c| c.check == "requests.balance").unwrap();
    assert_eq!(c.formula, "new_requests + carried_over - results.total = carried_forward");
}

#[test]
fn pre_2019_report_figures_come_from_prose() {
    // seeds/000: a 2018 report (text as another tool scraped it, defects included), no tables.
    let text = read("prose_2018_seed000.txt");
    let set = facts_from_report(&[], &text, Some(2018));
    assert_eq!(set.layout, None);
    assert!(set.facts.iter().all(|f| f.source == Source::Prose && f.table == FactTable::Prose));
    let v = |k: &str| set.value(FactTable::Prose, k, "total");
    assert_eq!(v("active_disclosed"), Some(12111.0));
    assert_eq!(v("requests_received"), Some(0.0)); // 没有受理过依申请公开事项
    assert_eq!(v("review_cases"), Some(0.0)); // 未发生因政府信息公开申请行政复议、提起行政诉讼
    assert_eq!(v("litigation_cases"), Some(0.0));
    assert_eq!(v("fees_collected"), Some(0.0)); // 均未收费
    assert_eq!(set.get(FactTable::Prose, "active_disclosed", "total").unwrap().raw, "主动公开政府信息12111条");
    assert_eq!(set.checks_passed, 0);
    assert!(set.checks.is_empty());
}

#[test]
fn prose_is_not_used_when_the_template_tables_are_there() {
    let tables = grids(&read("../../../sites/pingtan/report-2023.html"));
    let text = "2023年全区共主动公开政府信息13561条。";
    let set = facts_from_report(&tables, text, Some(2023));
    assert!(set.facts.iter().all(|f| f.source == Source::Table));
    // …but a table-less 2023 page (report only in an attachment) falls back to prose, with a warning.
    let set = facts_from_report(&[], text, Some(2023));
    assert_eq!(set.value(FactTable::Prose, "active_disclosed", "total"), Some(13561.0));
    assert!(set.warnings.iter().any(|w| w.contains("no template table")), "{:?}", set.warnings);
}

#[test]
fn tables_are_found_by_labels_not_position() {
    // Reverse the tables and put an unrelated table first: same facts.
    let mut tables = grids(&read("../../../sites/pingtan/report-2023.html"));
    let baseline = facts_from_report(&tables, "", Some(2023));
    tables.reverse();
    tables.insert(0, vec![vec!["索引号".into(), "123".into()], vec!["发布机构".into(), "平潭".into()]]);
    let set = facts_from_report(&tables, "", Some(2023));
    let strip = |s: &FactSet| {
        let mut v: Vec<_> = s.facts.iter().map(|f| (f.table, f.row_key.clone(), f.column_key.clone(), f.value)).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    };
    assert_eq!(strip(&set), strip(&baseline));
    assert!(set.is_consistent());
}

/// The same fixtures through the real pipeline step (`extract::extract`, generic rule): its
/// tables and text give the same facts as the expected files.
#[test]
fn fixtures_through_the_extractor() {
    use nianbao::extract::{extract, Page};
    for (html_file, expected_file, year) in [
        ("../../../sites/pingtan/report-2023.html", "pingtan_2023.expected", 2023),
        ("layout2019_report.html", "layout2019_report.expected", 2019),
        ("split_tables_report.html", "split_tables_report.expected", 2022),
        ("blank_cells_report.html", "blank_cells_report.expected", 2022),
    ] {
        let html = read(html_file);
        let doc = extract(&Page { html: &html, url: "https://www.example.gov.cn/a.html", site: None }, None);
        let set = facts_from_report(&doc.tables, &doc.text, doc.report_year.or(Some(year)));
        assert_matches(&set, expected_file);
        assert!(set.checks.is_empty(), "{html_file}: {:#?}", set.checks);
    }
    // The pingtan title gives the report year.
    let html = read("../../../sites/pingtan/report-2023.html");
    let doc = extract(&Page { html: &html, url: "https://www.pingtan.gov.cn/", site: None }, None);
    assert_eq!(doc.report_year, Some(2023));
}
