//! HTML rendering of [`ReportData`]. Everything user-supplied goes through [`esc`].

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;

use super::{CoverageCell, Mark, ReportData, RunRow, RunStatus};

/// Errors shown per run before the rest fold away.
const ERRORS_SHOWN: usize = 5;

const STYLE: &str = include_str!("style.css");

/// Render the report as one self-contained HTML document (inline CSS; no scripts, no external
/// resources). Text is escaped; only http(s) URLs become links.
pub fn render_report(data: &ReportData) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let flagged: HashSet<&str> = data.flags.iter().map(|f| f.site.as_str()).collect();
    let blocked: HashSet<&str> = data.blocked.iter().map(|b| b.site.as_str()).collect();
    let failed_runs = data.runs.iter().filter(|r| matches!(r.status, RunStatus::Failed | RunStatus::Blocked)).count();
    let documents: u64 = data.sites.iter().map(|s| s.documents).sum();

    h.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<title>年报归档报告 · nianbao</title>\n<style>\n");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n<header>\n<h1>政府信息公开年报归档报告</h1>\n");
    let _ = writeln!(
        h,
        "<p class=\"sub\">生成于 {} · 归档 <code>{}</code></p>",
        local(data.generated_at),
        esc(&data.archive)
    );
    h.push_str("<ul class=\"cards\">\n");
    card(&mut h, "sites", "站点", data.sites.len() as u64, false);
    card(&mut h, "documents", "文档", documents, false);
    card(&mut h, "failed", "最近运行失败", failed_runs as u64, failed_runs > 0);
    card(&mut h, "flagged", "规则告警站点", flagged.len() as u64, !flagged.is_empty());
    card(&mut h, "blocked", "被拦截站点", blocked.len() as u64, !blocked.is_empty());
    if !data.broken_rules.is_empty() {
        card(&mut h, "broken", "规则文件错误", data.broken_rules.len() as u64, true);
    }
    h.push_str("</ul>\n<nav><a href=\"#coverage\">覆盖情况</a><a href=\"#flags\">规则告警</a><a href=\"#runs\">最近运行</a><a href=\"#blocked\">被拦截的站点</a><a href=\"#broken\">规则文件</a></nav>\n</header>\n<main>\n");

    coverage(&mut h, data, &flagged, &blocked);
    flags(&mut h, data);
    runs(&mut h, data);
    blocked_sites(&mut h, data);
    broken_rules(&mut h, data);

    h.push_str("</main>\n<footer>nianbao · 数据来自各政府网站政府信息公开专栏；本页为离线静态页面，不加载任何外部资源。</footer>\n</body>\n</html>\n");
    h
}

fn card(h: &mut String, id: &str, label: &str, n: u64, alert: bool) {
    let class = if alert { "card alert" } else { "card" };
    let _ = writeln!(h, "<li class=\"{class}\" id=\"card-{id}\"><span class=\"n\">{n}</span><span class=\"l\">{label}</span></li>");
}

