//! The crawler: sites in parallel, and per site the list walkers and the frontier dispatcher.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::archive::{Archive, RunOutcome};
use crate::error::Result;
use crate::extract::Extracted;
use crate::fetch::Fetcher;
use crate::site::Site;

use super::progress::Progress;
use super::dispatch::{Dispatcher, Next};
use super::{lists, CrawlOptions, CrawlReport, ListReport, SiteReport};

/// Frontier URLs a site's failed fetches are retried up to (over runs).
const MAX_ATTEMPTS: u32 = 3;

/// The crawl engine. Cheap to clone (the archive and fetcher are shared handles).
///
/// A site must be crawled by one crawler at a time (the frontier's in-progress marks of a site
/// are reset when its crawl starts): `nianbao crawl` and the scheduler take a
/// [`crate::schedule::SiteLock`] per site.
#[derive(Debug, Clone)]
pub struct Crawler {
    archive: Archive,
    fetcher: Fetcher,
    registered: Arc<Mutex<HashSet<String>>>,
}

/// Everything one site's tasks share.
pub(crate) struct SiteCtx {
    pub archive: Archive,
    pub fetcher: Fetcher,
    pub site: Arc<Site>,
    pub run_id: i64,
    pub opts: CrawlOptions,
    pub progress: Progress,
    /// New frontier work (from the list walkers), or a fetch finished (room at the host).
    pub notify: Notify,
    pub pages: AtomicU64,
    /// Frontier URLs page tasks claimed for the dispatcher to start (a stored page's new
    /// attachments, see [`crate::archive::Archive::store_crawled`]).
    pub handoff: Mutex<Vec<crate::archive::FrontierEntry>>,
    /// Enqueues by the list walkers so far: the dispatcher asks a drained frontier again only
    /// after this changed.
    pub enqueued: AtomicU64,
    /// Claimed frontier URLs whose fetch has not finished (queued at the host or under way):
    /// what keeps the host busy. Pages being extracted or stored no longer count.
    pub unfetched: AtomicU32,
    pub missing: AtomicU64,
    pub blocked_in_a_row: AtomicU32,
    blocked: AtomicBool,
    text: Mutex<(Vec<usize>, u32)>,
    errors: Mutex<Vec<String>>,
}

impl SiteCtx {
    /// Cancelled, or the site is blocking us: start nothing new.
    pub fn stopping(&self) -> bool {
        self.blocked.load(Ordering::SeqCst) || self.opts.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    /// Record an error (run error in the archive, and in the site report).
    pub async fn error(&self, url: Option<&str>, message: String) {
        let full = match url {
            Some(u) if !message.contains(u) => format!("{u}: {message}"),
            _ => message.clone(),
        };
        tracing::warn!(site = %self.site.name, "{full}");
        if let Err(e) = self.archive.record_error(Some(self.run_id), Some(&self.site.name), url, &message).await {
            tracing::error!(site = %self.site.name, "archive: cannot record error: {e}");
        }
        self.errors.lock().expect("errors lock").push(full);
    }

    /// Stop the site: it answers with challenge/WAF pages.
    pub async fn block_site(&self, url: &str, reason: &str) {
        if !self.blocked.swap(true, Ordering::SeqCst) {
            let msg = format!("site stopped: blocked by the server ({reason})");
            self.error(Some(url), msg).await;
        }
    }

    /// Remember an extracted page's text length (for the run-health flags).
    pub fn note_text(&self, e: &Extracted) {
        let mut t = self.text.lock().expect("text lock");
        let n = e.text.chars().count();
        t.0.push(n);
        if n == 0 && e.attachments.is_empty() {
            t.1 += 1;
        }
    }
}

impl Crawler {
    /// A crawler storing into `archive` and fetching through `fetcher`.
    pub fn new(archive: Archive, fetcher: Fetcher) -> Crawler {
        Crawler { archive, fetcher, registered: Arc::default() }
    }

    /// The archive.
    pub fn archive(&self) -> &Archive {
        &self.archive
    }

    /// The fetcher.
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// Register a site's politeness with the fetcher once (re-registering would reset its hosts'
    /// limiters).
    fn register(&self, site: &Site) -> std::result::Result<(), String> {
        let mut reg = self.registered.lock().expect("registered lock");
        if reg.contains(&site.name) {
            return Ok(());
        }
        self.fetcher.add_site(site).map_err(|e| e.to_string())?;
        reg.insert(site.name.clone());
        Ok(())
    }

