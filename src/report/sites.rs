//! `nianbao sites`: one line per site — rule file status, documents, report years covered, last
//! run, next due time — as a plain-text table (CJK titles aligned by display width).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::data::broken_rules;
use super::BrokenRule;
use crate::archive::{Archive, RecordedRun, SiteStats};
use crate::error::Result;
use crate::schedule::{next_run_at, RunHistory, SiteSchedule};
use crate::site::{RuleErrors, SiteSet};

/// The state of a site's rule file.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleState {
    Ok,
    /// The file does not load: every problem, with file and key.
    Broken(Vec<BrokenRule>),
    /// Documents or runs in the archive, but no rule file (any more).
    Missing,
}

/// The site's last run, as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct LastRun {
    pub started: DateTime<Utc>,
    /// `ok`, `partial`, `failed`, `interrupted`, `running` (crawl runs) or a scheduler status.
    pub outcome: String,
    /// `12 fetched, 1 new, 0 changed, 2 failed` (crawl runs) or `12 pages, 2 errors`.
    pub counts: String,
}

/// One line of `nianbao sites`.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteLine {
    pub name: String,
    pub title: String,
    pub rule: RuleState,
    pub documents: u64,
    pub taken_down: u64,
    pub report_years: Vec<i32>,
    pub last_run: Option<LastRun>,
    /// The cron, if scheduled.
    pub schedule: Option<String>,
    /// When the scheduler will next start it, in the site's timezone.
    pub next_due: Option<DateTime<Tz>>,
}

impl SiteLine {
    fn blank(name: &str, rule: RuleState) -> SiteLine {
        SiteLine {
            name: name.to_string(),
            title: String::new(),
            rule,
            documents: 0,
            taken_down: 0,
            report_years: Vec::new(),
            last_run: None,
            schedule: None,
            next_due: None,
        }
    }
}

/// One line per rule file (loaded or broken) and per archived site without a rule, by name.
/// `archive` is `None` when there is no archive yet.
pub async fn site_lines(
    archive: Option<&Archive>,
    sites: &SiteSet,
    errors: &RuleErrors,
    now: DateTime<Utc>,
) -> Result<Vec<SiteLine>> {
    let mut lines: BTreeMap<String, SiteLine> = BTreeMap::new();
    for b in broken_rules(errors) {
        let name = std::path::Path::new(&b.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| b.file.clone());
        let line = lines.entry(name.clone()).or_insert_with(|| SiteLine::blank(&name, RuleState::Broken(Vec::new())));
        if let RuleState::Broken(v) = &mut line.rule {
            v.push(b);
        }
    }
    let (stats, recorded): (Vec<SiteStats>, Vec<RecordedRun>) = match archive {
        Some(a) => (a.site_stats().await?, a.latest_site_runs().await?),
        None => (Vec::new(), Vec::new()),
    };
    for site in sites.iter() {
        let line = lines.entry(site.name.clone()).or_insert_with(|| SiteLine::blank(&site.name, RuleState::Ok));
        line.title = site.title.clone();
        match SiteSchedule::from_site(site) {
            Ok(Some(sched)) => {
                let last = match archive {
                    Some(a) => a.last_started(&site.name).await?,
                    None => None,
                };
                line.next_due = next_run_at(&sched, last, now).map(|t| sched.local(t));
                line.schedule = Some(sched.cron_source);
            }
            Ok(None) => {}
            Err(e) => {
                let b = broken_rules(&RuleErrors(vec![e]));
                match &mut line.rule {
                    RuleState::Broken(v) => v.extend(b),
                    other => *other = RuleState::Broken(b),
                }
            }
        }
    }
    for s in stats {
        let line = lines.entry(s.site.clone()).or_insert_with(|| SiteLine::blank(&s.site, RuleState::Missing));
        line.documents = s.documents;
        line.taken_down = s.taken_down;
        line.report_years = s.report_years.clone();
        if let Some(run) = &s.last_run {
            if let Ok(t) = DateTime::parse_from_rfc3339(&run.started_at) {
                let c = &run.counts;
                let mut counts = format!("{} fetched, {} new, {} changed", c.fetched, c.new, c.changed);
                for (n, what) in [(c.taken_down, "taken down"), (c.blocked, "blocked"), (c.failed, "failed")] {
                    if n > 0 {
                        let _ = write!(counts, ", {n} {what}");
                    }
                }
                line.last_run = Some(LastRun { started: t.with_timezone(&Utc), outcome: run.outcome.to_string(), counts });
            }
        }
    }
    // The scheduler's record, when newer than the last crawl run (a run that could not start).
    for r in recorded {
        let line = lines.entry(r.site.clone()).or_insert_with(|| SiteLine::blank(&r.site, RuleState::Missing));
        if line.last_run.as_ref().is_none_or(|l| l.started < r.started_at) {
            line.last_run = Some(LastRun {
                started: r.started_at,
                outcome: r.status.to_string(),
                counts: format!("{} pages, {} errors", r.pages, r.errors.len()),
            });
        }
    }
    Ok(lines.into_values().collect())
}

