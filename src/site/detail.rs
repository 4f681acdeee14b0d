//! The `[detail]` table, CMS families (`extends`), and how a site's values merge over its
//! family's: selectors override, `drop` and `chrome` extend.

use regex::Regex;
use scraper::Selector;

use super::parse::{chrome_regex, plain_selector};
use super::raw::{self, Ctx, Node, Obj};
use super::types::{DetailRule, Sel};
use crate::Error;

/// Built-in CMS families: name → rule text (the `[detail]` format of a site rule).
const FAMILIES: &[(&str, &str)] = &[
    ("generic", include_str!("families/generic.toml")),
    ("trs", include_str!("families/trs.toml")),
    ("hanweb", include_str!("families/hanweb.toml")),
];

/// Names accepted by `extends`.
pub fn family_names() -> Vec<&'static str> {
    FAMILIES.iter().map(|(n, _)| *n).collect()
}

/// The detail rule of a built-in family on its own (what a site that `extends` it and sets
/// nothing else gets). `None` for an unknown name.
pub fn family_rule(name: &str) -> Option<DetailRule> {
    load_family(name).map(|p| merge(p, PartialDetail::default()))
}

/// The keys of `[detail]`.
pub(crate) const DETAIL_KEYS: &[&str] =
    &["title", "content", "published_at", "publisher", "metadata", "attachments", "drop", "chrome"];

/// A `[detail]` table as written: `None` where a key is absent.
#[derive(Debug, Default, Clone)]
pub(crate) struct PartialDetail {
    pub title: Option<Vec<Sel>>,
    pub content: Option<Vec<Sel>>,
    pub published_at: Option<Vec<Sel>>,
    pub publisher: Option<Vec<Sel>>,
    pub metadata: Option<Vec<Sel>>,
    pub attachments: Option<Vec<Sel>>,
    pub drop: Vec<Selector>,
    pub chrome: Vec<Regex>,
}

/// Parse a family (panics only if a bundled family file is broken, which a unit test rules out).
pub(crate) fn load_family(name: &str) -> Option<PartialDetail> {
    let (_, src) = FAMILIES.iter().find(|(n, _)| *n == name)?;
    let path = std::path::PathBuf::from(format!("<builtin>/src/site/families/{name}.toml"));
    Some(parse_family(&path, src).unwrap_or_else(|errs| panic!("built-in family {name}: {errs:?}")))
}

fn parse_family(path: &std::path::Path, src: &str) -> Result<PartialDetail, Vec<Error>> {
    let root = raw::parse(src).map_err(|(m, l)| vec![Error::rule(path, "syntax", format!("line {l:?}: {m}"))])?;
    let mut ctx = Ctx::new(path, src);
    let mut detail = PartialDetail::default();
    if let Some(mut top) = Obj::new(&mut ctx, &root, "") {
        let _ = top.string(&mut ctx, "description");
        if let Some(node) = top.get("detail") {
            detail = read_detail(&mut ctx, node);
        }
        top.finish(&mut ctx, &["description", "detail"]);
    }
    if ctx.errors.is_empty() {
        Ok(detail)
    } else {
        Err(ctx.errors)
    }
}

/// Read a `[detail]` table, recording every problem in `ctx`.
pub(crate) fn read_detail(ctx: &mut Ctx<'_>, node: &Node) -> PartialDetail {
    let mut d = PartialDetail::default();
    let Some(mut obj) = Obj::new(ctx, node, "detail") else { return d };
    d.title = selectors(ctx, &mut obj, "title");
    d.content = selectors(ctx, &mut obj, "content");
    d.published_at = selectors(ctx, &mut obj, "published_at");
    d.publisher = selectors(ctx, &mut obj, "publisher");
    d.metadata = selectors(ctx, &mut obj, "metadata");
    d.attachments = selectors(ctx, &mut obj, "attachments");
    if let Some((items, _)) = obj.strings(ctx, "drop") {
        for (i, (s, span)) in items.iter().enumerate() {
            let key = format!("{}[{i}]", obj.key("drop"));
            match plain_selector(s) {
                Ok(sel) => d.drop.push(sel),
                Err(m) => ctx.err(&key, span, m),
            }
        }
    }
    if let Some((items, _)) = obj.strings(ctx, "chrome") {
        for (i, (s, span)) in items.iter().enumerate() {
            match chrome_regex(s) {
                Ok(re) => d.chrome.push(re),
                Err(m) => ctx.err(&format!("{}[{i}]", obj.key("chrome")), span, m),
            }
        }
    }
    obj.finish(ctx, DETAIL_KEYS);
    d
}

/// A selector key: a string of comma-separated alternatives, or an array whose elements are
/// alternatives (an element may be a CSS group, commas and all).
pub(crate) fn selectors(ctx: &mut Ctx<'_>, obj: &mut Obj<'_>, key: &str) -> Option<Vec<Sel>> {
    let (items, is_list) = obj.strings(ctx, key)?;
    let mut out = Vec::new();
    for (i, (s, span)) in items.iter().enumerate() {
        let k = if is_list { format!("{}[{i}]", obj.key(key)) } else { obj.key(key) };
        let parsed = if is_list { Sel::parse(s).map(|s| vec![s]) } else { Sel::parse_alternatives(s) };
        match parsed {
            Ok(sels) => out.extend(sels),
            Err(m) => ctx.err(&k, span, m),
        }
    }
    Some(out)
}

/// Site values over family values: selectors override when the site sets them, `drop` and
/// `chrome` extend the family's lists (family first).
pub(crate) fn merge(family: PartialDetail, site: PartialDetail) -> DetailRule {
    let pick = |s: Option<Vec<Sel>>, f: Option<Vec<Sel>>| s.or(f).unwrap_or_default();
    DetailRule {
        title: pick(site.title, family.title),
        content: pick(site.content, family.content),
        published_at: pick(site.published_at, family.published_at),
        publisher: pick(site.publisher, family.publisher),
        metadata: pick(site.metadata, family.metadata),
        attachments: pick(site.attachments, family.attachments),
        drop: family.drop.into_iter().chain(site.drop).collect(),
        chrome: family.chrome.into_iter().chain(site.chrome).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_families_parse_and_have_content_selectors() {
        for name in family_names() {
            let rule = family_rule(name).unwrap();
            assert!(!rule.content.is_empty(), "{name}");
            assert!(rule.title.iter().any(|s| s.source == "meta[name=ArticleTitle]@content"), "{name}");
            assert!(rule.published_at.iter().any(|s| s.attr.as_deref() == Some("content")), "{name}");
        }
        assert!(family_rule("wordpress").is_none());
        let trs = family_rule("trs").unwrap();
        let sources: Vec<&str> = trs.content.iter().map(|s| s.source.as_str()).collect();
        for want in [".TRS_Editor", ".TRS_UEDITOR", ".trs_editor_view", ".Custom_UnionStyle", "#zoom"] {
            assert!(sources.contains(&want), "{want} in {sources:?}");
        }
    }
}
