//! URL handling for the frontier: normalisation (frontier keys), resolving links found in pages,
//! rejecting links that are never documents, same-site checks and GBK query encoding.
//!
//! Normalisation never decodes and re-encodes a query: GBK sites put GB18030 percent-escapes in
//! their queries, and a UTF-8 round trip would change the URL the server sees.

use url::Url;

/// Query parameters removed by [`normalize`]: analytics tags that never change the document.
const TRACKING_PARAMS: &[&str] = &["spm", "gclid", "fbclid", "yclid", "mc_cid", "mc_eid"];

/// Why a link was not turned into a URL by [`resolve_checked`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// Empty or whitespace-only href.
    Empty,
    /// `#` or `#anchor`: the same page.
    Fragment,
    /// `javascript:` pseudo-link (TRS/Hanweb pagers and menus).
    Javascript,
    /// `mailto:`, `tel:`, `data:`, `ftp:` … anything that is not http(s).
    Scheme(String),
    /// The href does not parse as a URL even relative to the page.
    Invalid,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejected::Empty => f.write_str("empty link"),
            Rejected::Fragment => f.write_str("fragment-only link"),
            Rejected::Javascript => f.write_str("javascript: link"),
            Rejected::Scheme(s) => write!(f, "{s}: link"),
            Rejected::Invalid => f.write_str("unparsable link"),
        }
    }
}

/// The frontier key of a URL: lowercase scheme and host (the `url` crate does this, and drops
/// default ports and resolves `.`/`..` segments, on parse), no fragment, no trailing dot on the
/// host, no empty `?`, no tracking parameters (`utm_*`, `spm`, `gclid`, …). Path case and the
/// order and bytes of the remaining query parameters are kept as they were.
pub fn normalize(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if let Some(host) = out.host_str() {
        if host.len() > 1 && host.ends_with('.') {
            let trimmed = host.trim_end_matches('.').to_string();
            // Only fails for hosts that cannot be changed (not the case for http(s)).
            let _ = out.set_host(Some(&trimmed));
        }
    }
    if let Some(q) = out.query() {
        let kept: Vec<&str> =
            q.split('&').filter(|p| !p.is_empty() && !is_tracking_param(p)).collect();
        if kept.is_empty() {
            out.set_query(None);
        } else if kept.len() != q.split('&').count() {
            let joined = kept.join("&");
            out.set_query(Some(&joined));
        }
    }
    out
}

fn is_tracking_param(pair: &str) -> bool {
    let name = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str())
}

/// Resolve `href` as found on the page at `base` into a normalized absolute http(s) URL, or say
/// why it is not a link to follow. Relative TRS links (`./202403/t20240308_87885.htm`) resolve
/// against the list URL's directory, as a browser does.
pub fn resolve_checked(base: &Url, href: &str) -> Result<Url, Rejected> {
    let h = href.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if h.is_empty() {
        return Err(Rejected::Empty);
    }
    if h.starts_with('#') {
        return Err(Rejected::Fragment);
    }
    if let Some(scheme) = scheme_of(h) {
        match scheme.as_str() {
            "http" | "https" => {}
            "javascript" => return Err(Rejected::Javascript),
            _ => return Err(Rejected::Scheme(scheme)),
        }
    }
    let url = base.join(h).map_err(|_| Rejected::Invalid)?;
    match url.scheme() {
        "http" | "https" => Ok(normalize(&url)),
        other => Err(Rejected::Scheme(other.to_string())),
    }
}

/// [`resolve_checked`] without the reason.
pub fn resolve(base: &Url, href: &str) -> Option<Url> {
    resolve_checked(base, href).ok()
}

/// Like [`resolve`], but a query written with raw non-ASCII characters is percent-encoded from
/// GB18030 bytes, as a browser does on a GBK page (`?searchword=年报` → `%C4%EA%B1%A8`).
pub fn resolve_gbk(base: &Url, href: &str) -> Option<Url> {
    let h = href.trim();
    let (before_frag, _) = h.split_once('#').unwrap_or((h, ""));
    match before_frag.split_once('?') {
        Some((path, query)) if !query.is_ascii() => {
            let mut url = resolve(base, if path.is_empty() { "?" } else { path })?;
            let encoded = percent_encode_gbk_raw(query);
            url.set_query(Some(&encoded));
            Some(normalize(&url))
        }
        _ => resolve(base, h),
    }
}

