//! Attachment links.
//!
//! An attachment is an `<a href>` whose URL path (or Hanweb `filename=` parameter) ends in
//! .pdf .doc .docx .xls .xlsx .wps .et .ofd .rtf .zip .rar, a Hanweb
//! `/module/download/downfile.jsp?…` link, a TRS `appendix="true"`/`data-appendix="true"` link,
//! an `<iframe>`/`<embed>`/`<object>` showing such a file, or anything the rule's
//! `attachments` selectors name. Links inside page chrome (`header`, `nav`, `footer`, and
//! elements whose id/class says header/footer/nav/menu) are ignored, except for rule matches.
//!
//! URLs are resolved against the page URL, honouring `<base href>`; the visible name is the
//! anchor text, else `title`, else `download`, else an image's `alt`, else the file name.
//! Attachments are de-duplicated by URL (fragment ignored), in document order.

use std::collections::HashSet;
use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::clean::inline_text;
use super::Attachment;
use crate::site::Sel;

const EXTENSIONS: &[&str] = &["pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd", "rtf", "zip", "rar"];

static IMG: LazyLock<Selector> = LazyLock::new(|| Selector::parse("img[alt]").expect("img selector"));

/// The URL relative links resolve against: `<base href>` (itself resolved against the page URL),
/// else the page URL.
pub(crate) fn base_url(doc: &Html, page_url: &str) -> Option<Url> {
    let page = Url::parse(page_url).ok();
    // `base[href]`: the first in `Html::select` order, without a selector pass over the page.
    let base = doc
        .tree
        .nodes()
        .filter_map(ElementRef::wrap)
        .find(|el| el.value().name() == "base" && has_attr(el, "href"))
        .and_then(|b| b.value().attr("href"))
        .map(str::trim);
    match (base, &page) {
        (Some(href), Some(p)) => p.join(href).ok().or(page),
        (Some(href), None) => Url::parse(href).ok(),
        (None, _) => page,
    }
}

fn resolve(base: Option<&Url>, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') || href.contains("{{") {
        return None;
    }
    let lower = href.to_ascii_lowercase();
    if lower.starts_with("javascript:") || lower.starts_with("mailto:") || lower.starts_with("tel:") || lower.starts_with("data:") {
        return None;
    }
    let mut url = match base {
        Some(b) => b.join(href).ok()?,
        None => Url::parse(href).ok()?,
    };
    if !matches!(url.scheme(), "http" | "https" | "ftp") {
        return None;
    }
    url.set_fragment(None);
    Some(url)
}

