//! `facts_from_report` on hand-built grids: the irregular shapes real pages produce.
//!
//! Run: `cargo test --test facts_grids`

use nianbao::facts::{facts_from_report, FactTable, Layout};

fn grid(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

const HEADER: [&[&str]; 3] = [
    &["说明", "说明", "说明", "申请人情况", "申请人情况", "申请人情况", "申请人情况", "申请人情况", "申请人情况", "申请人情况"],
    &["说明", "说明", "说明", "自然人", "法人或其他组织", "法人或其他组织", "法人或其他组织", "法人或其他组织", "法人或其他组织", "总计"],
    &["说明", "说明", "说明", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"],
];

#[test]
fn continuation_without_the_group_columns_is_read_by_position() {
    // The second half of table 三 lost both label columns on the left: only the leaf label is
    // left, and "3.其他" must be placed under （六）其他处理 from the rows above.
    let mut first: Vec<&[&str]> = HEADER.to_vec();
    first.push(&["一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", "5", "0", "0", "0", "0", "0", "5"]);
    first.push(&["三、本年度办理结果", "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "1", "0", "0", "0", "0", "0", "1"]);
    let second: Vec<&[&str]> = vec![
        &["2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "0", "0", "0", "0", "0", "0", "0"],
        &["3.其他", "0", "2", "0", "0", "0", "0", "2"],
        &["（七）总计", "1", "2", "0", "0", "0", "0", "3"],
    ];
    let set = facts_from_report(&[grid(&first), grid(&second)], "", Some(2022));
    assert_eq!(set.value(FactTable::Requests, "results.other.other", "legal.commercial"), Some(2.0));
    assert_eq!(set.value(FactTable::Requests, "results.other.fee_unpaid", "total"), Some(0.0));
    assert_eq!(set.value(FactTable::Requests, "results.total", "total"), Some(3.0));
    assert_eq!(set.layout, Some(Layout::Y2021));
    // The partial table's results total holds: 1 + 0 + 2 = 3.
    assert!(set.checks.iter().all(|c| c.check != "requests.results_total"), "{:#?}", set.checks);
}

#[test]
fn unknown_rows_and_text_cells_are_warned_about_not_guessed() {
    let active = grid(&[
        &["第二十条第（一）项", "第二十条第（一）项", "第二十条第（一）项", "第二十条第（一）项"],
        &["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        &["规章", "0", "0", "0"],
        &["行政规范性文件", "详见附件", "1", "4"],
        &["地方标准", "3", "0", "9"],
    ]);
    let set = facts_from_report(&[active], "", Some(2022));
    let f = set.get(FactTable::Active, "normative_documents", "issued").unwrap();
    assert_eq!((f.value, f.raw.as_str()), (None, "详见附件"));
    assert!(set.warnings.iter().any(|w| w.contains("not a number") && w.contains("详见附件")), "{:?}", set.warnings);
    assert!(set.warnings.iter().any(|w| w.contains("unrecognised row") && w.contains("地方标准")), "{:?}", set.warnings);
    assert_eq!(set.facts.len(), 6);
}

#[test]
fn conflicting_layout_signals_are_reported() {
    // A 2019-style table 二 header with 2021-style （六） sub-rows in table 三.
    let active = grid(&[
        &["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"],
        &["规章", "0", "0", "0"],
    ]);
    let mut req: Vec<&[&str]> = HEADER.to_vec();
    req.push(&["三、本年度办理结果", "（六）其他处理", "3.其他", "1", "0", "0", "0", "0", "0", "1"]);
    let set = facts_from_report(&[active, grid(&req)], "", Some(2021));
    assert_eq!(set.layout, Some(Layout::Y2019), "the first signal wins");
    assert!(set.warnings.iter().any(|w| w.starts_with("layout conflict")), "{:?}", set.warnings);
}

#[test]
fn a_second_copy_of_a_table_is_not_merged_into_the_first() {
    // Two full table 三 copies (e.g. 本级 and 汇总) in one page: the second is a new group, and
    // its rows do not overwrite the first; the duplicate is reported.
    let mut a: Vec<&[&str]> = HEADER.to_vec();
    a.push(&["一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", "5", "0", "0", "0", "0", "0", "5"]);
    let mut b: Vec<&[&str]> = HEADER.to_vec();
    b.push(&["一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", "9", "0", "0", "0", "0", "0", "9"]);
    let set = facts_from_report(&[grid(&a), grid(&b)], "", Some(2022));
    assert_eq!(set.value(FactTable::Requests, "new_requests", "total"), Some(5.0));
    assert!(set.warnings.iter().any(|w| w.contains("appears twice")), "{:?}", set.warnings);
    assert!(!set.warnings.iter().any(|w| w.contains("joined")), "{:?}", set.warnings);
}

#[test]
fn review_table_with_a_label_column_and_no_header() {
    // Some sites add a leading "数量" cell and drop the header rows into a caption.
    let t = grid(&[&["数量", "0", "0", "0", "0", "0", "0", "0", "0", "1", "1", "0", "0", "0", "0", "0"]]);
    let lead = grid(&[&["行政复议", "行政诉讼"], &["结果维持", "结果维持"]]);
    let set = facts_from_report(&[lead, t], "", Some(2022));
    assert_eq!(set.value(FactTable::ReviewLitigation, "litigation.direct", "pending"), Some(1.0));
    assert_eq!(set.value(FactTable::ReviewLitigation, "litigation.direct", "total"), Some(1.0));
    assert!(set.is_consistent());
}

#[test]
fn layout_falls_back_to_the_report_year_without_a_signal() {
    // Only table 四, which is the same in both editions.
    let t = grid(&[&["0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"]]);
    let lead = grid(&[&["行政复议", "行政诉讼"], &["结果维持", "结果维持"]]);
    let tables = [lead, t];
    assert_eq!(facts_from_report(&tables, "", Some(2020)).layout, Some(Layout::Y2019));
    assert_eq!(facts_from_report(&tables, "", Some(2022)).layout, Some(Layout::Y2021));
    assert_eq!(facts_from_report(&tables, "", None).layout, None);
    // No template table at all: no layout, whatever the year.
    assert_eq!(facts_from_report(&[], "主动公开政府信息5条", Some(2022)).layout, None);
}