/// Years as ranges: `2019–2021, 2023`.
pub fn year_ranges(years: &[i32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < years.len() {
        let mut j = i;
        while j + 1 < years.len() && years[j + 1] == years[j] + 1 {
            j += 1;
        }
        parts.push(if j > i { format!("{}–{}", years[i], years[j]) } else { years[i].to_string() });
        i = j + 1;
    }
    parts.join(", ")
}

/// Display width in a terminal: East Asian wide and full-width characters take two columns.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = c as u32;
            let wide = matches!(u,
                0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
                | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
                | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD);
            if wide { 2 } else { 1 }
        })
        .sum()
}

fn pad(s: &str, width: usize) -> String {
    format!("{s}{}", " ".repeat(width.saturating_sub(display_width(s))))
}

/// The table, then every broken rule's problems (file: key: message).
pub fn render_site_table(lines: &[SiteLine]) -> String {
    let header = ["SITE", "TITLE", "RULE", "DOCS", "REPORT YEARS", "LAST RUN", "NEXT DUE"];
    let rows: Vec<[String; 7]> = lines
        .iter()
        .map(|l| {
            let rule = match &l.rule {
                RuleState::Ok => "ok".to_string(),
                RuleState::Broken(_) => "ERROR".to_string(),
                RuleState::Missing => "no rule".to_string(),
            };
            let docs = if l.taken_down > 0 { format!("{} ({} down)", l.documents, l.taken_down) } else { l.documents.to_string() };
            let years = if l.report_years.is_empty() { "—".to_string() } else { year_ranges(&l.report_years) };
            let last = match &l.last_run {
                Some(r) => format!(
                    "{} {} ({})",
                    r.started.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M %Z"),
                    r.outcome,
                    r.counts
                ),
                None => "never".to_string(),
            };
            let next = match (&l.rule, &l.schedule, &l.next_due) {
                (RuleState::Ok, Some(_), Some(t)) => t.format("%Y-%m-%d %H:%M %Z").to_string(),
                (RuleState::Ok, Some(_), None) => "never (schedule does not fire)".to_string(),
                (RuleState::Ok, None, _) => "not scheduled".to_string(),
                _ => "—".to_string(),
            };
            let title = if l.title.is_empty() { "—".to_string() } else { l.title.clone() };
            [l.name.clone(), title, rule, docs, years, last, next]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(display_width(c));
        }
    }
    let mut s = String::new();
    let line = |cells: Vec<&str>| {
        let last = cells.len() - 1;
        let mut out: String = cells
            .iter()
            .enumerate()
            .map(|(i, c)| if i == last { c.to_string() } else { pad(c, widths[i]) })
            .collect::<Vec<_>>()
            .join("  ");
        out.truncate(out.trim_end().len());
        out.push('\n');
        out
    };
    s.push_str(&line(header.to_vec()));
    for r in &rows {
        s.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    let broken: Vec<&BrokenRule> =
        lines.iter().filter_map(|l| if let RuleState::Broken(v) = &l.rule { Some(v) } else { None }).flatten().collect();
    if !broken.is_empty() {
        let _ = writeln!(s, "\nbroken rule files:");
        for b in broken {
            if b.key.is_empty() {
                let _ = writeln!(s, "  {}: {}", b.file, b.message);
            } else {
                let _ = writeln!(s, "  {}: {}: {}", b.file, b.key, b.message);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_compressed_into_ranges() {
        assert_eq!(year_ranges(&[2019, 2020, 2021, 2023]), "2019–2021, 2023");
        assert_eq!(year_ranges(&[2014]), "2014");
        assert_eq!(year_ranges(&[]), "");
    }

    #[test]
    fn chinese_titles_count_double_width_and_columns_align() {
        assert_eq!(display_width("平潭ab"), 6);
        let mut a = SiteLine::blank("pingtan", RuleState::Ok);
        a.title = "平潭综合实验区".into();
        let mut b = SiteLine::blank("x", RuleState::Broken(vec![BrokenRule {
            file: "sites/x.toml".into(),
            key: "detail.content".into(),
            message: "bad selector".into(),
        }]));
        b.title = String::new();
        let t = render_site_table(&[a, b]);
        let lines: Vec<&str> = t.lines().collect();
        // RULE column starts at the same display column on every row.
        let starts: Vec<usize> = lines[..3]
            .iter()
            .map(|l| {
                let i = ["RULE", "ok", "ERROR"].iter().filter_map(|k| l.find(&format!("  {k}"))).min().unwrap();
                display_width(&l[..i])
            })
            .collect();
        assert!(starts.iter().all(|&s| s == starts[0]), "{t}");
        assert!(t.contains("broken rule files:\n  sites/x.toml: detail.content: bad selector\n"), "{t}");
    }
}