    /// Crawl `sites` concurrently as one archive run. Per-site problems (unreachable host, bad
    /// URL, blocked) are recorded in the report and the run while the other sites go on; `Err`
    /// only when the archive itself fails.
    pub async fn crawl(&self, sites: &[&Site], opts: &CrawlOptions) -> Result<CrawlReport> {
        let names: Vec<String> = sites.iter().map(|s| s.name.clone()).collect();
        // Runs of these sites left `running` by a killed process: we own the sites now.
        let stale = self.archive.interrupt_runs_of(&names).await?;
        if stale > 0 {
            tracing::info!("{stale} run(s) of a killed crawl marked interrupted; resuming their frontier");
        }
        let run_id = self.archive.start_run(&names).await?;
        let progress = Progress::new(opts.progress, sites.len());
        let mut tasks: JoinSet<SiteReport> = JoinSet::new();
        let mut reports: Vec<SiteReport> = Vec::new();
        for site in sites {
            if let Err(msg) = self.register(site) {
                let msg = format!("site {}: {msg}", site.name);
                self.archive.record_error(Some(run_id), Some(&site.name), None, &msg).await?;
                reports.push(SiteReport { site: site.name.clone(), errors: vec![msg], ..Default::default() });
                continue;
            }
            let ctx = Arc::new(SiteCtx {
                archive: self.archive.clone(),
                fetcher: self.fetcher.clone(),
                site: Arc::new((*site).clone()),
                run_id,
                opts: opts.clone(),
                progress: progress.clone(),
                notify: Notify::new(),
                pages: AtomicU64::new(0),
                unfetched: AtomicU32::new(0),
                handoff: Mutex::new(Vec::new()),
                enqueued: AtomicU64::new(0),
                missing: AtomicU64::new(0),
                blocked_in_a_row: AtomicU32::new(0),
                blocked: AtomicBool::new(false),
                text: Mutex::new((Vec::new(), 0)),
                errors: Mutex::new(Vec::new()),
            });
            tasks.spawn(crawl_site(ctx));
        }
        while let Some(r) = tasks.join_next().await {
            match r {
                Ok(rep) => reports.push(rep),
                Err(e) => {
                    let msg = format!("crawl task failed: {e}");
                    self.archive.record_error(Some(run_id), None, None, &msg).await?;
                    reports.push(SiteReport { site: "(unknown)".into(), errors: vec![msg], ..Default::default() });
                }
            }
        }
        progress.finish();
        let interrupted = opts.cancel.as_ref().is_some_and(|c| c.is_cancelled());
        self.archive.finish_run(run_id, interrupted.then_some(RunOutcome::Interrupted)).await?;
        if let Some(summary) = self.archive.run_summary(run_id).await? {
            for rep in &mut reports {
                if let Some((_, c)) = summary.sites.iter().find(|(s, _)| *s == rep.site) {
                    rep.counts = c.clone();
                }
            }
        }
        reports.sort_by(|a, b| a.site.cmp(&b.site));
        Ok(CrawlReport { run_id, sites: reports, interrupted })
    }
}

/// One site: list walkers plus the frontier dispatcher, until both are done.
async fn crawl_site(ctx: Arc<SiteCtx>) -> SiteReport {
    let site = ctx.site.name.clone();
    ctx.progress.site_started(&site);
    // Leftovers of a killed run go back to pending; failed URLs get another chance.
    if let Err(e) = ctx.archive.reset_in_progress(Some(&site)).await {
        ctx.error(None, format!("archive: {e}")).await;
    }
    if let Err(e) = ctx.archive.requeue_failed(&site, MAX_ATTEMPTS).await {
        ctx.error(None, format!("archive: {e}")).await;
    }

    let mut walkers: JoinSet<ListReport> = JoinSet::new();
    for i in 0..ctx.site.lists.len() {
        let c = ctx.clone();
        walkers.spawn(async move { lists::walk(&c, i).await });
    }
    let mut lists_done: Vec<ListReport> = Vec::new();
    let mut d = Dispatcher::new(ctx.site.concurrency);
    loop {
        d.fill(&ctx).await;
        if walkers.is_empty() {
            match d.next(&ctx) {
                Next::Done => break,
                Next::Fill => continue,
                Next::Wait => {}
            }
        }
        let cancel = ctx.opts.cancel.clone();
        tokio::select! {
            Some(r) = d.inflight.join_next(), if !d.inflight.is_empty() => {
                if let Err(e) = r {
                    ctx.error(None, format!("page task failed: {e}")).await;
                }
            }
            Some(r) = walkers.join_next(), if !walkers.is_empty() => {
                match r {
                    Ok(rep) => lists_done.push(rep),
                    Err(e) => ctx.error(None, format!("list task failed: {e}")).await,
                }
            }
            _ = ctx.notify.notified() => {}
            _ = async { match &cancel { Some(c) => c.cancelled().await, None => std::future::pending().await } },
                if cancel.as_ref().is_some_and(|c| !c.is_cancelled()) => {}
        }
    }
    // Lists in rule order.
    lists_done.sort_by_key(|l| ctx.site.lists.iter().position(|r| r.url.as_str() == l.url));
    let (text_lens, empty) = std::mem::take(&mut *ctx.text.lock().expect("text lock"));
    let report = SiteReport {
        site: site.clone(),
        counts: Default::default(),
        lists: lists_done,
        pages: ctx.pages.load(Ordering::Relaxed),
        missing_from_list: ctx.missing.load(Ordering::Relaxed),
        text_lens,
        empty_without_attachment: empty,
        errors: std::mem::take(&mut *ctx.errors.lock().expect("errors lock")),
        blocked: ctx.blocked.load(Ordering::SeqCst),
        interrupted: ctx.opts.cancel.as_ref().is_some_and(|c| c.is_cancelled()),
    };
    let mut shown = report.clone();
    if let Ok(Some(summary)) = ctx.archive.run_summary(ctx.run_id).await {
        if let Some((_, c)) = summary.sites.iter().find(|(s, _)| *s == site) {
            shown.counts = c.clone();
        }
    }
    ctx.progress.site_finished(&shown);
    report
}