fn has_doc_extension(name: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// The file name a URL carries: Hanweb's `filename=` parameter, else the last path segment.
fn file_name(url: &Url) -> Option<String> {
    if let Some((_, v)) = url.query_pairs().find(|(k, _)| k.eq_ignore_ascii_case("filename") || k.eq_ignore_ascii_case("file")) {
        if !v.is_empty() {
            return Some(v.rsplit('/').next().unwrap_or(&v).to_string());
        }
    }
    let seg = url.path_segments()?.next_back()?.to_string();
    let decoded = percent_decode(&seg);
    (!decoded.is_empty()).then_some(decoded)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn is_attachment_url(url: &Url) -> bool {
    url.path().to_ascii_lowercase().contains("/module/download/downfile.jsp")
        || has_doc_extension(url.path())
        || file_name(url).is_some_and(|n| has_doc_extension(&n))
}

/// False only when `href`, resolved against any base, cannot pass [`is_attachment_url`]: it
/// does not start with `?` (which keeps the base's path), and holds neither `%` (an encoded
/// name or key), nor `downfile`, nor `.` followed by one of [`EXTENSIONS`], in any case, once
/// the tabs and line breaks URL parsing removes are gone. Skips resolving the page's other links.
fn may_name_a_file(href: &str) -> bool {
    let href = href.trim_start();
    if href.starts_with('?') || href.contains('%') {
        return true;
    }
    let b = href.as_bytes();
    let stripped: Vec<u8>;
    let b = if b.iter().any(|c| matches!(c, b'\t' | b'\n' | b'\r')) {
        stripped = b.iter().copied().filter(|c| !matches!(c, b'\t' | b'\n' | b'\r')).collect();
        &stripped[..]
    } else {
        b
    };
    let has_at = |i: usize, word: &[u8]| b.get(i..i + word.len()).is_some_and(|w| w.eq_ignore_ascii_case(word));
    (0..b.len()).any(|i| match b[i] {
        b'.' => EXTENSIONS.iter().any(|e| has_at(i + 1, e.as_bytes())),
        b'd' | b'D' => has_at(i, b"downfile"),
        _ => false,
    })
}

fn is_appendix(el: ElementRef<'_>) -> bool {
    ["appendix", "data-appendix"].iter().any(|a| el.value().attr(a).is_some_and(|v| v.trim().eq_ignore_ascii_case("true")))
}

const CHROME_WORDS: &[&str] = &["header", "footer", "foot", "nav", "menu", "top", "bottom", "copyright"];

/// True when the element sits in page chrome: `header`/`nav`/`footer` or an id/class naming it.
fn in_chrome(el: ElementRef<'_>) -> bool {
    el.ancestors().filter_map(ElementRef::wrap).any(|a| {
        let e = a.value();
        if matches!(e.name(), "header" | "nav" | "footer") {
            return true;
        }
        let named = |v: &str| {
            let v = v.to_ascii_lowercase();
            CHROME_WORDS.iter().any(|w| v.strip_prefix(w).is_some_and(|rest| rest.is_empty() || rest.starts_with(['_', '-'])))
        };
        e.id().is_some_and(named) || e.classes().any(named)
    })
}

/// The visible name of a link.
fn name_of(el: ElementRef<'_>, url: &Url) -> String {
    let text = inline_text(el);
    if !text.is_empty() {
        return text;
    }
    for attr in ["title", "download"] {
        if let Some(v) = el.value().attr(attr).map(str::trim).filter(|v| !v.is_empty()) {
            return v.to_string();
        }
    }
    if let Some(alt) = el.select(&IMG).filter_map(|i| i.value().attr("alt")).map(str::trim).find(|a| !a.is_empty()) {
        return alt.to_string();
    }
    file_name(url).unwrap_or_else(|| url.to_string())
}

fn link_target<'a>(el: ElementRef<'a>, attr: Option<&str>) -> Option<&'a str> {
    let e = el.value();
    match attr {
        Some(a) => e.attr(a),
        None => e.attr("href").or_else(|| e.attr("src")).or_else(|| e.attr("data")),
    }
}

/// The elements `a[href], iframe[src], embed[src], object[data]` matches, in `Html::select`
/// order, without the selector machinery (this runs over every element of every page).
fn link_elements(doc: &Html) -> impl Iterator<Item = ElementRef<'_>> {
    doc.tree.nodes().filter_map(ElementRef::wrap).filter(|el| {
        let e = el.value();
        let wants = match e.name() {
            "a" => "href",
            "iframe" | "embed" => "src",
            "object" => "data",
            _ => return false,
        };
        has_attr(el, wants)
    })
}

/// `[name]`: the element has the attribute `name` (no namespace).
pub(crate) fn has_attr(el: &ElementRef<'_>, name: &str) -> bool {
    el.value().attrs.iter().any(|(n, _)| n.ns.is_empty() && &*n.local == name)
}

