//! Fetching one frontier URL (a detail page or an attachment) and storing the result together
//! with its frontier state.

use std::sync::atomic::Ordering;

use crate::archive::{FetchKind, FetchOutcome, FetchRecord, FrontierEntry, FrontierItem, FrontierState};
use crate::extract::Extracted;
use crate::fetch::{Fetched, Outcome, Request, RequestKind};

use super::engine::SiteCtx;
use super::url::{normalize, resolve};

/// Consecutive blocked answers after which a site's crawl stops (a WAF is not to be hammered).
pub(crate) const BLOCKED_LIMIT: u32 = 3;

/// What the bytes of an attachment are, judged from their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentKind {
    Pdf,
    /// OLE2 compound file: .doc, .xls, .ppt, .wps, .et.
    Ole,
    /// Zip container: .docx, .xlsx, .pptx, .ofd, .zip.
    Zip,
    Rar,
    SevenZip,
    Rtf,
    Png,
    Jpeg,
    Gif,
    /// An HTML (or XML) page: never an attachment.
    Html,
    /// Anything else (plain text, CSV, unknown binary).
    Other,
}

/// Sniff an attachment body by its magic bytes (leading whitespace and a BOM are skipped for the
/// text kinds).
pub fn sniff_attachment(body: &[u8]) -> AttachmentKind {
    let starts = |m: &[u8]| body.starts_with(m);
    if starts(b"%PDF-") {
        return AttachmentKind::Pdf;
    }
    if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return AttachmentKind::Ole;
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        return AttachmentKind::Zip;
    }
    if starts(b"Rar!\x1A\x07") {
        return AttachmentKind::Rar;
    }
    if starts(&[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) {
        return AttachmentKind::SevenZip;
    }
    if starts(b"{\\rtf") {
        return AttachmentKind::Rtf;
    }
    if starts(b"\x89PNG") {
        return AttachmentKind::Png;
    }
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return AttachmentKind::Jpeg;
    }
    if starts(b"GIF8") {
        return AttachmentKind::Gif;
    }
    let text = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let head: Vec<u8> = text
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(64)
        .map(u8::to_ascii_lowercase)
        .collect();
    if head.starts_with(b"<!doctype") || head.starts_with(b"<html") || head.starts_with(b"<?xml") || head.starts_with(b"<head")
        || head.starts_with(b"<!--") || head.starts_with(b"<script") || head.starts_with(b"<body")
    {
        return AttachmentKind::Html;
    }
    AttachmentKind::Other
}

/// The magic an extension promises, if it promises one.
fn expected_kinds(ext: &str) -> Option<&'static [AttachmentKind]> {
    use AttachmentKind::*;
    Some(match ext {
        "pdf" => &[Pdf],
        "doc" | "xls" | "ppt" | "wps" | "et" | "dps" => &[Ole, Zip, Rtf],
        "docx" | "xlsx" | "pptx" | "ofd" | "zip" => &[Zip],
        "rar" => &[Rar],
        "7z" => &[SevenZip],
        _ => return None,
    })
}

/// Lower-case extension of the last path segment (or of a `filename=` query value).
fn extension_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let from_query = u.query_pairs().find(|(k, _)| k.eq_ignore_ascii_case("filename")).map(|(_, v)| v.into_owned());
    let name = from_query.or_else(|| u.path_segments()?.next_back().map(str::to_string))?;
    let (_, ext) = name.rsplit_once('.')?;
    Some(ext.to_ascii_lowercase())
}

/// Check an attachment body: `Err` with the reason when it is an HTML page, or when its magic
/// contradicts the extension of its URL (or of its final URL).
pub(crate) fn check_attachment(url: &str, final_url: &str, body: &[u8]) -> Result<AttachmentKind, String> {
    let kind = sniff_attachment(body);
    if kind == AttachmentKind::Html {
        return Err(format!("{url}: an HTML page answered instead of the attachment"));
    }
    if body.is_empty() {
        return Err(format!("{url}: empty attachment"));
    }
    for u in [final_url, url] {
        if let Some(ext) = extension_of(u) {
            if let Some(kinds) = expected_kinds(&ext) {
                if !kinds.contains(&kind) {
                    return Err(format!("{url}: a .{ext} link answered with {kind:?} bytes"));
                }
                break;
            }
        }
    }
    Ok(kind)
}

