//! Finding the content without a rule (or when the rule's selectors match nothing).
//!
//! In order, the first that yields text wins:
//! 1. TRS containers: `.TRS_Editor`, `.TRS_UEDITOR`, `.trs_editor_view`, `.Custom_UnionStyle`;
//! 2. `#zoom` (Hanweb, many others), then `.zoom`;
//! 3. `#UCAP-CONTENT` (www.gov.cn, Kaipu);
//! 4. Hanweb markers: the nodes between `<!--ZJEG_RSS.content.begin-->` and `…end-->`, or
//!    between `<meta name="ContentStart">` and `<meta name="ContentEnd">`;
//! 5. text density: paragraphs (elements with inline text) score their non-link characters
//!    to their parent and half to their grandparent; the best-scoring element wins.
//!
//! The path taken is reported so that `extract` can record it in `warnings`.

use std::collections::{HashMap, HashSet};

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Html, Node};

use super::clean::{is_hidden, is_space, kind, Kind};
use super::tables::is_data_table;

/// Minimum visible characters for a container to count as content.
const MIN_CHARS: usize = 10;

/// The content containers, in order of preference: a class or an id (matched case-sensitively,
/// as scraper's selectors do).
const CONTAINERS: [(&str, Mark); 7] = [
    (".TRS_Editor", Mark::Class("TRS_Editor")),
    (".TRS_UEDITOR", Mark::Class("TRS_UEDITOR")),
    (".trs_editor_view", Mark::Class("trs_editor_view")),
    (".Custom_UnionStyle", Mark::Class("Custom_UnionStyle")),
    ("#zoom", Mark::Id("zoom")),
    (".zoom", Mark::Class("zoom")),
    ("#UCAP-CONTENT", Mark::Id("UCAP-CONTENT")),
];

#[derive(Clone, Copy)]
enum Mark {
    Class(&'static str),
    Id(&'static str),
}

/// The elements matching each of [`CONTAINERS`], in the order `Html::select` yields them, found
/// in one pass over the document's elements instead of one selector pass per container.
fn containers(doc: &Html) -> [Vec<ElementRef<'_>>; 7] {
    let mut found: [Vec<ElementRef<'_>>; 7] = Default::default();
    for el in doc.tree.nodes().filter_map(ElementRef::wrap) {
        let e = el.value();
        if e.attrs.is_empty() {
            continue;
        }
        // As `Element::id` and `Element::classes` read them: the first `id`/`class`, any namespace.
        let first = |name: &str| e.attrs.iter().find(|(n, _)| &*n.local == name).map(|(_, v)| &**v);
        let (id, classes) = (first("id"), first("class"));
        for (k, (_, mark)) in CONTAINERS.iter().enumerate() {
            let hit = match mark {
                Mark::Class(c) => classes.is_some_and(|v| v.split_ascii_whitespace().any(|x| x == *c)),
                Mark::Id(i) => id == Some(*i),
            };
            if hit {
                found[k].push(el);
            }
        }
    }
    found
}

/// Visible characters under a node (scripts, styles and hidden elements excluded).
pub(crate) fn visible_chars(root: NodeRef<'_, Node>) -> usize {
    let mut n = 0;
    let mut skipping: Option<NodeId> = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) if skipping.is_none() => match node.value() {
                Node::Text(t) => n += t.chars().filter(|c| !is_space(*c)).count(),
                Node::Element(e) if kind(e.name()) == Kind::Skip || is_hidden(e) => skipping = Some(node.id()),
                _ => {}
            },
            Edge::Close(node) if skipping == Some(node.id()) => skipping = None,
            _ => {}
        }
    }
    n
}

/// The content roots found and how.
pub(crate) struct Found<'a> {
    pub roots: Vec<NodeRef<'a, Node>>,
    pub path: String,
}

/// Find the content of a page without a rule. The subtrees under `ignore` (elements never
/// rendered: the rule's `drop` list, metadata blocks) do not count towards text density.
pub(crate) fn find<'a>(doc: &'a Html, ignore: &HashSet<NodeId>) -> Found<'a> {
    for ((name, _), matches) in CONTAINERS.iter().zip(containers(doc)) {
        // Of several matches (a sidebar reusing the class), the one with the most text; nested
        // matches (Custom_UnionStyle inside TRS_Editor) are covered by their outermost match.
        let best = matches
            .into_iter()
            .map(|el| (visible_chars(*el), el))
            .filter(|(n, _)| *n >= MIN_CHARS)
            .max_by_key(|(n, _)| *n);
        if let Some((_, el)) = best {
            return Found { roots: vec![*el], path: format!("container {name}") };
        }
    }
    if let Some(found) = between_markers(doc) {
        return found;
    }
    if let Some(el) = densest(doc, ignore) {
        return Found { roots: vec![*el], path: format!("text density ({})", describe(el)) };
    }
    Found { roots: vec![*doc.root_element()], path: "whole page".to_string() }
}

