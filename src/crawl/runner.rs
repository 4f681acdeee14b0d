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
