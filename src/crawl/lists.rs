//! Walking one list (column): first page → page count → further pages in the rule's pagination
//! style, items filtered and enqueued as they are found, incremental stop, takedown check after a
//! complete walk.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering;

use chrono::Utc;
use url::Url;

use crate::archive::{FetchKind, FetchOutcome, FrontierItem};
use crate::extract::list::{self, ListItem, ListPage, Method, PageRequest, ResponseFormat};
use crate::fetch::{Outcome, Request, RequestKind};
use crate::site::ListRule;

use super::engine::SiteCtx;
use super::items::record_of;
use super::ListReport;

/// The request for a list's first page.
fn first_request(rule: &ListRule) -> PageRequest {
    PageRequest {
        url: rule.url.clone(),
        method: Method::Get,
        form: Vec::new(),
        headers: Vec::new(),
        format: ResponseFormat::Html,
        page: 0,
    }
}

fn to_fetch_request(req: &PageRequest, site: &str) -> Request {
    let mut r = match req.method {
        Method::Get => Request::get(req.url.to_string()),
        Method::Post => Request::post_form(req.url.to_string(), req.form.clone()),
    };
    for (k, v) in &req.headers {
        // The client sets the form content type itself.
        if !k.eq_ignore_ascii_case("content-type") {
            r = r.header(k.clone(), v.clone());
        }
    }
    r.site(site.to_string()).kind(RequestKind::List)
}

/// A stable key for a list request (GET URL, or POST URL + form).
fn request_key(req: &PageRequest) -> String {
    let form: Vec<String> = req.form.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{:?} {} {}", req.method, req.url, form.join("&"))
}

/// Parse an answer off the async threads. Items are read with the rule's selectors but without
/// its keep/skip filters (`unfiltered`): every listed document counts as "still listed" for the
/// takedown check, whatever the filters keep.
async fn parse(req: PageRequest, final_url: Url, text: String, unfiltered: ListRule) -> ListPage {
    super::cpu(move || {
        let mut req = req;
        if req.format == ResponseFormat::Html {
            req.url = final_url;
        }
        list::parse_response(&req, &text, Some(&unfiltered))
    })
    .await
    .unwrap_or_default()
}

fn wanted(rule: &ListRule, it: &ListItem, since: Option<i32>) -> bool {
    rule.keep.as_ref().is_none_or(|k| k.is_match(&it.title))
        && rule.skip.as_ref().is_none_or(|s| !s.is_match(&it.title))
        && since.is_none_or(|y| !list::filter_since(vec![it.clone()], y).is_empty())
}