/// A short CSS-like description of an element for messages: `div#id.class`.
pub(crate) fn describe(el: ElementRef<'_>) -> String {
    let e = el.value();
    let mut s = e.name().to_string();
    if let Some(id) = e.id() {
        s.push('#');
        s.push_str(id);
    }
    for class in e.classes().take(2) {
        s.push('.');
        s.push_str(class);
    }
    s
}

fn is_marker(node: &NodeRef<'_, Node>, comment: &str, meta: &str) -> bool {
    match node.value() {
        Node::Comment(c) => c.trim() == comment,
        Node::Element(e) => e.name() == "meta" && e.attr("name").is_some_and(|n| n.eq_ignore_ascii_case(meta)),
        _ => false,
    }
}

/// Hanweb: the sibling nodes between a begin marker and its end marker.
fn between_markers(doc: &Html) -> Option<Found<'_>> {
    let pairs = [("ZJEG_RSS.content.begin", "ContentStart"), ("ZJEG_RSS.content.end", "ContentEnd")];
    let begin = doc.tree.root().descendants().find(|n| is_marker(n, pairs[0].0, pairs[0].1))?;
    let mut roots = Vec::new();
    let mut closed = false;
    for sib in begin.next_siblings().skip(1) {
        if is_marker(&sib, pairs[1].0, pairs[1].1) {
            closed = true;
            break;
        }
        if is_marker(&sib, pairs[0].0, pairs[0].1) {
            continue;
        }
        roots.push(sib);
    }
    if !closed {
        // The end marker is not a sibling (markup mangled): take the begin marker's parent.
        roots = vec![begin.parent()?];
    }
    let chars: usize = roots.iter().map(|n| visible_chars(*n)).sum();
    (chars >= MIN_CHARS).then(|| Found { roots, path: "Hanweb content markers".to_string() })
}

/// Words in an id/class that make an element unlikely (`NEGATIVE`) or likely (`POSITIVE`) to be
/// the content; substring match on the lower-cased id and classes.
const NEGATIVE: &[&str] = &[
    "banquan", "mianze", "copyright", "footer", "sidebar", "comment", "share", "nav", "menu", "related",
    "xgwz", "xglj", "xgxx", "qrcode", "ewm", "login", "crumb", "position", "links",
];
const POSITIVE: &[&str] = &["content", "article", "wenzhang", "zhengwen", "zoom", "detail", "text", "main"];

fn class_weight(el: &scraper::node::Element) -> f64 {
    let mut names = String::new();
    if let Some(id) = el.id() {
        names.push_str(&id.to_ascii_lowercase());
    }
    for c in el.classes() {
        names.push(' ');
        names.push_str(&c.to_ascii_lowercase());
    }
    if NEGATIVE.iter().any(|w| names.contains(w)) {
        0.25
    } else if POSITIVE.iter().any(|w| names.contains(w)) {
        1.5
    } else {
        1.0
    }
}

#[derive(Default)]
struct Counts {
    /// Text directly inside the element or in its inline descendants.
    inline: usize,
    /// Of which inside links.
    inline_link: usize,
    /// All text below the element.
    total: usize,
    /// Of which inside links.
    total_link: usize,
}

/// Non-link characters, penalised by link density.
fn paragraph_score(c: &Counts) -> f64 {
    let link_density = c.inline_link as f64 / c.inline.max(1) as f64;
    c.inline as f64 * (1.0 - link_density).powi(2)
}

