//! Finding the document links of a list page: by rule, generically, and in Hanweb CDATA
//! fragments; and finding its "next page" links.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::{collapse_ws, find_date, report_year, ListItem};
use crate::crawl::url::{resolve, resolve_document};
use crate::site::{ListRule, Pagination, Sel};

static ANCHOR: LazyLock<Selector> = LazyLock::new(|| Selector::parse("a[href]").expect("selector"));

/// Document URL shapes of the CMSs met on these sites (SITES-RESEARCH §0).
static DOC_HREF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?i)(?:^|/)\d{6}/t\d{8}_\d+\.s?html?(?:$|[?#])",  // TRS ./202403/t20240308_87885.htm
        r"|/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?",  // Hanweb
        r"|(?:^|/)m?post_\d+\.html?(?:$|[?#])",             // Guangdong gkmlpt
    ))
    .expect("doc href regex")
});

/// Texts of "next page" links. `>>`/`»` are left out: Chinese pagers use them for 尾页.
static NEXT_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:下一页|下页|下一頁|后一页|next|next page|>|›|＞)\s*[>›＞]?$").expect("next regex")
});

/// Value of a selector match: the attribute if the `Sel` names one, else the collapsed text.
fn sel_value(el: ElementRef<'_>, sel: &Sel) -> Option<String> {
    let v = match &sel.attr {
        Some(a) => el.value().attr(a).map(collapse_ws),
        None => Some(collapse_ws(&el.text().collect::<String>())),
    };
    v.filter(|s| !s.is_empty())
}

fn first_value(scope: ElementRef<'_>, sel: &Sel) -> Option<String> {
    // The scope itself may be what the selector means (items = "a.title", link = "a").
    if sel.css.matches(&scope) {
        if let Some(v) = sel_value(scope, sel) {
            return Some(v);
        }
    }
    scope.select(&sel.css).find_map(|el| sel_value(el, sel))
}

/// The link element of an item: the first `link` match, or the item itself when it matches.
fn link_element<'a>(item: ElementRef<'a>, link: &Sel) -> Option<ElementRef<'a>> {
    if link.css.matches(&item) {
        return Some(item);
    }
    item.select(&link.css).next()
}

/// Title of an anchor: its `title` attribute, else its text, else an image's `alt`.
fn anchor_title(a: ElementRef<'_>) -> String {
    if let Some(t) = a.value().attr("title").map(collapse_ws).filter(|t| !t.is_empty()) {
        return t;
    }
    let text = collapse_ws(&a.text().collect::<String>());
    if !text.is_empty() {
        return text;
    }
    static IMG: LazyLock<Selector> = LazyLock::new(|| Selector::parse("img[alt]").expect("selector"));
    a.select(&IMG).find_map(|i| i.value().attr("alt").map(collapse_ws)).unwrap_or_default()
}

/// Text of `scope` outside `skip` (the item's link), for finding the display date.
fn text_outside(scope: ElementRef<'_>, skip: ElementRef<'_>) -> String {
    let mut out = String::new();
    for node in scope.descendants() {
        if let Some(t) = node.value().as_text() {
            if !node.ancestors().any(|a| a.id() == skip.id()) {
                out.push_str(t);
                out.push(' ');
            }
        }
    }
    out
}

fn make_item(url: Url, title: String, date: Option<String>) -> ListItem {
    let year = report_year(&title);
    ListItem { url, title, date, year }
}

/// Items by the rule's selectors, applied to `scope` (a whole document's root, or a fragment).
fn rule_items_in(root: ElementRef<'_>, base: &Url, rule: &ListRule, whole_if_none: bool, warnings: &mut Vec<String>) -> Vec<ListItem> {
    let mut elements: Vec<ElementRef<'_>> = root.select(&rule.items.css).collect();
    if elements.is_empty() && whole_if_none {
        elements.push(root);
    }
    let mut out = Vec::new();
    let mut missing_link = 0usize;
    for item in elements {
        let Some(a) = link_element(item, &rule.link) else {
            missing_link += 1;
            continue;
        };
        let href = match &rule.link.attr {
            Some(attr) => a.value().attr(attr),
            None => a.value().attr("href"),
        };
        let Some(url) = href.and_then(|h| resolve_document(base, h, rule.gbk_query)) else {
            missing_link += 1;
            continue;
        };
        let title = rule
            .title
            .as_ref()
            .and_then(|t| first_value(item, t))
            .unwrap_or_else(|| anchor_title(a));
        let date = rule
            .date
            .as_ref()
            .and_then(|d| first_value(item, d))
            .and_then(|v| find_date(&v))
            .or_else(|| find_date(&text_outside(item, a)))
            .or_else(|| find_date(&collapse_ws(&item.text().collect::<String>())));
        out.push(make_item(url, title, date));
    }
    if missing_link > 0 {
        warnings.push(format!(
            "{base}: {missing_link} item(s) of `{}` without a usable link `{}`",
            rule.items.source, rule.link.source
        ));
    }
    out
}

