//! The crawler as the scheduler's [`SiteRunner`]: one site per run, cancellable, with the
//! extraction statistics the run-health flags need.

use std::sync::Arc;

use futures::future::BoxFuture;

use crate::schedule::{CancelToken, ListStats, RunOutcome, RunStatus, SiteRunStats, SiteRunner};
use crate::site::SiteSet;

use super::{CrawlOptions, Crawler, SiteReport};

/// Runs [`Crawler::crawl`] for one site of a [`SiteSet`] at a time.
#[derive(Debug, Clone)]
pub struct CrawlRunner {
    crawler: Crawler,
    sites: Arc<SiteSet>,
    options: CrawlOptions,
}

impl CrawlRunner {
    /// A runner over `sites` with these options (their `cancel` is replaced per run).
    pub fn new(crawler: Crawler, sites: Arc<SiteSet>, options: CrawlOptions) -> CrawlRunner {
        CrawlRunner { crawler, sites, options }
    }
}

/// The scheduler's view of a site's crawl report.
pub fn run_outcome(rep: &SiteReport) -> RunOutcome {
    let status = if rep.interrupted {
        RunStatus::Interrupted
    } else if rep.blocked || (rep.counts.blocked > 0 && rep.counts.new + rep.counts.changed + rep.counts.unchanged == 0) {
        RunStatus::Blocked
    } else if rep.is_ok() {
        RunStatus::Ok
    } else {
        RunStatus::Failed
    };
    let lists = rep.lists.iter().map(|l| ListStats { url: l.url.clone(), items: l.items }).collect();
    let got_somewhere = rep.lists.iter().any(|l| l.pages > 0);
    RunOutcome {
        status,
        pages: rep.pages,
        errors: rep.errors.clone(),
        stats: got_somewhere.then(|| SiteRunStats::from_lengths(lists, &rep.text_lens, rep.empty_without_attachment)),
    }
}

impl SiteRunner for CrawlRunner {
    fn run_site<'a>(&'a self, site: &'a str, cancel: CancelToken) -> BoxFuture<'a, RunOutcome> {
        Box::pin(async move {
            let Some(rule) = self.sites.get(site) else {
                return RunOutcome::failed(format!("no site rule named {site:?}"));
            };
            let opts = CrawlOptions { cancel: Some(cancel), ..self.options.clone() };
            match self.crawler.crawl(&[rule], &opts).await {
                Ok(report) => match report.site(site) {
                    Some(rep) => run_outcome(rep),
                    None => RunOutcome::failed(format!("site {site}: no report")),
                },
                Err(e) => RunOutcome::failed(format!("site {site}: {e}")),
            }
        })
    }
}

/// A [`crate::schedule::RunHistory`] read from the archive's `runs` table, for `nianbao schedule`
/// until the archive implements the trait itself: the last start is that of the site's last run
/// if it finished (an interrupted last run counts as none, so it is resumed as a catch-up); no
/// stats history (no health flags); recording is a no-op because the crawler already records its
/// runs in the archive.
#[derive(Debug, Clone)]
pub struct ArchiveRuns {
    archive: crate::archive::Archive,
}

impl ArchiveRuns {
    /// History over `archive`.
    pub fn new(archive: crate::archive::Archive) -> ArchiveRuns {
        ArchiveRuns { archive }
    }
}

impl crate::schedule::RunHistory for ArchiveRuns {
    fn last_started<'a>(&'a self, site: &'a str) -> BoxFuture<'a, crate::Result<Option<chrono::DateTime<chrono::Utc>>>> {
        Box::pin(async move {
            let stats = self.archive.site_stats().await?;
            let last = stats.into_iter().find(|s| s.site == site).and_then(|s| s.last_run);
            Ok(last
                .filter(|r| !matches!(r.outcome, crate::archive::RunOutcome::Interrupted | crate::archive::RunOutcome::Running))
                .and_then(|r| chrono::DateTime::parse_from_rfc3339(&r.started_at).ok())
                .map(|t| t.with_timezone(&chrono::Utc)))
        })
    }

    fn recent_stats<'a>(&'a self, _site: &'a str, _limit: usize) -> BoxFuture<'a, crate::Result<Vec<SiteRunStats>>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn record<'a>(&'a self, run: &'a crate::schedule::RunRecord) -> BoxFuture<'a, crate::Result<()>> {
        for flag in &run.flags {
            tracing::warn!(site = %run.site, "health: {flag:?}");
        }
        Box::pin(async { Ok(()) })
    }
}