fn coverage(h: &mut String, data: &ReportData, flagged: &HashSet<&str>, blocked: &HashSet<&str>) {
    h.push_str("<section id=\"coverage\">\n<h2>覆盖情况 <small>站点 × 报告年度</small></h2>\n");
    h.push_str("<p class=\"legend\"><span class=\"cell have\">✓</span> 已收录 ");
    for m in [Mark::New, Mark::Changed, Mark::TakenDown] {
        let _ = write!(h, "<span class=\"cell {}\">{}</span> {} ", m.class(), m.label_zh(), m.describe_zh());
    }
    h.push_str("<span class=\"cell gap\">·</span> 未收录</p>\n");

    let years: Vec<i32> = match (data.coverage.iter().map(|c| c.year).min(), data.coverage.iter().map(|c| c.year).max()) {
        (Some(a), Some(b)) => (a..=b).collect(),
        _ => Vec::new(),
    };
    if years.is_empty() {
        h.push_str("<p class=\"empty\">归档中还没有任何年度报告。</p>\n</section>\n");
        return;
    }
    let mut cells: HashMap<(&str, i32), &CoverageCell> = HashMap::new();
    for c in &data.coverage {
        cells.insert((c.site.as_str(), c.year), c);
    }
    // Sites in the given order, then any site that only appears in the coverage.
    let mut order: Vec<(&str, &str)> = data.sites.iter().map(|s| (s.name.as_str(), s.title.as_str())).collect();
    let known: HashSet<&str> = order.iter().map(|s| s.0).collect();
    let extra: BTreeSet<&str> = data.coverage.iter().map(|c| c.site.as_str()).filter(|s| !known.contains(s)).collect();
    order.extend(extra.into_iter().map(|s| (s, "")));

    h.push_str("<div class=\"scroll\"><table id=\"coverage-matrix\" class=\"matrix\">\n<thead><tr><th class=\"site\">站点</th>");
    for y in &years {
        let _ = write!(h, "<th>{y}</th>");
    }
    h.push_str("<th>合计</th></tr></thead>\n<tbody>\n");
    let mut col_totals: BTreeMap<i32, u32> = BTreeMap::new();
    for (name, title) in order {
        let mut row_class = Vec::new();
        if flagged.contains(name) {
            row_class.push("flagged");
        }
        if blocked.contains(name) {
            row_class.push("blocked");
        }
        let _ = write!(h, "<tr data-site=\"{}\" class=\"{}\"><th class=\"site\">", esc(name), row_class.join(" "));
        if title.is_empty() {
            let _ = write!(h, "<span class=\"title\">{}</span>", esc(name));
        } else {
            let _ = write!(h, "<span class=\"title\">{}</span> <span class=\"key\">{}</span>", esc(title), esc(name));
        }
        if flagged.contains(name) {
            h.push_str(" <a class=\"badge warn\" href=\"#flags\" title=\"规则可能失效\">告警</a>");
        }
        if blocked.contains(name) {
            h.push_str(" <a class=\"badge block\" href=\"#blocked\" title=\"站点拦截了抓取\">拦截</a>");
        }
        h.push_str("</th>");
        let mut row_total = 0u32;
        for y in &years {
            match cells.get(&(name, *y)) {
                None => h.push_str("<td class=\"cell gap\" title=\"未收录\">·</td>"),
                Some(c) => {
                    row_total += c.documents;
                    *col_totals.entry(*y).or_default() += c.documents;
                    matrix_cell(h, c);
                }
            }
        }
        let _ = writeln!(h, "<td class=\"total\">{row_total}</td></tr>");
    }
    h.push_str("</tbody>\n<tfoot><tr><th class=\"site\">合计</th>");
    for y in &years {
        let _ = write!(h, "<td class=\"total\">{}</td>", col_totals.get(y).copied().unwrap_or(0));
    }
    let _ = writeln!(h, "<td class=\"total\">{}</td></tr></tfoot>\n</table></div>\n</section>", col_totals.values().sum::<u32>());
}

fn matrix_cell(h: &mut String, c: &CoverageCell) {
    let class = match c.mark {
        Some(m) => m.class(),
        None if c.documents > 0 => "have",
        None => "gap",
    };
    let mut tip = String::new();
    if let Some(t) = &c.title {
        tip.push_str(t);
    }
    if let Some(m) = c.mark {
        if !tip.is_empty() {
            tip.push_str(" — ");
        }
        tip.push_str(m.describe_zh());
    }
    let text = match c.mark {
        Some(m) => m.label_zh().to_string(),
        None if c.documents > 1 => c.documents.to_string(),
        None if c.documents == 1 => "✓".to_string(),
        None => "·".to_string(),
    };
    let inner = match c.url.as_deref().filter(|u| is_http(u)) {
        Some(u) => format!("<a href=\"{}\">{}</a>", esc(u), esc(&text)),
        None => esc(&text),
    };
    let _ = write!(h, "<td class=\"cell {class}\" title=\"{}\">{inner}</td>", esc(&tip));
}