/// An archive record for a fetch.
pub(crate) fn record_of(f: &Fetched, url: &str, kind: FetchKind, site: Option<&str>, run_id: Option<i64>) -> FetchRecord {
    FetchRecord {
        url: url.to_string(),
        final_url: f.final_url.to_string(),
        status: f.status,
        headers: f.headers.clone(),
        fetched_at: f.fetched_at,
        elapsed_ms: f.elapsed.as_millis() as u64,
        body: f.body.clone(),
        charset: None,
        charset_source: None,
        site: site.map(str::to_string),
        run_id,
        kind,
        outcome: match f.outcome {
            Outcome::Ok => FetchOutcome::Ok,
            Outcome::Blocked { .. } => FetchOutcome::Blocked,
            Outcome::Gone { .. } | Outcome::NotFound => FetchOutcome::Gone,
        },
    }
}

/// Decode and extract a detail page off the async threads (extraction is CPU work).
pub(crate) async fn extract(f: &Fetched, site: Option<std::sync::Arc<crate::site::Site>>) -> Extracted {
    let body = f.body.clone();
    let ct = f.content_type().map(str::to_string);
    let url = f.final_url.to_string();
    let job = move || crate::pipeline::extract_bytes(&body, ct.as_deref(), &url, site.as_deref());
    match super::cpu(job).await {
        Some(e) => e,
        None => Extracted { url: f.final_url.to_string(), warnings: vec!["extraction panicked".into()], ..Default::default() },
    }
}

/// Fill the record's charset columns from an extraction.
pub(crate) fn set_charset(rec: &mut FetchRecord, e: &Extracted) {
    rec.charset = Some(e.encoding.label.clone());
    rec.charset_source = serde_json::to_value(e.encoding.source).ok().and_then(|v| v.as_str().map(str::to_string));
}

/// The attachments of a page as frontier items (http(s) only, normalised, de-duplicated).
pub(crate) fn attachment_items(e: &Extracted, base: &str, site: &str, depth: u32, run_id: Option<i64>) -> Vec<FrontierItem> {
    let Ok(base_url) = url::Url::parse(base) else { return Vec::new() };
    let mut out: Vec<FrontierItem> = Vec::new();
    for a in &e.attachments {
        let Some(u) = resolve(&base_url, &a.url) else { continue };
        let u = normalize(&u).to_string();
        if out.iter().any(|i| i.url == u) {
            continue;
        }
        out.push(FrontierItem {
            url: u,
            site: site.to_string(),
            kind: FetchKind::Attachment,
            depth,
            parent: Some(base.to_string()),
            run_id,
        });
    }
    out
}

/// Counts a claimed URL as unfetched ([`SiteCtx::unfetched`]) until dropped, and then wakes the
/// site's dispatcher to top the host's queue up.
struct Unfetched<'a>(&'a SiteCtx);

impl Drop for Unfetched<'_> {
    fn drop(&mut self) {
        self.0.unfetched.fetch_sub(1, Ordering::SeqCst);
        self.0.notify.notify_one();
    }
}

