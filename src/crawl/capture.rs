//! `nianbao capture URL… [--depth N] [--site S]`: one-off captures. Each page is fetched with the
//! site rule whose domain matches (or the forced one, or none: the generic extractor), archived
//! with its attachments; with `depth` > 0 a page that lists documents is followed to its
//! same-site items, level by level.

use std::collections::{HashSet, VecDeque};

use serde::Serialize;
use url::Url;

use crate::archive::{Archive, FetchKind, FetchOutcome};
use crate::error::{Error, Result};
use crate::extract::list;
use crate::fetch::{Fetcher, Outcome, Request, RequestKind};
use crate::site::{Site, SiteSet};

use super::items::{check_attachment, extract, record_of, set_charset};
use super::url::{is_same_site, normalize};

/// Options of a capture.
#[derive(Debug, Clone, Default)]
pub struct CaptureOptions {
    /// Follow list items this many levels deep (same site only).
    pub depth: u32,
    /// Use this site's rule for every URL instead of matching by domain.
    pub site: Option<String>,
}

/// One attachment of a captured page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapturedAttachment {
    pub url: String,
    pub name: String,
    /// Size of the stored file.
    pub bytes: Option<usize>,
    /// Why it was not stored.
    pub error: Option<String>,
}

/// One captured page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Captured {
    pub url: String,
    /// The rule used, if any.
    pub site: Option<String>,
    /// `document`, `list` (followed, not stored as a document), `blocked` or `gone`.
    pub kind: String,
    pub title: String,
    pub report_year: Option<i32>,
    /// The archive document (for `document`).
    pub document_id: Option<i64>,
    pub attachments: Vec<CapturedAttachment>,
    /// Links followed from a `list` page.
    pub followed: usize,
    /// How deep below a URL given on the command line.
    pub level: u32,
}

/// What a capture did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaptureReport {
    pub pages: Vec<Captured>,
    /// Errors, each naming its URL.
    pub errors: Vec<String>,
}

/// Capture `urls` into `archive`. Per-URL problems are in the report's `errors`; `Err` for a
/// configuration error (unknown `site`) or an archive failure.
pub async fn capture(archive: &Archive, fetcher: &Fetcher, sites: &SiteSet, urls: &[String], opts: &CaptureOptions) -> Result<CaptureReport> {
    let forced: Option<&Site> = match &opts.site {
        Some(name) => Some(sites.get(name).ok_or_else(|| Error::Other(format!("no site rule named {name:?}")))?),
        None => None,
    };
    let mut report = CaptureReport::default();
    let mut registered: HashSet<String> = HashSet::new();
    let mut visited: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<(String, u32, u32)> = urls.iter().map(|u| (u.trim().to_string(), opts.depth, 0)).collect();
    while let Some((raw, depth_left, level)) = queue.pop_front() {
        let url = match Url::parse(&raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => normalize(&u),
            Ok(u) => {
                report.errors.push(format!("{raw}: invalid URL: scheme {:?} is not http(s)", u.scheme()));
                continue;
            }
            Err(e) => {
                report.errors.push(format!("{raw}: invalid URL: {e}"));
                continue;
            }
        };
        if !visited.insert(url.to_string()) {
            continue;
        }
        let site = forced.or_else(|| sites.for_url(&url));
        if let Some(s) = site {
            if registered.insert(s.name.clone()) {
                if let Err(e) = fetcher.add_site(s) {
                    report.errors.push(format!("{url}: site {}: {e}", s.name));
                    continue;
                }
            }
        }
        match capture_one(archive, fetcher, &url, site, depth_left, level).await {
            Ok((page, follow)) => {
                let domains = site.map(|s| s.domains.clone()).unwrap_or_else(|| vec![url.host_str().unwrap_or_default().to_string()]);
                for link in follow.into_iter().filter(|l| is_same_site(l, &domains)) {
                    queue.push_back((link.to_string(), depth_left - 1, level + 1));
                }
                report.errors.extend(page.attachments.iter().filter_map(|a| a.error.clone()));
                report.pages.push(page);
            }
            Err(msg) => report.errors.push(msg),
        }
    }
    Ok(report)
}