/// Items of an HTML document by rule.
pub(super) fn with_rule(doc: &Html, base: &Url, rule: &ListRule, warnings: &mut Vec<String>) -> Vec<ListItem> {
    rule_items_in(doc.root_element(), base, rule, false, warnings)
}

/// Items of one Hanweb CDATA fragment (`<li><a href=…>…</a><span>2026-09-11</span></li>`). With a
/// rule, its selectors apply inside the fragment; when its item selector matches nothing there
/// (it was written for the rendered page), the whole fragment is the item.
pub(super) fn from_fragment(fragment: &str, base: &Url, rule: Option<&ListRule>) -> Vec<ListItem> {
    let html = Html::parse_fragment(fragment);
    match rule {
        Some(r) => rule_items_in(html.root_element(), base, r, true, &mut Vec::new()),
        None => {
            let root = html.root_element();
            let Some(a) = root.select(&ANCHOR).find(|a| resolve_document(base, a.value().attr("href").unwrap_or(""), false).is_some()) else {
                return Vec::new();
            };
            let url = resolve_document(base, a.value().attr("href").unwrap_or(""), false).expect("checked");
            let date = find_date(&text_outside(root, a));
            vec![make_item(url, anchor_title(a), date)]
        }
    }
}

fn is_container(el: &ElementRef<'_>) -> bool {
    matches!(el.value().name(), "li" | "tr" | "dl")
}

/// Links that look like documents, in page order. See [`super::parse_list`].
pub(super) fn generic(doc: &Html, base: &Url, gbk: bool) -> Vec<ListItem> {
    let mut out = Vec::new();
    for a in doc.select(&ANCHOR) {
        let href = a.value().attr("href").unwrap_or("");
        let Some(url) = resolve_document(base, href, gbk) else { continue };
        let container = a.ancestors().filter_map(ElementRef::wrap).take(6).find(is_container);
        let single = container.filter(|c| {
            c.select(&ANCHOR)
                .filter(|x| resolve_document(base, x.value().attr("href").unwrap_or(""), gbk).is_some())
                .count()
                == 1
        });
        let date = single.and_then(|c| find_date(&text_outside(c, a))).or_else(|| {
            a.parent()
                .and_then(ElementRef::wrap)
                .and_then(|p| find_date(&text_outside(p, a)))
        });
        let looks_like_doc = DOC_HREF.is_match(href) || DOC_HREF.is_match(url.path());
        if looks_like_doc || (single.is_some() && date.is_some()) {
            let title = anchor_title(a);
            if !title.is_empty() {
                out.push(make_item(url, title, date));
            }
        }
    }
    out
}

/// "Next page" links: the rule's `NextLink` selector when it has one, else anchors whose text
/// (or `title`) is 下一页 / 下页 / `>`. Links back to the page itself (the last page's pager) and
/// `javascript:` pagers are left out.
pub(super) fn next_links(doc: &Html, base: &Url, rule: Option<&ListRule>) -> Vec<Url> {
    let mut out: Vec<Url> = Vec::new();
    let mut push = |href: Option<&str>| {
        if let Some(u) = href.and_then(|h| resolve(base, h)) {
            if u != crate::crawl::url::normalize(base) && !out.contains(&u) {
                out.push(u);
            }
        }
    };
    if let Some(ListRule { pages: Pagination::NextLink { selector, .. }, .. }) = rule {
        for el in doc.select(&selector.css) {
            let attr = selector.attr.as_deref().unwrap_or("href");
            match el.value().attr(attr) {
                Some(h) => push(Some(h)),
                None => push(el.select(&ANCHOR).next().and_then(|a| a.value().attr("href"))),
            }
        }
        return out;
    }
    for a in doc.select(&ANCHOR) {
        let text = collapse_ws(&a.text().collect::<String>());
        let title = a.value().attr("title").map(collapse_ws).unwrap_or_default();
        if NEXT_TEXT.is_match(&text) || (text.is_empty() && NEXT_TEXT.is_match(&title)) {
            push(a.value().attr("href"));
        }
    }
    out
}
