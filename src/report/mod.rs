//! `nianbao report`: a self-contained HTML page for people — coverage matrix (site × report
//! year, with new / changed / taken-down marks from the last run), rule-breakage flags, the last
//! runs with their errors, and blocked sites.
//!
//! The page has inline CSS only: no scripts, fonts, images or other external resources, so it
//! can be mailed, archived or opened offline. [`ReportData`] is plain rows; the command fills it
//! from the archive, and [`render_report`] is a pure function of it.

mod data;
mod html;
pub mod sites;

use chrono::{DateTime, Utc};

pub use crate::schedule::health::HealthFlag;
pub use crate::schedule::RunStatus;
pub use data::report_data;
pub use html::render_report;

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportData {
    /// When the report was made (shown in Asia/Shanghai time).
    pub generated_at: DateTime<Utc>,
    /// The archive the data came from, as the user named it.
    pub archive: String,
    /// Every site with a rule, in display order.
    pub sites: Vec<SiteRow>,
    /// One cell per (site, report year) with documents or a mark. Missing cells are gaps.
    pub coverage: Vec<CoverageCell>,
    /// Recent runs (typically the last one per site), any order: shown newest first.
    pub runs: Vec<RunRow>,
    /// Sites (or pages) that answered with WAF / challenge pages.
    pub blocked: Vec<BlockedRow>,
    /// Rule-breakage flags from recent runs.
    pub flags: Vec<FlagRow>,
    /// Rule files that do not load (their sites are not crawled until fixed).
    pub broken_rules: Vec<BrokenRule>,
}

/// A rule file that does not load, with the key at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenRule {
    /// The rule file, as found in the sites directory.
    pub file: String,
    /// The dotted key (`detail.content`, `lists[0].items`); empty when the file is unreadable.
    pub key: String,
    pub message: String,
}

/// A site with a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRow {
    /// The site key (rule file stem).
    pub name: String,
    /// The site's Chinese title, e.g. 平潭综合实验区管委会.
    pub title: String,
    /// Documents archived for the site.
    pub documents: u64,
    /// The cron, as written in the rule, if scheduled.
    pub schedule: Option<String>,
    /// When the scheduler will next crawl it.
    pub next_due: Option<DateTime<Utc>>,
}

/// What the last run did to a (site, year) cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    /// A report first archived in the last run.
    New,
    /// A report whose text changed in the last run (a new version was archived).
    Changed,
    /// A report that disappeared from the site (gone / "content deleted") in the last run.
    TakenDown,
}

impl Mark {
    /// The one-character mark shown in the matrix.
    pub fn label_zh(self) -> &'static str {
        match self {
            Mark::New => "新",
            Mark::Changed => "改",
            Mark::TakenDown => "撤",
        }
    }
    /// The mark's meaning, for the legend and tooltips.
    pub fn describe_zh(self) -> &'static str {
        match self {
            Mark::New => "最近一次运行新收录",
            Mark::Changed => "最近一次运行发现内容变更",
            Mark::TakenDown => "最近一次运行发现已撤下",
        }
    }
    /// CSS class.
    pub(crate) fn class(self) -> &'static str {
        match self {
            Mark::New => "new",
            Mark::Changed => "changed",
            Mark::TakenDown => "gone",
        }
    }
}

/// One (site, report year) cell of the coverage matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageCell {
    pub site: String,
    /// The report year (报告年度), e.g. 2023 for the report published in early 2024.
    pub year: i32,
    /// Documents archived for that year (usually 1: the annual report).
    pub documents: u32,
    pub mark: Option<Mark>,
    /// The report's title, shown as a tooltip.
    pub title: Option<String>,
    /// The report's URL on the site (http/https only are linked).
    pub url: Option<String>,
}

/// One run of one site.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub site: String,
    pub started: DateTime<Utc>,
    /// `None` while running (or if the process died mid-run).
    pub finished: Option<DateTime<Utc>>,
    pub status: RunStatus,
    pub pages: u64,
    pub new_documents: u64,
    pub changed_documents: u64,
    /// All errors of the run; the first few are shown.
    pub errors: Vec<String>,
}

/// A site or page that answered with an anti-crawler page instead of content.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockedRow {
    pub site: String,
    /// A blocked URL (the list page, or an example page).
    pub url: String,
    /// What answered, e.g. `HTTP 412 瑞数 challenge ($_ts)`.
    pub reason: String,
    /// First time seen blocked in the current streak.
    pub since: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Blocked responses in the current streak.
    pub count: u64,
}

/// A health flag raised by a run.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagRow {
    pub site: String,
    /// The run that raised it.
    pub run_started: DateTime<Utc>,
    pub flag: HealthFlag,
}