/// True when `url` can be a document: not a `/gate/big5/` Traditional-Chinese mirror of another
/// page (SITES-RESEARCH §1.5) and not under `/module/` (Hanweb endpoints: dataproxy, search,
/// visit counters, downloads; §1.2). Attachments under `/module/download/` are handled by the
/// attachment extractor, not as documents.
pub fn is_document_url(url: &Url) -> bool {
    let path = url.path().to_ascii_lowercase();
    !(path.contains("/gate/big5/") || path.contains("/module/"))
}

/// [`resolve`] followed by [`is_document_url`]: the links a list page may contribute as items.
pub fn resolve_document(base: &Url, href: &str, gbk_query: bool) -> Option<Url> {
    let url = if gbk_query { resolve_gbk(base, href)? } else { resolve(base, href)? };
    is_document_url(&url).then_some(url)
}

/// True when the URL's host is one of `domains`, a subdomain of one, or differs from one only by
/// a leading `www.`. Comparison ignores case, ports and a trailing dot. A domain written as
/// `*.example.gov.cn` or `.example.gov.cn` means the domain and all its subdomains.
pub fn is_same_site(url: &Url, domains: &[String]) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let bare_host = host.strip_prefix("www.").unwrap_or(&host);
    domains.iter().any(|d| {
        let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
        let d = d.trim_start_matches("*.").trim_start_matches('.');
        if d.is_empty() {
            return false;
        }
        let bare_d = d.strip_prefix("www.").unwrap_or(d);
        host == d || host.ends_with(&format!(".{d}")) || bare_host == bare_d
    })
}

/// Append `pairs` to the URL's query, each name and value form-encoded from its GB18030 bytes
/// (`searchword=年报` → `searchword=%C4%EA%B1%A8`, space → `+`). An existing query is kept as is.
pub fn encode_query_gbk(url: &Url, pairs: &[(&str, &str)]) -> Url {
    let mut out = url.clone();
    let added = form_encode_gbk(pairs);
    let query = match url.query() {
        Some(q) if !q.is_empty() && !added.is_empty() => format!("{q}&{added}"),
        Some(q) if !q.is_empty() => q.to_string(),
        _ => added,
    };
    out.set_query(if query.is_empty() { None } else { Some(&query) });
    out
}

/// An `application/x-www-form-urlencoded` body (or query) from GB18030 bytes, for GBK sites'
/// search forms.
pub fn form_encode_gbk(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form_bytes(k), form_bytes(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn form_bytes(s: &str) -> String {
    let (bytes, _, _) = encoding_rs::GB18030.encode(s);
    url::form_urlencoded::byte_serialize(&bytes).collect()
}

/// Percent-encode the non-ASCII characters of a raw query from GB18030 bytes, leaving ASCII
/// (including existing `%XX` escapes, `=` and `&`) untouched.
fn percent_encode_gbk_raw(query: &str) -> String {
    let mut out = String::with_capacity(query.len() * 2);
    let mut buf = [0u8; 4];
    for ch in query.chars() {
        if ch.is_ascii() {
            out.push(ch);
        } else {
            let (bytes, _, _) = encoding_rs::GB18030.encode(ch.encode_utf8(&mut buf));
            for b in bytes.iter() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The scheme of an absolute href (`JavaScript:void(0)` → `javascript`), if it has one.
fn scheme_of(href: &str) -> Option<String> {
    let colon = href.find(':')?;
    let scheme = &href[..colon];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then(|| scheme.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn scheme_detection_ignores_relative_paths_with_colons() {
        assert_eq!(scheme_of("JavaScript:void(0)").as_deref(), Some("javascript"));
        assert_eq!(scheme_of("./a:b.htm"), None);
        assert_eq!(scheme_of("/x?a=b:c"), None);
    }

    #[test]
    fn raw_gbk_query_keeps_ascii_and_escapes() {
        assert_eq!(percent_encode_gbk_raw("a=%41&q=年"), "a=%41&q=%C4%EA");
    }

    #[test]
    fn normalize_keeps_query_bytes_when_nothing_is_removed() {
        let url = u("http://x.gov.cn/s?q=%C4%EA&b=1");
        assert_eq!(normalize(&url).as_str(), "http://x.gov.cn/s?q=%C4%EA&b=1");
    }
}