/// Collect the attachments of a page.
pub(crate) fn collect(doc: &Html, base: Option<&Url>, rule: &[Sel]) -> Vec<Attachment> {
    let mut out: Vec<Attachment> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |url: Url, name: String, out: &mut Vec<Attachment>| {
        let key = url.to_string();
        if seen.insert(key.clone()) {
            out.push(Attachment { url: key, name });
        } else if let Some(a) = out.iter_mut().find(|a| a.url == key) {
            // A later, better name (anchor text) replaces a bare file name.
            if file_name(&url).is_some_and(|f| f == a.name) && name != a.name {
                a.name = name;
            }
        }
    };
    for sel in rule {
        for el in doc.select(&sel.css) {
            if let Some(url) = link_target(el, sel.attr.as_deref()).and_then(|h| resolve(base, h)) {
                let name = name_of(el, &url);
                push(url, name, &mut out);
            }
        }
    }
    for el in link_elements(doc) {
        let is_anchor = el.value().name() == "a";
        let appendix = is_anchor && is_appendix(el);
        let Some(href) = link_target(el, None).filter(|h| appendix || may_name_a_file(h)) else { continue };
        let Some(url) = resolve(base, href) else { continue };
        if !(appendix || is_attachment_url(&url)) || in_chrome(el) {
            continue;
        }
        let name = if is_anchor { name_of(el, &url) } else { file_name(&url).unwrap_or_else(|| url.to_string()) };
        push(url, name, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachments(html: &str, url: &str) -> Vec<(String, String)> {
        let doc = Html::parse_document(html);
        let base = base_url(&doc, url);
        collect(&doc, base.as_ref(), &[]).into_iter().map(|a| (a.url, a.name)).collect()
    }

    #[test]
    fn extensions_hanweb_trs_and_dedup() {
        let got = attachments(
            "<div class=content>\
             <a href=\"./P020240308.pdf\">2023年报.pdf</a>\
             <a href=\"/module/download/downfile.jsp?classid=0&amp;filename=be5f.docx\"><img src=\"/icons/word.png\">附件一</a>\
             <a href=\"./P020240308.pdf#page=2\">重复</a>\
             <a appendix=\"true\" href=\"./W0123.bin\" title=\"表.xls\"></a>\
             <a href=\"x.WPS\"><img alt=\"wps 附件\" src=\"i.png\"></a>\
             <a href=\"/zwgk/t1.htm\">普通链接</a><a href=\"javascript:void(0)\">打印</a>\
             </div><div class=footer><a href=\"/wzjs.pdf\">网站年报</a></div>",
            "https://www.example.gov.cn/zwgk/202403/t20240308_1.htm",
        );
        assert_eq!(
            got,
            vec![
                ("https://www.example.gov.cn/zwgk/202403/P020240308.pdf".into(), "2023年报.pdf".into()),
                ("https://www.example.gov.cn/module/download/downfile.jsp?classid=0&filename=be5f.docx".into(), "附件一".into()),
                ("https://www.example.gov.cn/zwgk/202403/W0123.bin".into(), "表.xls".into()),
                ("https://www.example.gov.cn/zwgk/202403/x.WPS".into(), "wps 附件".into()),
            ]
        );
    }

    #[test]
    fn link_pass_finds_what_the_selector_finds() {
        let doc = Html::parse_document(
            "<a href=a.pdf>1</a><a>2</a><A HREF=b.doc>3</A><iframe src=c.pdf></iframe><iframe data=x></iframe>\
             <embed src=d.pdf><object data=e.pdf></object><object src=f></object><svg><a href=g.pdf>4</a><a xlink:href=h.pdf>5</a></svg>\
             <table><a href=i.pdf>foster</a><tr><td><a href=j.pdf>6</a></td></tr></table>",
        );
        let sel = Selector::parse("a[href], iframe[src], embed[src], object[data]").unwrap();
        let want: Vec<_> = doc.select(&sel).map(|e| e.id()).collect();
        let got: Vec<_> = link_elements(&doc).map(|e| e.id()).collect();
        assert_eq!(got, want);
        assert_eq!(got.len(), 8);
    }

    #[test]
    fn links_skipped_unresolved_could_never_be_attachments() {
        let hrefs = [
            "x.PDF", "a%2epdf", "%E5%B9%B4.pdf", "?id=1", "?filename=a.doc", "/module/download/downfile.jsp?classid=0",
            "/Module/Download/DownFile.jsp", "a.p\ndf", " \tb.xlsx", "c.docx#p=2", "d.et", "x?file=y.rar", "x?fil%65=y.zip",
            "/zwgk/index.html", "javascript:void(0)", "http://www.net.cn/", "../../", ".", "..", "t20190325_1.htm",
            "/a.pdf/", "mailto:a@b.cn", "//host/x", "W020190311.jpg", "x?file=y", "x?filename=a/b.ofd",
        ];
        let bases = ["http://www.example.gov.cn/zwgk/a.html", "http://www.example.gov.cn/files/report.pdf", "http://x.cn/module/download/downfile.jsp?filename=a.doc"];
        for base in bases.map(|b| Url::parse(b).unwrap()) {
            for h in hrefs {
                let attachment = resolve(Some(&base), h).is_some_and(|u| is_attachment_url(&u));
                assert!(!attachment || may_name_a_file(h), "{h:?} against {base} is an attachment");
            }
        }
        for h in ["/zwgk/index.html", "javascript:void(0)", "http://www.net.cn/", "t20190325_1.htm", "W020190311.jpg"] {
            assert!(!may_name_a_file(h), "{h:?} is skipped");
        }
    }

    #[test]
    fn base_href_is_honoured_and_file_name_is_the_last_resort() {
        let got = attachments(
            "<head><base href=\"https://files.example.gov.cn/att/\"></head><a href=\"%E5%B9%B4%E6%8A%A5.pdf\"></a>",
            "https://www.example.gov.cn/a/b.html",
        );
        assert_eq!(got, vec![("https://files.example.gov.cn/att/%E5%B9%B4%E6%8A%A5.pdf".into(), "年报.pdf".into())]);
    }
}