/// Fetch and store one claimed frontier URL (counted in `ctx.unfetched` by the dispatcher until
/// its fetch is over). Never fails: problems are recorded as run errors.
pub(crate) async fn process(ctx: &SiteCtx, entry: FrontierEntry) {
    let unfetched = Unfetched(ctx);
    let site = &ctx.site.name;
    if ctx.stopping() {
        // Claimed but not started: leave it for the next run.
        if let Err(e) = ctx.archive.release(vec![entry.url.clone()]).await {
            ctx.error(Some(&entry.url), format!("archive: {e}")).await;
        }
        return;
    }
    let kind = match entry.kind {
        FetchKind::Attachment => RequestKind::Attachment,
        _ => RequestKind::Detail,
    };
    let mut req = Request::get(entry.url.clone()).site(site.clone()).kind(kind);
    if let Some(p) = &entry.parent {
        req = req.header("Referer", p.clone());
    }
    let fetched = ctx.fetcher.fetch(&req).await;
    drop(unfetched);
    ctx.pages.fetch_add(1, Ordering::Relaxed);
    let f = match fetched {
        Ok(f) => f,
        Err(e) => {
            let msg = e.to_string();
            ctx.progress.page_done(site, entry.kind.as_str(), &entry.url, &format!("failed: {}", e.kind()));
            if let Err(err) = ctx.archive.complete(&entry.url, FrontierState::Failed, Some(&msg)).await {
                ctx.error(Some(&entry.url), format!("archive: {err}")).await;
            }
            ctx.error(Some(&entry.url), msg).await;
            return;
        }
    };
    let run = Some(ctx.run_id);
    let mut rec = record_of(&f, &entry.url, entry.kind, Some(site), run);
    let (extracted, state, error, discovered, what) = match (&f.outcome, entry.kind) {
        (Outcome::Blocked { reason, .. }, _) => {
            let n = ctx.blocked_in_a_row.fetch_add(1, Ordering::SeqCst) + 1;
            if n >= BLOCKED_LIMIT {
                ctx.block_site(&entry.url, reason).await;
            }
            (None, FrontierState::Blocked, Some(format!("blocked: {reason}")), Vec::new(), format!("blocked ({reason})"))
        }
        (Outcome::Gone { .. } | Outcome::NotFound, _) => {
            ctx.blocked_in_a_row.store(0, Ordering::SeqCst);
            (None, FrontierState::Gone, None, Vec::new(), format!("gone (HTTP {})", f.status))
        }
        (Outcome::Ok, FetchKind::Attachment) => {
            ctx.blocked_in_a_row.store(0, Ordering::SeqCst);
            match check_attachment(&entry.url, f.final_url.as_str(), &f.body) {
                Ok(k) => (None, FrontierState::Done, None, Vec::new(), format!("{k:?} {} bytes", f.body.len())),
                Err(msg) => {
                    rec.outcome = FetchOutcome::Error;
                    (None, FrontierState::Failed, Some(msg), Vec::new(), "not an attachment".to_string())
                }
            }
        }
        (Outcome::Ok, _) => {
            ctx.blocked_in_a_row.store(0, Ordering::SeqCst);
            let e = extract(&f, Some(ctx.site.clone())).await;
            set_charset(&mut rec, &e);
            ctx.note_text(&e);
            let items = attachment_items(&e, f.final_url.as_str(), site, entry.depth + 1, run);
            ctx.progress.add_work(site, items.len() as u64);
            (Some(e), FrontierState::Done, None, items, String::new())
        }
    };
    let mut stored = ctx.archive.store_crawled(rec, extracted, state, error.clone(), discovered).await;
    if let Ok(s) = &mut stored {
        let claimed = std::mem::take(&mut s.claimed);
        if !claimed.is_empty() {
            ctx.handoff.lock().expect("handoff lock").extend(claimed);
            ctx.notify.notify_one();
        }
    }
    let what = match (&stored, what.is_empty()) {
        (Ok(s), true) => s.outcome.document.map(|d| format!("{:?}", d.change).to_lowercase()).unwrap_or_else(|| "stored".into()),
        (Ok(_), false) => what,
        (Err(e), _) => format!("archive error: {e}"),
    };
    ctx.progress.page_done(site, entry.kind.as_str(), &entry.url, &what);
    match stored {
        Err(e) => ctx.error(Some(&entry.url), format!("archive: {e}")).await,
        Ok(_) if state == FrontierState::Failed => {
            ctx.error(Some(&entry.url), error.unwrap_or_default()).await;
        }
        Ok(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(sniff_attachment(b"%PDF-1.7\n"), AttachmentKind::Pdf);
        assert_eq!(sniff_attachment(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]), AttachmentKind::Ole);
        assert_eq!(sniff_attachment(b"PK\x03\x04rest"), AttachmentKind::Zip);
        assert_eq!(sniff_attachment(b"\xEF\xBB\xBF  <!DOCTYPE html><html>"), AttachmentKind::Html);
        assert_eq!(sniff_attachment(b"\r\n<HTML><body>"), AttachmentKind::Html);
        assert_eq!(sniff_attachment(b"a,b,c\n1,2,3"), AttachmentKind::Other);
    }

    #[test]
    fn html_for_a_pdf_is_an_error() {
        let err = check_attachment("http://x.gov.cn/a.pdf", "http://x.gov.cn/a.pdf", b"<html>404</html>").unwrap_err();
        assert!(err.contains("HTML page"), "{err}");
        let err = check_attachment("http://x.gov.cn/a.docx", "http://x.gov.cn/a.docx", b"%PDF-1.4").unwrap_err();
        assert!(err.contains(".docx"), "{err}");
        assert_eq!(check_attachment("http://x.gov.cn/a.doc", "http://x.gov.cn/a.doc", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]), Ok(AttachmentKind::Ole));
        // Hanweb downloads name the file in the query; the final URL has the real name.
        let ok = check_attachment(
            "http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=ab12.pdf",
            "http://x.gov.cn/attach/0/ab12.pdf",
            b"%PDF-1.4",
        );
        assert_eq!(ok, Ok(AttachmentKind::Pdf));
        let unknown = check_attachment("http://x.gov.cn/file.aspx?id=3", "http://x.gov.cn/file.aspx?id=3", b"\x00\x01binary");
        assert_eq!(unknown, Ok(AttachmentKind::Other));
    }
}
