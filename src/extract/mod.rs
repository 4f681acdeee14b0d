//! Pure, synchronous extraction: decoded HTML + URL + rule → clean text, metadata, tables,
//! attachment links. `scraper::Html` is not `Send`: keep parsing inside these functions.

pub mod list;

use std::collections::HashSet;

use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node};
use serde::{Deserialize, Serialize};

use crate::decode::EncodingInfo;
use crate::site::{DetailRule, Sel};

pub mod chrome;
mod clean;
mod generic;
pub mod lean;
mod links;
pub mod meta;
mod metablock;
mod tables;

pub use chrome::{clean_text, is_chrome_line};
pub use meta::{parse_date, report_year};

use meta::Fields;

/// A table as a grid of cell texts, rowspan/colspan expanded (a merged cell's text repeats in
/// every grid position it covers).
pub type Table = Vec<Vec<String>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Absolute URL.
    pub url: String,
    /// The visible name (anchor text, `title`, `download`, or image `alt`).
    pub name: String,
}

/// The result of extracting one detail page: the JSON contract of `nianbao extract`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Extracted {
    pub url: String,
    pub site: Option<String>,
    pub title: String,
    /// Clean body text: paragraphs separated by one blank line, tables rendered readably.
    pub text: String,
    /// 发布日期 / PubDate, YYYY-MM-DD.
    pub published_at: Option<String>,
    /// 成文日期 / 生成日期, YYYY-MM-DD.
    #[serde(default)]
    pub written_at: Option<String>,
    /// 发布机构 / 发文机关 / ContentSource.
    pub publisher: Option<String>,
    /// 索引号.
    pub index_no: Option<String>,
    /// 文号 / 发文字号.
    pub doc_no: Option<String>,
    /// 主题分类.
    pub category: Option<String>,
    /// 有效性 / 时效.
    #[serde(default)]
    pub validity: Option<String>,
    /// The year the report covers, from the title ("2023年…年度报告" → 2023).
    pub report_year: Option<i32>,
    pub tables: Vec<Table>,
    pub attachments: Vec<Attachment>,
    pub encoding: EncodingInfo,
    pub warnings: Vec<String>,
}

/// Input to extraction.
pub struct Page<'a> {
    pub html: &'a str,
    pub url: &'a str,
    pub site: Option<&'a str>,
}