/// The element with the highest paragraph score (text density with a link penalty).
///
/// Every block with at least [`MIN_CHARS`] characters of inline text is a paragraph; it scores
/// its non-link characters (penalised by its link density) half to itself, fully to its parent
/// and half to its grandparent. A data table is one paragraph (its cells pass their text up to
/// it); a layout table's rows and cells are ordinary blocks, so the article block inside a
/// page-frame table wins rather than the table or `body` (see [`super::tables::is_data_table`]).
/// Subtrees in `ignore` do not score. The accumulated score is weighted by the element's id/class words and by the share of its
/// whole text that is not link text, so a frame holding menus and footers scores below the
/// article it contains.
fn densest<'a>(doc: &'a Html, ignore: &HashSet<NodeId>) -> Option<ElementRef<'a>> {
    let body = doc.root_element();
    let mut scores: HashMap<NodeId, f64> = HashMap::new();
    // Link density of the candidates (elements holding a score when they close).
    let mut link_share: HashMap<NodeId, f64> = HashMap::new();
    let mut stack: Vec<(NodeId, Counts, bool)> = Vec::new();
    let mut in_link = 0usize;
    // For each open table: whether it is a data table.
    let mut tables: Vec<bool> = Vec::new();
    let mut skipping: Option<NodeId> = None;
    for edge in body.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(e) => {
                        let k = kind(e.name());
                        if k == Kind::Skip || is_hidden(e) || ignore.contains(&node.id()) {
                            skipping = Some(node.id());
                            continue;
                        }
                        if e.name() == "a" {
                            in_link += 1;
                        }
                        if k == Kind::Table {
                            tables.push(ElementRef::wrap(node).is_some_and(is_data_table));
                        }
                        stack.push((node.id(), Counts::default(), k == Kind::Inline));
                    }
                    Node::Text(t) => {
                        if let Some((_, c, _)) = stack.last_mut() {
                            let n = t.chars().filter(|c| !is_space(*c)).count();
                            c.inline += n;
                            c.total += n;
                            if in_link > 0 {
                                c.inline_link += n;
                                c.total_link += n;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skipping {
                    if id == node.id() {
                        skipping = None;
                    }
                    continue;
                }
                let Node::Element(e) = node.value() else { continue };
                let name = e.name();
                if name == "a" {
                    in_link = in_link.saturating_sub(1);
                }
                let Some((id, counts, inline)) = stack.pop() else { continue };
                if let Some((_, parent, _)) = stack.last_mut() {
                    parent.total += counts.total;
                    parent.total_link += counts.total_link;
                }
                if scores.contains_key(&id) {
                    link_share.insert(id, counts.total_link as f64 / counts.total.max(1) as f64);
                }
                // Inside a data table everything is part of the table's one paragraph.
                let in_data_table = if kind(name) == Kind::Table {
                    tables.pop();
                    false
                } else {
                    tables.last() == Some(&true)
                };
                if inline || in_data_table {
                    // Inline elements pass their text to the enclosing block.
                    if let Some((_, parent, _)) = stack.last_mut() {
                        parent.inline += counts.inline;
                        parent.inline_link += counts.inline_link;
                    }
                    continue;
                }
                if counts.inline < MIN_CHARS {
                    continue;
                }
                let score = paragraph_score(&counts);
                // The paragraph scores for itself a little, its container fully, the next half.
                *scores.entry(id).or_default() += score * 0.5;
                link_share.entry(id).or_insert(counts.total_link as f64 / counts.total.max(1) as f64);
                let mut ancestors = node.ancestors().filter(|a| a.value().is_element());
                if let Some(p) = ancestors.next() {
                    *scores.entry(p.id()).or_default() += score;
                }
                if let Some(g) = ancestors.next() {
                    *scores.entry(g.id()).or_default() += score * 0.5;
                }
            }
        }
    }
    let (best, _) = scores
        .into_iter()
        .filter_map(|(id, s)| {
            let weight = doc.tree.get(id)?.value().as_element().map_or(1.0, class_weight);
            let links = link_share.get(&id).copied().unwrap_or(0.0);
            Some((id, s * weight * (1.0 - links)))
        })
        .filter(|(_, s)| *s > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?;
    doc.tree.get(best).and_then(ElementRef::wrap).filter(|el| !matches!(el.value().name(), "html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(found: &Found<'_>) -> String {
        found.roots.iter().map(|n| super::super::clean::render_subtree(*n, &Default::default())).collect::<Vec<_>>().join("|")
    }

    #[test]
    fn container_pass_finds_what_the_selectors_find() {
        let doc = Html::parse_document(
            "<div class=\"a TRS_Editor\"><p class=zoom id=zoom>x</p></div><div class=trs_editor>y</div>\
             <span class=\"TRS_UEDITOR\tCustom_UnionStyle\"></span><div id=ZOOM class=Zoom></div><i id=UCAP-CONTENT></i>\
             <svg><g class=zoom></g></svg><table><tr><td class=trs_editor_view>z</td></tr><b class=zoom>foster</b></table>",
        );
        for ((name, _), found) in CONTAINERS.iter().zip(containers(&doc)) {
            let want: Vec<NodeId> = doc.select(&scraper::Selector::parse(name).unwrap()).map(|e| e.id()).collect();
            let got: Vec<NodeId> = found.iter().map(|e| e.id()).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn trs_container_wins() {
        let doc = Html::parse_document("<div class=nav><a href=/>首页</a></div><div class=TRS_Editor><p>正文内容正文内容正文内容</p></div>");
        let f = find(&doc, &HashSet::new());
        assert_eq!(f.path, "container .TRS_Editor");
        assert_eq!(text_of(&f), "正文内容正文内容正文内容");
    }

    #[test]
    fn hanweb_markers_delimit_content() {
        let doc = Html::parse_document(
            "<div id=x><p>标题区域标题区域标题区域</p><!--ZJEG_RSS.content.begin--><meta name=\"ContentStart\"><p>第一段正文内容很长很长</p><p>第二段</p><meta name=\"ContentEnd\"><!--ZJEG_RSS.content.end--><p>页脚页脚页脚页脚页脚页脚</p></div>",
        );
        let f = find(&doc, &HashSet::new());
        assert_eq!(f.path, "Hanweb content markers");
        assert_eq!(text_of(&f).replace('|', ""), "第一段正文内容很长很长第二段");
    }

    #[test]
    fn density_prefers_prose_over_link_lists() {
        let doc = Html::parse_document(
            "<div id=menu><ul><li><a href=a>政务公开政务公开政务公开</a></li><li><a href=b>办事服务办事服务办事服务</a></li><li><a href=c>互动交流互动交流互动交流</a></li></ul></div>\
             <div id=main><p>这是第一段正文，讲述了政府信息公开工作的总体情况。</p><p>这是第二段正文，讲述了主动公开政府信息的情况。</p></div>",
        );
        let f = find(&doc, &HashSet::new());
        assert_eq!(f.path, "text density (div#main)");
    }

    /// The old-template shape of sites/dongfeng: header and nav, then a page-frame table with
    /// a side menu cell and an article cell (metadata list, heading, the article `div`).
    pub(crate) const FRAME_PAGE: &str = "<body>\
        <div class=topbar><span>欢迎访问东丰县人民政府门户网站！</span><span><a href=/login>登录</a> <a href=/reg>注册</a> | <a href=#>无障碍浏览</a> | <a href=/map>网站地图</a></span></div>\
        <div class=nav><ul><li><a href=/>首页</a></li><li><a href=/zwdt/>政务动态</a></li><li><a href=/zwgk/>政务公开</a></li></ul></div>\
        <table width=1000><tr>\
        <td class=left><div class=left_tit>政府信息公开</div><ul class=left_menu><li><a href=a>政府信息公开指南</a></li><li><a href=b>政府信息公开制度</a></li><li><a href=c>政府信息公开年报</a></li></ul></td>\
        <td><ul class=info_list><li><span>索引号：</span>11220421013784578Y/2015-00003</li><li><span>发布机构：</span>东丰县政务服务中心</li><li><span>发布日期：</span>2015年01月29日</li></ul>\
        <h1>东丰县2014年度政府信息公开工作年度报告</h1>\
        <div><p>今年以来，在县委、县政府的正确领导下，政务服务中心积极践行党的群众路线。</p>\
        <p>一、主要工作</p>\
        <p>扎实开展党的群众路线教育实践活动，全面提高为民服务的能力和水平。</p>\
        <p>根据全县专项整治工作部署会议要求，中心牵头开展了行政审批改革障碍专项整治。</p></div>\
        <div class=editor>责任编辑：孙喆</div></td></tr></table>\
        <div class=footer><p><a href=/map>网站地图</a> | <a href=/lxwm>联系我们</a></p><p>主办单位：东丰县人民政府办公室</p></div></body>";

    #[test]
    fn article_block_inside_a_page_frame_table_wins() {
        let doc = Html::parse_document(FRAME_PAGE);
        // The metadata list is not content (extract passes the metadata blocks it found).
        let blocks: HashSet<NodeId> = super::super::metablock::find(*doc.root_element()).blocks.into_iter().collect();
        assert_eq!(blocks.len(), 1);
        let f = find(&doc, &blocks);
        assert_eq!(f.path, "text density (div)");
        let text = text_of(&f);
        assert!(text.starts_with("今年以来，在县委"), "{text}");
        assert!(text.contains("群众路线。\n\n一、主要工作\n\n扎实开展"), "paragraphs kept: {text}");
        assert!(!text.contains("登录") && !text.contains("公开指南") && !text.contains(" | "), "{text}");
    }

    #[test]
    fn a_block_that_is_mostly_links_loses_to_the_article() {
        // The sidebar has more prose directly inside it than the article, but most of its
        // text is a link menu.
        let menu: String = (0..12).map(|i| format!("<p><a href=/{i}>政务公开栏目第{i}项链接</a></p>")).collect();
        let html = format!(
            "<div id=side><p>东丰县位于吉林省东南部，辽源市东部，是全国闻名的梅花鹿之乡和农民画之乡。</p>\
             <p>全县幅员面积二千五百二十二平方公里，辖十四个乡镇，总人口三十八万人。</p>{menu}</div>\
             <div id=art><p>今年以来，政务服务中心积极践行党的群众路线，坚持服务宗旨。</p>\
             <p>二〇一四年，中心被评为模范单位，媒体先后报道了中心的先进事迹。</p></div>"
        );
        let doc = Html::parse_document(&html);
        assert_eq!(find(&doc, &HashSet::new()).path, "text density (div#art)");
    }
}