fn flags(h: &mut String, data: &ReportData) {
    h.push_str("<section id=\"flags\">\n<h2>规则告警 <small>提取结果突然为空或明显变短、列表无条目</small></h2>\n");
    if data.flags.is_empty() {
        h.push_str("<p class=\"empty ok\">最近的运行没有发现规则失效的迹象。</p>\n</section>\n");
        return;
    }
    let mut rows: Vec<_> = data.flags.iter().collect();
    rows.sort_by(|a, b| b.run_started.cmp(&a.run_started).then(a.site.cmp(&b.site)));
    h.push_str("<table class=\"list\" id=\"flag-table\">\n<thead><tr><th>站点</th><th>运行时间</th><th>类型</th><th>说明</th></tr></thead>\n<tbody>\n");
    for f in rows {
        let _ = writeln!(
            h,
            "<tr data-site=\"{}\" data-flag=\"{}\"><td>{}</td><td class=\"time\">{}</td><td><span class=\"badge warn\">{}</span></td><td>{}</td></tr>",
            esc(&f.site),
            f.flag.kind(),
            site_label(data, &f.site),
            local(f.run_started),
            flag_kind_zh(f.flag.kind()),
            esc(&f.flag.describe_zh())
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn flag_kind_zh(kind: &str) -> &'static str {
    match kind {
        "list-empty" => "列表为空",
        "empty-text" => "正文为空",
        "shorter-text" => "正文变短",
        _ => "告警",
    }
}

fn runs(h: &mut String, data: &ReportData) {
    h.push_str("<section id=\"runs\">\n<h2>最近运行</h2>\n");
    if data.runs.is_empty() {
        h.push_str("<p class=\"empty\">还没有运行记录。</p>\n</section>\n");
        return;
    }
    let mut rows: Vec<&RunRow> = data.runs.iter().collect();
    rows.sort_by(|a, b| b.started.cmp(&a.started).then(a.site.cmp(&b.site)));
    h.push_str("<table class=\"list\" id=\"run-table\">\n<thead><tr><th>站点</th><th>开始</th><th>用时</th><th>结果</th><th class=\"num\">页面</th><th class=\"num\">新增</th><th class=\"num\">变更</th><th>错误</th></tr></thead>\n<tbody>\n");
    for r in rows {
        let took = match r.finished {
            Some(f) => duration_zh(f - r.started),
            None => "进行中或中断".to_string(),
        };
        let _ = write!(
            h,
            "<tr data-site=\"{}\" data-status=\"{}\"><td class=\"site\">{}</td><td class=\"time\">{}</td><td class=\"time\">{}</td><td><span class=\"status {}\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"errors\">",
            esc(&r.site),
            r.status.as_str(),
            site_label(data, &r.site),
            local(r.started),
            took,
            r.status.as_str(),
            status_zh(r.status),
            r.pages,
            r.new_documents,
            r.changed_documents
        );
        if r.errors.is_empty() {
            h.push('—');
        } else {
            let _ = write!(h, "<span class=\"count\">{} 个错误</span><ul>", r.errors.len());
            for e in r.errors.iter().take(ERRORS_SHOWN) {
                let _ = write!(h, "<li>{}</li>", esc(e));
            }
            h.push_str("</ul>");
            if r.errors.len() > ERRORS_SHOWN {
                let _ = write!(h, "<details><summary>另有 {} 个</summary><ul>", r.errors.len() - ERRORS_SHOWN);
                for e in &r.errors[ERRORS_SHOWN..] {
                    let _ = write!(h, "<li>{}</li>", esc(e));
                }
                h.push_str("</ul></details>");
            }
        }
        h.push_str("</td></tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn blocked_sites(h: &mut String, data: &ReportData) {
    h.push_str("<section id=\"blocked\">\n<h2>被拦截的站点 <small>WAF / 挑战页面，未作为文档归档</small></h2>\n");
    if data.blocked.is_empty() {
        h.push_str("<p class=\"empty ok\">没有站点拦截抓取。</p>\n</section>\n");
        return;
    }
    let mut rows: Vec<_> = data.blocked.iter().collect();
    rows.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.site.cmp(&b.site)));
    h.push_str("<table class=\"list\" id=\"blocked-table\">\n<thead><tr><th>站点</th><th>页面</th><th>原因</th><th>始于</th><th>最近</th><th class=\"num\">次数</th></tr></thead>\n<tbody>\n");
    for b in rows {
        let url = if is_http(&b.url) {
            format!("<a href=\"{0}\">{0}</a>", esc(&b.url))
        } else {
            esc(&b.url)
        };
        let _ = writeln!(
            h,
            "<tr data-site=\"{}\"><td>{}</td><td class=\"url\">{url}</td><td>{}</td><td class=\"time\">{}</td><td class=\"time\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&b.site),
            site_label(data, &b.site),
            esc(&b.reason),
            local(b.since),
            local(b.last_seen),
            b.count
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn broken_rules(h: &mut String, data: &ReportData) {
    h.push_str("<section id=\"broken\">\n<h2>规则文件错误 <small>无法加载的站点规则，修复前不会抓取</small></h2>\n");
    if data.broken_rules.is_empty() {
        h.push_str("<p class=\"empty ok\">所有规则文件均可加载。</p>\n</section>\n");
        return;
    }
    h.push_str("<table class=\"list\" id=\"broken-table\">\n<thead><tr><th>文件</th><th>键</th><th>问题</th></tr></thead>\n<tbody>\n");
    for b in &data.broken_rules {
        let _ = writeln!(
            h,
            "<tr><td class=\"url\"><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            esc(&b.file),
            esc(&b.key),
            esc(&b.message)
        );
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

/// "标题 <key>" for a site, escaped.
fn site_label(data: &ReportData, site: &str) -> String {
    match data.sites.iter().find(|s| s.name == site).filter(|s| !s.title.is_empty()) {
        Some(s) => format!("{} <span class=\"key\">{}</span>", esc(&s.title), esc(site)),
        None => esc(site),
    }
}

fn status_zh(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Ok => "成功",
        RunStatus::Failed => "失败",
        RunStatus::Blocked => "被拦截",
        RunStatus::Interrupted => "已中断",
    }
}

fn duration_zh(d: chrono::Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..=59 => format!("{s} 秒"),
        60..=3599 => format!("{} 分 {} 秒", s / 60, s % 60),
        _ => format!("{} 小时 {} 分", s / 3600, s % 3600 / 60),
    }
}

/// A time in Beijing time, to the minute.
fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai).format("%Y-%m-%d %H:%M").to_string()
}

fn is_http(u: &str) -> bool {
    let l = u.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

/// Escape text for HTML element content and quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