/// Extract a detail page. With `rule = None` the generic fallback is used.
///
/// Pure and synchronous: one parse of `page.html`, no I/O. The `encoding` field is left at its
/// default for the caller (who decoded the bytes) to fill.
///
/// * **Content:** the rule's `content` selectors (first alternative with text; its top-level
///   matches are concatenated), after removing the rule's `drop` elements; otherwise the
///   generic fallback (TRS containers, `#zoom`, `#UCAP-CONTENT`,
///   Hanweb markers, text density), recorded in `warnings`.
/// * **Metadata:** rule selectors (`title`, `published_at`, `publisher`, `metadata`), then the
///   metadata block found on the page, then the government `<meta>` tags, then on-page
///   snippets such as `发布时间：…`; a metadata block inside the content is not part of `text`.
/// * **Text:** see `clean` (HTML → text) and [`chrome`] (chrome, whitespace); data tables are
///   rendered one row per line with `" | "` between cells and also returned in `tables`.
pub fn extract(page: &Page<'_>, rule: Option<&DetailRule>) -> Extracted {
    let doc = parse(page.html, rule);
    let mut warnings = Vec::new();
    let empty = DetailRule::default();
    let rule_or_default = rule.unwrap_or(&empty);

    // Elements never rendered: the rule's drop list and its metadata containers.
    let mut skip: HashSet<NodeId> = HashSet::new();
    for sel in &rule_or_default.drop {
        skip.extend(doc.select(sel).map(|el| el.id()));
    }
    let mut fields = Fields::default();
    if let Some(v) = first_value(&doc, &rule_or_default.title) {
        fields.title = Some(normalize_title(&v));
    }
    if let Some(v) = first_value_where(&doc, &rule_or_default.published_at, |v| parse_date(v).is_some()) {
        fields.published_at = parse_date(&v);
    }
    if let Some(v) = first_value(&doc, &rule_or_default.publisher) {
        fields.offer(meta::Field::Publisher, &v);
    }
    let rule_blocks: Vec<ElementRef<'_>> =
        rule_or_default.metadata.iter().flat_map(|sel| doc.select(&sel.css)).collect();
    skip.extend(rule_blocks.iter().map(|el| el.id()));
    fields.fill_from(&metablock::read(rule_blocks));

    // The metadata block(s) found without a rule, and single label snippets.
    let found = metablock::find(*doc.root_element());
    let element = |id: &NodeId| doc.tree.get(*id).and_then(ElementRef::wrap);
    fields.fill_from(&metablock::read(found.blocks.iter().filter_map(element)));
    let tags = meta::meta_tags(&doc);
    fields.fill_from(&Fields {
        title: tags.title.as_deref().map(normalize_title),
        published_at: tags.published_at,
        publisher: tags.publisher,
        ..Fields::default()
    });
    fields.fill_from(&metablock::read(found.snippets.iter().filter_map(element)));
    let title = fields.title.clone().or_else(|| title_element(&doc)).unwrap_or_default();

    // Content: rule selectors, else the generic fallback.
    let chrome_rules = &rule_or_default.chrome;
    let mut content: Option<(String, Vec<Table>)> = None;
    for sel in &rule_or_default.content {
        let roots = top_level(doc.select(&sel.css).map(|el| *el).collect());
        if roots.is_empty() {
            continue;
        }
        let (text, tables) = render(&roots, &skip, &found.blocks, chrome_rules, &title);
        if !text.is_empty() {
            content = Some((text, tables));
            break;
        }
    }
    let (text, tables) = match content {
        Some(c) => c,
        None => {
            let ignore: HashSet<NodeId> = skip.iter().chain(&found.blocks).copied().collect();
            let g = generic::find(&doc, &ignore);
            warnings.push(match rule {
                Some(r) if !r.content.is_empty() => {
                    let tried: Vec<&str> = r.content.iter().map(|s| s.source.as_str()).collect();
                    format!("content: rule selectors [{}] matched no text; generic fallback: {}", tried.join(", "), g.path)
                }
                _ => format!("content: generic fallback: {}", g.path),
            });
            render(&g.roots, &skip, &found.blocks, chrome_rules, &title)
        }
    };
    if text.is_empty() {
        warnings.push("content: no text found".to_string());
    }

    let base = links::base_url(&doc, page.url);
    if base.is_none() {
        warnings.push(format!("url: cannot parse page URL {:?}; relative links not resolved", page.url));
    }
    let attachments = links::collect(&doc, base.as_ref(), &rule_or_default.attachments);

    Extracted {
        url: page.url.to_string(),
        site: page.site.map(str::to_string),
        report_year: report_year(&title),
        title,
        text,
        published_at: fields.published_at,
        written_at: fields.written_at,
        publisher: fields.publisher,
        index_no: fields.index_no,
        doc_no: fields.doc_no,
        category: fields.category,
        validity: fields.validity,
        tables,
        attachments,
        encoding: EncodingInfo::default(),
        warnings,
    }
}

/// Parse `html` with the contents of scripts, styles and long comments left out (see
/// [`lean`]), unless the rule reads the text of a script or style element: then the original.
fn parse(html: &str, rule: Option<&DetailRule>) -> Html {
    let lean = lean::lean(html);
    let doc = Html::parse_document(&lean.html);
    if lean.emptied > 0 && rule.is_some_and(|r| reads_raw_text(&doc, r)) {
        return Html::parse_document(html);
    }
    doc
}

/// True when a selector of `rule` that reads text matches a `<script>` or `<style>` element of
/// `doc` (values read from an attribute do not count: tags are kept whole).
fn reads_raw_text(doc: &Html, rule: &DetailRule) -> bool {
    let values = [&rule.title, &rule.published_at, &rule.publisher].into_iter().flatten().filter(|s| s.attr.is_none());
    let texts = [&rule.content, &rule.metadata, &rule.attachments].into_iter().flatten();
    let text_sels: Vec<&Sel> = values.chain(texts).collect();
    if text_sels.is_empty() {
        return false;
    }
    doc.tree.nodes().filter_map(ElementRef::wrap).any(|el| {
        matches!(el.value().name(), "script" | "style") && text_sels.iter().any(|s| s.css.matches(&el))
    })
}

