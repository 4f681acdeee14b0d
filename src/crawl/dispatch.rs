//! A site's frontier dispatcher: claims pending URLs from the archive and starts their fetches so
//! that the site's host always has a few requests waiting, and nothing else limits it.
//!
//! Three numbers, all from the site's concurrency `c`:
//! * **width** `2c + 2`: fetches started and not finished ([`SiteCtx::unfetched`]) at most. Only
//!   fetches count: a page being extracted or waiting for the archive writer no longer holds a
//!   place, or a busy writer would leave the host idle. Queued fetches still go out after the
//!   site turns out to be blocking, so the width also bounds what a WAF sees after the third
//!   challenge.
//! * **claim size** `4 × width`: claims are jobs of the archive's one writer, so URLs are claimed
//!   in batches into a local buffer (marked in progress in the archive, so a killed crawl hands
//!   them back on the next run) and started from there. A claim is made while the host still has
//!   `width` requests ahead of it, so its round trip is hidden. URLs claimed but not started when
//!   the crawl stops are released ([`crate::archive::Archive::release`]).
//! * **in flight** `2 × width`: pages of the site in any stage (fetch, extraction, storing) at
//!   most, which bounds the memory of pages fetched but not yet stored (at 200 sites × 100
//!   documents, 4 widths peaked at 93–114 MB RSS and 2 widths at 77–93 MB, at the same speed).
//!
//! Claims take attachments first (see [`crate::archive::Archive::claim`]), and the attachments a
//! stored page links are claimed by the page's own store and handed over through
//! [`SiteCtx::handoff`], so they go out right after the page.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::archive::FrontierEntry;

use super::engine::SiteCtx;
use super::items;

/// Fetches a site with concurrency `c` keeps started and unfinished.
pub(crate) fn width(concurrency: usize) -> usize {
    concurrency.max(1) * 2 + 2
}

/// Claim batches and the in-flight cap, in multiples of the width.
const CLAIM_WIDTHS: usize = 4;
const INFLIGHT_WIDTHS: usize = 2;

/// See [`Dispatcher::next`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Wait for a page task, a walker or a notice.
    Wait,
    /// Fill again at once.
    Fill,
    /// The site is done.
    Done,
}

/// The dispatcher state of one site.
pub(crate) struct Dispatcher {
    width: usize,
    /// Claimed, not yet started.
    buffer: VecDeque<FrontierEntry>,
    /// Page tasks (fetch → extract → store).
    pub inflight: JoinSet<()>,
    /// The last claim found nothing pending.
    drained: bool,
    /// [`SiteCtx::enqueued`] at the last claim: while it is unchanged, a drained frontier is not
    /// asked again (every finished fetch wakes the dispatcher).
    seen: u64,
    /// The claim made when everything else was done found nothing.
    confirmed: bool,
}

impl Dispatcher {
    pub fn new(concurrency: usize) -> Dispatcher {
        Dispatcher {
            width: width(concurrency),
            buffer: VecDeque::new(),
            inflight: JoinSet::new(),
            drained: false,
            seen: 0,
            confirmed: false,
        }
    }

    /// Top the host's queue up: take the URLs page tasks claimed (attachments), claim more when
    /// the buffer runs low, start fetches up to the width.
    pub async fn fill(&mut self, ctx: &Arc<SiteCtx>) {
        let handed: Vec<FrontierEntry> = std::mem::take(&mut *ctx.handoff.lock().expect("handoff lock"));
        // A page's attachments go before the pages claimed in advance.
        for e in handed.into_iter().rev() {
            self.buffer.push_front(e);
        }
        if ctx.stopping() {
            self.release(ctx).await;
            return;
        }
        let unfetched = ctx.unfetched.load(Ordering::SeqCst) as usize;
        let enqueued = ctx.enqueued.load(Ordering::SeqCst);
        if self.buffer.len() + unfetched <= self.width && (!self.drained || enqueued != self.seen) {
            self.seen = enqueued;
            match ctx.archive.claim(&ctx.site.name, (self.width * CLAIM_WIDTHS) as u32).await {
                Ok(batch) => {
                    self.drained = batch.is_empty();
                    self.confirmed &= self.drained;
                    self.buffer.extend(batch);
                }
                Err(e) => {
                    ctx.error(None, format!("archive: {e}")).await;
                    self.drained = true;
                }
            }
        }
        let cap = self.width * INFLIGHT_WIDTHS;
        while (ctx.unfetched.load(Ordering::SeqCst) as usize) < self.width && self.inflight.len() < cap {
            let Some(entry) = self.buffer.pop_front() else { break };
            ctx.unfetched.fetch_add(1, Ordering::SeqCst);
            let c = ctx.clone();
            self.inflight.spawn(async move { items::process(&c, entry).await });
        }
    }

    /// What the site's dispatch loop does next, once the list walkers are done: stop when
    /// nothing claimed is waiting or under way and the frontier had nothing pending (asked once
    /// more after everything else finished), or the crawl is stopping.
    pub fn next(&mut self, ctx: &SiteCtx) -> Next {
        if !(self.inflight.is_empty() && self.buffer.is_empty() && ctx.handoff.lock().expect("handoff lock").is_empty()) {
            return Next::Wait;
        }
        if ctx.stopping() || self.confirmed {
            return Next::Done;
        }
        // One last claim: something may have become pending without a walker's notice.
        self.confirmed = true;
        self.drained = false;
        Next::Fill
    }

    /// Hand claimed, unstarted URLs back to the frontier (the crawl is stopping).
    pub async fn release(&mut self, ctx: &SiteCtx) {
        let urls: Vec<String> = self.buffer.drain(..).map(|e| e.url).collect();
        if let Err(e) = ctx.archive.release(urls).await {
            ctx.error(None, format!("archive: {e}")).await;
        }
    }
}