/// Fetch, classify and store one page; returns it and the links to follow.
async fn capture_one(
    archive: &Archive,
    fetcher: &Fetcher,
    url: &Url,
    site: Option<&Site>,
    depth_left: u32,
    level: u32,
) -> std::result::Result<(Captured, Vec<Url>), String> {
    let name = site.map(|s| s.name.clone());
    let mut req = Request::get(url.to_string()).kind(RequestKind::Other);
    if let Some(n) = &name {
        req = req.site(n.clone());
    }
    let f = fetcher.fetch(&req).await.map_err(|e| e.to_string())?;
    let mut page = Captured {
        url: url.to_string(),
        site: name.clone(),
        kind: String::new(),
        title: String::new(),
        report_year: None,
        document_id: None,
        attachments: Vec::new(),
        followed: 0,
        level,
    };
    let store_err = |e: Error| format!("{url}: archive: {e}");
    if !f.outcome.is_ok() {
        let rec = record_of(&f, url.as_str(), FetchKind::Detail, name.as_deref(), None);
        archive.store_fetch(rec, None).await.map_err(store_err)?;
        page.kind = match &f.outcome {
            Outcome::Blocked { reason, .. } => format!("blocked ({reason})"),
            _ => format!("gone (HTTP {})", f.status),
        };
        return Ok((page, Vec::new()));
    }

    // A list-like page is followed when depth allows.
    if depth_left > 0 {
        let rule = site.and_then(|s| s.lists.iter().find(|l| normalize(&l.url) == *url)).cloned();
        let (body, ct, enc, final_url) = (f.body.clone(), f.content_type().map(str::to_string), site.and_then(|s| s.encoding.clone()), f.final_url.clone());
        let items = tokio::task::spawn_blocking(move || {
            let text = crate::decode::decode(&body, ct.as_deref(), enc.as_deref()).text;
            list::parse_list(&text, &final_url, rule.as_ref()).items
        })
        .await
        .unwrap_or_default();
        if !items.is_empty() {
            let rec = record_of(&f, url.as_str(), FetchKind::List, name.as_deref(), None);
            archive.store_fetch(rec, None).await.map_err(store_err)?;
            page.kind = "list".into();
            page.followed = items.len();
            return Ok((page, items.into_iter().map(|i| i.url).collect()));
        }
    }

    let e = extract(&f, site.map(|s| std::sync::Arc::new(s.clone()))).await;
    let mut rec = record_of(&f, url.as_str(), FetchKind::Detail, name.as_deref(), None);
    set_charset(&mut rec, &e);
    page.kind = "document".into();
    page.title = e.title.clone();
    page.report_year = e.report_year;
    let attachments = e.attachments.clone();
    let stored = archive.store_fetch(rec, Some(e)).await.map_err(store_err)?;
    page.document_id = stored.document.map(|d| d.document_id);
    for a in attachments {
        page.attachments.push(capture_attachment(archive, fetcher, &a.url, &a.name, url, name.as_deref()).await);
    }
    Ok((page, Vec::new()))
}

async fn capture_attachment(archive: &Archive, fetcher: &Fetcher, url: &str, name: &str, parent: &Url, site: Option<&str>) -> CapturedAttachment {
    let mut out = CapturedAttachment { url: url.to_string(), name: name.to_string(), bytes: None, error: None };
    let mut req = Request::get(url.to_string()).kind(RequestKind::Attachment).header("Referer", parent.to_string());
    if let Some(s) = site {
        req = req.site(s.to_string());
    }
    let f = match fetcher.fetch(&req).await {
        Ok(f) => f,
        Err(e) => {
            out.error = Some(e.to_string());
            return out;
        }
    };
    let mut rec = record_of(&f, url, FetchKind::Attachment, site, None);
    if f.outcome.is_ok() {
        if let Err(msg) = check_attachment(url, f.final_url.as_str(), &f.body) {
            rec.outcome = FetchOutcome::Error;
            out.error = Some(msg);
        } else {
            out.bytes = Some(f.body.len());
        }
    } else {
        out.error = Some(format!("{url}: HTTP {} ({:?})", f.status, f.outcome));
    }
    if let Err(e) = archive.store_fetch(rec, None).await {
        out.bytes = None;
        out.error = Some(format!("{url}: archive: {e}"));
    }
    out
}