/// Walk list `idx` of the site. Never fails: problems are recorded as run errors and make the
/// walk incomplete (no takedown check).
pub(crate) async fn walk(ctx: &SiteCtx, idx: usize) -> ListReport {
    let rule = &ctx.site.lists[idx];
    let site = ctx.site.name.clone();
    let mut report = ListReport { url: rule.url.to_string(), ..Default::default() };
    let mut unfiltered = rule.clone();
    unfiltered.keep = None;
    unfiltered.skip = None;
    let rule_max = match &rule.pages {
        crate::site::Pagination::None => None,
        crate::site::Pagination::Template { max_pages, .. }
        | crate::site::Pagination::Hanweb { max_pages, .. }
        | crate::site::Pagination::NextLink { max_pages, .. } => *max_pages,
    };
    let limit = [ctx.opts.max_pages, rule_max].into_iter().flatten().min();

    let mut queue: VecDeque<PageRequest> = VecDeque::from([first_request(rule)]);
    let mut visited: HashSet<String> = HashSet::new();
    let mut listed: Vec<String> = Vec::new();
    let mut listed_set: HashSet<String> = HashSet::new();
    let mut kept: HashSet<String> = HashSet::new();
    let mut failed = false;
    let mut capped = false;
    ctx.progress.add_work(&site, 1);

    while let Some(req) = queue.pop_front() {
        if ctx.stopping() {
            failed = true;
            break;
        }
        if limit.is_some_and(|m| report.pages >= m) {
            capped = true;
            break;
        }
        if !visited.insert(request_key(&req)) {
            continue;
        }
        let fetched = ctx.fetcher.fetch(&to_fetch_request(&req, &site)).await;
        ctx.pages.fetch_add(1, Ordering::Relaxed);
        report.pages += 1;
        let f = match fetched {
            Ok(f) => f,
            Err(e) => {
                ctx.progress.page_done(&site, "list", req.url.as_str(), &format!("failed: {}", e.kind()));
                ctx.error(Some(req.url.as_str()), format!("list page: {e}")).await;
                failed = true;
                // A next-link chain cannot go on; planned pages can.
                continue;
            }
        };
        let mut rec = record_of(&f, req.url.as_str(), FetchKind::List, Some(&site), Some(ctx.run_id));
        if !f.outcome.is_ok() {
            let why = match &f.outcome {
                Outcome::Blocked { reason, .. } => format!("blocked ({reason})"),
                _ => format!("gone (HTTP {})", f.status),
            };
            // A list page is never a document: keep the evidence without takedown side effects.
            if f.outcome.is_gone() {
                rec.outcome = FetchOutcome::Error;
            }
            let _ = ctx.archive.store_fetch(rec, None).await;
            ctx.progress.page_done(&site, "list", req.url.as_str(), &why);
            if let Outcome::Blocked { reason, .. } = &f.outcome {
                ctx.block_site(req.url.as_str(), reason).await;
            } else {
                ctx.error(Some(req.url.as_str()), format!("list page {why}")).await;
            }
            failed = true;
            continue;
        }
        let ct = f.content_type().map(str::to_string);
        let forced = ctx.site.encoding.clone();
        let body = f.body.clone();
        let decoded = super::cpu(move || crate::decode::decode(&body, ct.as_deref(), forced.as_deref()).text)
            .await
            .unwrap_or_default();
        rec.charset = None;
        if let Err(e) = ctx.archive.store_fetch(rec, None).await {
            ctx.error(Some(req.url.as_str()), format!("archive: {e}")).await;
        }
        let page = parse(req.clone(), f.final_url.clone(), decoded, unfiltered.clone()).await;
        for w in &page.warnings {
            tracing::warn!(site = %site, "{w}");
        }

        // Items: all listed ones count for takedowns; the wanted ones are crawled.
        let mut fresh: Vec<ListItem> = Vec::new();
        for it in &page.items {
            let u = it.url.to_string();
            if listed_set.insert(u.clone()) {
                listed.push(u);
            }
            if wanted(rule, it, ctx.opts.since) && kept.insert(it.url.to_string()) {
                fresh.push(it.clone());
            }
        }
        report.items += fresh.len() as u32;
        let urls: Vec<String> = fresh.iter().map(|i| i.url.to_string()).collect();
        let settled = if urls.is_empty() {
            HashSet::new()
        } else {
            match ctx.archive.settled_urls(&site, &urls).await {
                Ok(s) => s,
                Err(e) => {
                    ctx.error(Some(req.url.as_str()), format!("archive: {e}")).await;
                    HashSet::new()
                }
            }
        };
        let items: Vec<FrontierItem> = urls
            .iter()
            .filter(|u| ctx.opts.full || !settled.contains(*u))
            .map(|u| FrontierItem {
                url: u.clone(),
                site: site.clone(),
                kind: FetchKind::Detail,
                depth: 1,
                parent: Some(f.final_url.to_string()),
                run_id: Some(ctx.run_id),
            })
            .collect();
        let enqueued = if items.is_empty() {
            Ok(0)
        } else if ctx.opts.full {
            ctx.archive.enqueue_or_requeue(items).await.map(|(a, b)| a + b)
        } else {
            ctx.archive.enqueue(items).await
        };
        match enqueued {
            Ok(n) => {
                report.new_items += n as u32;
                ctx.progress.add_work(&site, n);
                ctx.enqueued.fetch_add(1, Ordering::SeqCst);
                ctx.notify.notify_one();
            }
            Err(e) => ctx.error(Some(req.url.as_str()), format!("archive: {e}")).await,
        }
        ctx.progress.page_done(&site, "list", req.url.as_str(), &format!("{} items", fresh.len()));

        // Plan further pages: all at once from the first page; page by page for next links.
        let remaining = limit.map(|m| m.saturating_sub(report.pages) + 1);
        if req.page == 0 && report.pages == 1 {
            let planned = list::page_urls(rule, &page, &f.final_url, limit);
            ctx.progress.add_work(&site, planned.len() as u64);
            queue.extend(planned);
        } else if queue.is_empty() && !page.next.is_empty() {
            let more: Vec<PageRequest> = list::page_urls(rule, &page, &f.final_url, remaining)
                .into_iter()
                .filter(|r| !visited.contains(&request_key(r)))
                .collect();
            ctx.progress.add_work(&site, more.len() as u64);
            queue.extend(more);
        }

        // Incremental: a page of documents all settled before this run ends the walk (on the
        // last page the walk is complete anyway, and takedowns are checked).
        let all_known = !urls.is_empty() && urls.iter().all(|u| settled.contains(u));
        if all_known && !ctx.opts.full && !queue.is_empty() {
            report.stopped_early = true;
            break;
        }
    }

    // A capped walk may have left pages unseen: no takedown check.
    capped |= limit.is_some_and(|m| report.pages >= m);
    if !failed && !report.stopped_early && !capped && !ctx.stopping() && report.pages > 0 {
        report.complete = true;
        match ctx.archive.mark_missing_from_list(&site, rule.url.as_str(), listed, Utc::now(), Some(ctx.run_id)).await {
            Ok(check) => {
                ctx.missing.fetch_add(check.missing, Ordering::Relaxed);
            }
            Err(e) => ctx.error(Some(rule.url.as_str()), format!("archive: {e}")).await,
        }
    }
    report
}
