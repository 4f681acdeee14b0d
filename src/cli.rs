//! The command line: `nianbao <command>`. The contract is DESIGN.md's table; each command's
//! work lives in `src/cmd/<command>.rs`, this file only declares arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// nianbao (年报): crawl, extract and archive Chinese government information-disclosure reports.
#[derive(Debug, Parser)]
#[command(name = "nianbao", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The archive database.
    #[arg(long, global = true, default_value = "archive/nianbao.db", env = "NIANBAO_ARCHIVE")]
    pub archive: PathBuf,
    /// The directory of site rules (one TOML per site, fixtures beside them).
    #[arg(long, global = true, default_value = "sites", env = "NIANBAO_SITES")]
    pub sites_dir: PathBuf,
    /// More log output (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Crawl the sites in sites/ (all, or those named) into the archive; resumes an interrupted run.
    Crawl(CrawlArgs),
    /// One-off capture of pages and their attachments.
    Capture(CaptureArgs),
    /// Decode and extract saved files; print JSON (one object per line for several files).
    Extract(ExtractArgs),
    /// Check every site rule against its saved fixtures.
    Verify(VerifyArgs),
    /// Run each site's crawl when its cron schedule is due.
    Schedule(ScheduleArgs),
    /// Full-text search of the archive.
    Search(SearchArgs),
    /// Export documents, table cells or attachments for analysis.
    Export(ExportArgs),
    /// Redo extraction from stored raw responses after rules change.
    Reextract(ReextractArgs),
    /// List sites: rule check, last run, documents, report years covered.
    Sites(SitesArgs),
    /// Write a self-contained HTML report: coverage, last runs, blocked sites, broken rules.
    Report(ReportArgs),
    /// Serve the fixture pages bundled with sites/ on 127.0.0.1 and capture them into a fresh
    /// archive: the whole flow, without touching a government server.
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The new archive (default: `demo-DATE-TIME.db` beside --archive). Must not exist.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Only these sites (repeatable).
    #[arg(long = "site")]
    pub sites: Vec<String>,
    /// Stop after this many list pages per list.
    #[arg(long)]
    pub max_pages: Option<u32>,
    /// Only documents whose report year (or publish year) is at least this.
    #[arg(long)]
    pub since: Option<i32>,
    /// Page every list to its end even when a page holds only known documents.
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Pages to capture.
    #[arg(required = true)]
    pub urls: Vec<String>,
    /// Use this site's rule instead of matching by domain.
    #[arg(long)]
    pub site: Option<String>,
    /// Follow links this many levels deep (same site only).
    #[arg(long, default_value_t = 0)]
    pub depth: u32,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Saved HTML files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The URL the page was fetched from (resolves links; picks the rule by domain).
    #[arg(long)]
    pub url: Option<String>,
    /// Use this site's rule.
    #[arg(long)]
    pub site: Option<String>,
    /// The HTTP Content-Type the page came with (for its charset).
    #[arg(long)]
    pub content_type: Option<String>,
    /// Pretty-print (one file only).
    #[arg(long)]
    pub pretty: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Only this site.
    #[arg(long)]
    pub site: Option<String>,
    /// Rewrite the expected outputs from the current rules.
    #[arg(long)]
    pub bless: bool,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Run what is due now, then exit (for cron or a systemd timer).
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub query: String,
    #[arg(long)]
    pub site: Option<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    pub format: Format,
    #[arg(long)]
    pub site: Option<String>,
    /// Only documents published on or after this date (YYYY or YYYY-MM-DD).
    #[arg(long)]
    pub since: Option<String>,
    /// Export table cells in long format instead of documents.
    #[arg(long)]
    pub tables: bool,
    /// Export report statistics (facts) instead of documents.
    #[arg(long)]
    pub facts: bool,
    /// Write attachment files into this directory.
    #[arg(long)]
    pub attachments: Option<PathBuf>,
    /// Write to this file instead of stdout.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReextractArgs {
    #[arg(long)]
    pub site: Option<String>,
}

#[derive(Debug, Args)]
pub struct SitesArgs {}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(long, default_value = "archive/report.html")]
    pub out: PathBuf,
}