/// Render content roots to clean text. Metadata blocks are skipped unless they contain a root.
fn render(
    roots: &[NodeRef<'_, Node>],
    skip: &HashSet<NodeId>,
    blocks: &[NodeId],
    chrome_rules: &[regex::Regex],
    title: &str,
) -> (String, Vec<Table>) {
    let mut skip = skip.clone();
    for id in blocks {
        let holds_root = roots.iter().any(|r| r.id() == *id || r.ancestors().any(|a| a.id() == *id));
        if !holds_root {
            skip.insert(*id);
        }
    }
    let mut r = clean::Renderer::new(&skip);
    for root in roots {
        r.render(*root);
        r.paragraph();
    }
    let (raw, tables) = r.finish();
    let title = (!title.is_empty()).then_some(title);
    (chrome::clean_text(&raw, chrome_rules, title), tables)
}

/// Drop matches nested inside other matches (they are rendered with their ancestor).
fn top_level(nodes: Vec<NodeRef<'_, Node>>) -> Vec<NodeRef<'_, Node>> {
    let ids: HashSet<NodeId> = nodes.iter().map(|n| n.id()).collect();
    nodes.into_iter().filter(|n| !n.ancestors().any(|a| ids.contains(&a.id()))).collect()
}

/// The value a selector names: its attribute if it has one, else the element's text.
fn sel_value(el: ElementRef<'_>, sel: &Sel) -> Option<String> {
    let v = match &sel.attr {
        Some(a) => el.value().attr(a).map(clean::join_lines),
        None => Some(clean::inline_text(el)),
    }?;
    let v = v.trim().to_string();
    (!v.is_empty() && !meta::is_placeholder(&v)).then_some(v)
}

fn first_value(doc: &Html, sels: &[Sel]) -> Option<String> {
    first_value_where(doc, sels, |_| true)
}

/// The first non-empty value of the first alternative that yields one (and passes `ok`).
fn first_value_where(doc: &Html, sels: &[Sel], ok: impl Fn(&str) -> bool) -> Option<String> {
    sels.iter().find_map(|sel| doc.select(&sel.css).filter_map(|el| sel_value(el, sel)).find(|v| ok(v)))
}

static SITE_SUFFIX: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"(?:政府|网|网站|门户|平台|局|委员会|委|办公室|办|中心|院)$").expect("site suffix regex")
});

/// Title from `<title>`: its first segment ("标题_栏目_网站" → "标题").
fn title_element(doc: &Html) -> Option<String> {
    static TITLE: std::sync::LazyLock<scraper::Selector> =
        std::sync::LazyLock::new(|| scraper::Selector::parse("title").expect("title selector"));
    let raw = clean::inline_text(doc.select(&TITLE).next()?);
    let first = raw.split(['_', '|', '｜']).map(str::trim).find(|s| !s.is_empty())?;
    let first = first.split(" - ").next().unwrap_or(first);
    // "标题-某某人民政府": a trailing site name after a bare hyphen ("1-10月…" keeps its hyphen).
    let first = match first.rsplit_once(['-', '－', '—']) {
        Some((head, tail)) if !head.trim().is_empty() && SITE_SUFFIX.is_match(tail.trim()) => head,
        _ => first,
    };
    let t = normalize_title(first);
    (!t.is_empty()).then_some(t)
}

/// Collapse whitespace in a title; drop it entirely next to CJK characters ("2007　年末" →
/// "2007年末"), where it is layout, not separation.
pub(crate) fn normalize_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending = false;
    for c in s.chars() {
        if clean::is_space(c) {
            pending = true;
            continue;
        }
        if pending && !out.is_empty() {
            let last = out.chars().next_back().unwrap_or(' ');
            if !(clean::is_cjk(last) || clean::is_cjk(c)) {
                out.push(' ');
            }
        }
        pending = false;
        out.push(c);
    }
    out
}
