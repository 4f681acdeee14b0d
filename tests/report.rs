//! The HTML report: structure, marks, escaping, self-containment.

mod report_data;

use nianbao::report::{render_report, CoverageCell, ReportData, RunRow, RunStatus};
use report_data::{cst, sample};

fn empty() -> ReportData {
    ReportData {
        generated_at: cst(2025, 3, 26, 9, 30),
        archive: "archive/nianbao.db".into(),
        sites: vec![],
        coverage: vec![],
        runs: vec![],
        blocked: vec![],
        flags: vec![],
        broken_rules: vec![],
    }
}

#[test]
fn report_is_a_complete_self_contained_page() {
    let html = render_report(&sample());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("<meta charset=\"utf-8\">"));
    assert!(html.trim_end().ends_with("</html>"));
    // Nothing loaded from elsewhere, nothing executed.
    for bad in ["<script", "<link", "<img", "<iframe", "@import", "url(", " src=", "javascript:"] {
        assert!(!html.to_lowercase().contains(bad), "found {bad:?}");
    }
    assert!(html.contains("<style>"));
    assert!(html.contains("生成于 2025-03-26 09:30"), "times are Beijing time");
}

#[test]
fn titles_with_markup_are_escaped() {
    let html = render_report(&sample());
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;平潭2016年报"));
    // The javascript: URL is shown as text at most, never as a link.
    assert!(!html.contains("href=\"javascript"));
    let mut d = empty();
    d.archive = "a\"><b>x</b>".into();
    d.runs.push(RunRow {
        site: "s<i>".into(),
        started: cst(2025, 1, 1, 0, 0),
        finished: None,
        status: RunStatus::Failed,
        pages: 0,
        new_documents: 0,
        changed_documents: 0,
        errors: vec!["<b>boom</b> & co".into()],
    });
    let html = render_report(&d);
    assert!(html.contains("a&quot;&gt;&lt;b&gt;x&lt;/b&gt;"));
    assert!(html.contains("data-site=\"s&lt;i&gt;\""));
    assert!(html.contains("&lt;b&gt;boom&lt;/b&gt; &amp; co"));
    assert!(!html.contains("<b>"));
}

#[test]
fn coverage_matrix_has_every_year_and_the_marks() {
    let html = render_report(&sample());
    let matrix = &html[html.find("id=\"coverage-matrix\"").unwrap()..html.find("id=\"flags\"").unwrap()];
    for y in 2016..=2024 {
        assert!(matrix.contains(&format!("<th>{y}</th>")), "year {y}");
    }
    assert!(matrix.contains("<span class=\"title\">平潭综合实验区管委会</span> <span class=\"key\">pingtan</span>"));
    assert!(matrix.contains("class=\"cell new\""));
    assert!(matrix.contains("class=\"cell changed\""));
    assert!(matrix.contains("class=\"cell gone\""));
    assert!(matrix.contains("class=\"cell gap\""));
    // Two documents in one year show the count.
    assert!(matrix.contains(">2</a></td>"));
    // Flagged and blocked sites are marked in their rows.
    assert!(matrix.contains("<tr data-site=\"minhou\" class=\"flagged\">"));
    assert!(matrix.contains("<tr data-site=\"handan\" class=\"blocked\">"));
}

#[test]
fn gap_years_between_covered_years_get_columns() {
    let mut d = empty();
    for year in [2019, 2022] {
        d.coverage.push(CoverageCell { site: "x".into(), year, documents: 1, mark: None, title: None, url: None });
    }
    let html = render_report(&d);
    assert!(html.contains("<th>2019</th><th>2020</th><th>2021</th><th>2022</th>"));
    // A site that only appears in the coverage still gets a row.
    assert!(html.contains("<tr data-site=\"x\""));
    assert_eq!(html.matches("class=\"cell gap\" title=\"未收录\"").count(), 2);
}

#[test]
fn runs_flags_and_blocked_sites_are_listed() {
    let html = render_report(&sample());
    let runs = &html[html.find("id=\"run-table\"").unwrap()..];
    assert!(runs.contains("data-status=\"failed\""));
    assert!(runs.contains("7 个错误"));
    assert!(runs.contains("另有 2 个"), "errors past the fifth fold away");
    assert!(runs.contains("data-status=\"interrupted\""));
    assert!(html.contains("data-flag=\"list-empty\""));
    assert!(html.contains("列表无条目（以往约 15 条）"));
    assert!(html.contains("正文明显变短：中位长度 412 字，以往 5230 字"));
    let blocked = &html[html.find("id=\"blocked-table\"").unwrap()..];
    assert!(blocked.contains("HTTP 412 瑞数 challenge ($_ts)"));
    assert!(blocked.contains("<a href=\"https://www.hd.gov.cn/hdzfxxgk/\">"));
    assert!(html.contains("id=\"card-blocked\"><span class=\"n\">1</span>"));
    assert!(html.contains("<li class=\"card alert\" id=\"card-failed\"><span class=\"n\">2</span>"));
}

#[test]
fn an_empty_archive_renders_friendly_placeholders() {
    let html = render_report(&empty());
    assert!(html.contains("归档中还没有任何年度报告"));
    assert!(html.contains("还没有运行记录"));
    assert!(html.contains("没有站点拦截抓取"));
    assert!(html.contains("没有发现规则失效"));
    assert!(!html.contains("coverage-matrix"));
}
