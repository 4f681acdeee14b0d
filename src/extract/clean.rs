//! HTML → text. One iterative walk over the DOM (no recursion, so deeply nested pages cannot
//! overflow the stack) that:
//!
//! * joins inline elements (`<span>`, `<font>`, `<o:p>`, `<st1:chsdate>`, `<b>`, `<u>`, …) with
//!   nothing in between: Word markup loses no character and gains no space;
//! * turns block elements into paragraph breaks (one blank line) and `<br>` into a line break
//!   (two or more `<br>` in a row into a paragraph break);
//! * collapses whitespace (nbsp, full-width and other Unicode spaces included) into one space,
//!   dropping it entirely when it is a source line break between two CJK characters (the CSS
//!   segment-break rule browsers apply);
//! * never emits scripts, styles, comments, form controls, hidden elements or image alt text;
//! * hands leaf data tables to [`super::tables`] and renders them as rows (see there), while
//!   layout tables (wrappers, tables holding tables) are treated as plain blocks.
//!
//! Chrome removal and line-level normalisation happen afterwards, in [`super::chrome`].

use std::collections::HashSet;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::node::Element;
use scraper::{ElementRef, Node};

use super::tables;
use super::Table;

/// What a pending separator between two pieces of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Gap {
    None,
    /// Collapsed inline whitespace.
    Space,
    /// Collapsed inline whitespace that contained a source line break.
    SegmentBreak,
    /// `<br>`.
    Line,
    /// A block boundary.
    Para,
}

/// How an element takes part in rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Never rendered, subtree skipped.
    Skip,
    Block,
    Br,
    Table,
    /// Table structure (`tr`, `td`, `th`, …) — a block when the table is a layout table.
    TablePart,
    Pre,
    Inline,
}

/// Classify an element by its (lower-case) local name.
pub(crate) fn kind(name: &str) -> Kind {
    match name {
        "script" | "style" | "noscript" | "template" | "head" | "title" | "meta" | "link"
        | "iframe" | "frame" | "frameset" | "object" | "embed" | "svg" | "math" | "canvas"
        | "video" | "audio" | "select" | "option" | "textarea" | "input" | "button" | "map"
        | "area" | "applet" | "xml" | "img" | "picture" | "source" | "param" | "base" => Kind::Skip,
        "br" => Kind::Br,
        "table" => Kind::Table,
        "tr" | "td" | "th" | "tbody" | "thead" | "tfoot" | "caption" | "colgroup" | "col" => {
            Kind::TablePart
        }
        "pre" | "listing" | "plaintext" => Kind::Pre,
        "p" | "div" | "address" | "article" | "aside" | "blockquote" | "center" | "dd"
        | "details" | "dialog" | "dir" | "dl" | "dt" | "fieldset" | "figcaption" | "figure"
        | "footer" | "form" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "header" | "hgroup"
        | "hr" | "li" | "main" | "menu" | "nav" | "ol" | "section" | "summary" | "ul"
        | "legend" | "body" | "html" => Kind::Block,
        _ => Kind::Inline,
    }
}

/// True when the element is hidden by its own markup: `hidden`, `display:none`, or a class
/// that frameworks use for it (`hide`, `hidden`, `ng-hide`, `d-none`).
///
/// One scan of the element's attributes by name: no atom is built for the names looked up
/// (`Element::attr` interns its argument on every call) and the class list is not interned
/// (`Element::classes` does, once per element); most elements have no attribute at all.
pub(crate) fn is_hidden(e: &Element) -> bool {
    e.attrs.iter().any(|(name, value)| {
        if !name.ns.is_empty() {
            return false;
        }
        match &*name.local {
            "hidden" => true,
            "class" => value
                .split_ascii_whitespace()
                .any(|c| matches!(c, "hide" | "hidden" | "ng-hide" | "d-none" | "display-none" | "is-hidden")),
            "style" => style_hides(value),
            _ => false,
        }
    })
}

/// `display:none` in a `style` value, whitespace and case ignored.
fn style_hides(style: &str) -> bool {
    // "display:none" in the value with its white space removed and lower-cased, found without
    // building that string: only the few ':' are looked at, for "none" after one and "display"
    // before it. (No non-ASCII character lower-cases to one of these ASCII letters alone.)
    style.match_indices(':').any(|(k, _)| {
        let mut after = style[k + 1..].chars().filter(|c| !c.is_whitespace());
        let mut before = style[..k].chars().rev().filter(|c| !c.is_whitespace());
        "none".chars().all(|n| after.next().is_some_and(|c| c.eq_ignore_ascii_case(&n)))
            && "yalpsid".chars().all(|n| before.next().is_some_and(|c| c.eq_ignore_ascii_case(&n)))
    })
}

/// CJK ideographs, kana, hangul, CJK punctuation and full-width forms.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x312F | 0x31A0..=0x31FF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x2FA1F)
}

/// Whitespace as far as text layout is concerned: Unicode white space (nbsp, en/em spaces,
/// the ideographic space U+3000 …) plus zero-width characters, which never carry text.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}')
}

/// Renders DOM nodes to text with paragraph structure.
pub(crate) struct Renderer<'s> {
    skip: &'s HashSet<NodeId>,
    out: String,
    gap: Gap,
    pre: usize,
    /// Treat every table as a layout table (cells become blocks): used to read metadata blocks.
    tables_as_blocks: bool,
    /// Drop source line breaks between CJK characters (off when reading label/value segments,
    /// where whitespace between two spans separates a value from the next label).
    join_cjk_breaks: bool,
    /// Data tables met, in document order.
    pub tables: Vec<Table>,
}

impl<'s> Renderer<'s> {
    /// A renderer skipping the subtrees whose roots are in `skip`.
    pub(crate) fn new(skip: &'s HashSet<NodeId>) -> Self {
        Renderer {
            skip,
            out: String::new(),
            gap: Gap::None,
            pre: 0,
            tables_as_blocks: false,
            join_cjk_breaks: true,
            tables: Vec::new(),
        }
    }

    /// A renderer for reading label/value segments: tables are not collected.
    pub(crate) fn segments(skip: &'s HashSet<NodeId>) -> Self {
        Renderer { tables_as_blocks: true, join_cjk_breaks: false, ..Renderer::new(skip) }
    }

    /// The text rendered so far: paragraphs separated by "\n\n", line breaks as "\n".
    pub(crate) fn finish(self) -> (String, Vec<Table>) {
        (self.out, self.tables)
    }

    /// Force a paragraph boundary (between separately rendered content roots).
    pub(crate) fn paragraph(&mut self) {
        self.set_gap(Gap::Para);
    }

    fn set_gap(&mut self, gap: Gap) {
        if gap == Gap::Line && self.gap == Gap::Line {
            // <br><br>: a paragraph break.
            self.gap = Gap::Para;
        } else if gap > self.gap {
            self.gap = gap;
        }
    }

    fn flush_gap(&mut self, next: char) {
        let gap = std::mem::replace(&mut self.gap, Gap::None);
        if self.out.is_empty() {
            return;
        }
        match gap {
            Gap::None => {}
            Gap::Space | Gap::SegmentBreak => {
                let last = self.out.chars().next_back().unwrap_or('\n');
                let drop = last == '\n'
                    || last == ' '
                    || (gap == Gap::SegmentBreak && self.join_cjk_breaks && is_cjk(last) && is_cjk(next));
                if !drop {
                    self.out.push(' ');
                }
            }
            Gap::Line => {
                trim_end_spaces(&mut self.out);
                self.out.push('\n');
            }
            Gap::Para => {
                trim_end_spaces(&mut self.out);
                self.out.push_str("\n\n");
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.pre > 0 {
            for c in text.chars() {
                match c {
                    '\n' => self.set_gap(Gap::Line),
                    '\r' => {}
                    c if is_space(c) => {
                        self.flush_gap('x');
                        self.out.push(' ');
                    }
                    c => {
                        self.flush_gap(c);
                        self.out.push(c);
                    }
                }
            }
            return;
        }
        for c in text.chars() {
            if is_space(c) {
                self.set_gap(if c == '\n' || c == '\r' { Gap::SegmentBreak } else { Gap::Space });
            } else {
                self.flush_gap(c);
                self.out.push(c);
            }
        }
    }

    /// Append pre-rendered lines (a table) as their own paragraph.
    fn push_block(&mut self, block: &str) {
        if block.is_empty() {
            return;
        }
        self.set_gap(Gap::Para);
        self.flush_gap('x');
        self.out.push_str(block);
        self.set_gap(Gap::Para);
    }

    /// Render a node and its subtree.
    pub(crate) fn render(&mut self, root: NodeRef<'_, Node>) {
        let mut skipping: Option<NodeId> = None;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skipping.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(t) => self.push_text(t),
                        // The root is rendered even when its kind is normally skipped
                        // (a rule pointing at <title>, say).
                        Node::Element(e) if node.id() == root.id() && kind(e.name()) == Kind::Skip => {}
                        Node::Element(e) if self.open_element(node, e) => skipping = Some(node.id()),
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if let Some(id) = skipping {
                        if id == node.id() {
                            skipping = None;
                            self.close_element(node);
                        }
                        continue;
                    }
                    self.close_element(node);
                }
            }
        }
    }

    /// Handle an opening element; true when its subtree must be skipped.
    fn open_element(&mut self, node: NodeRef<'_, Node>, e: &Element) -> bool {
        if self.skip.contains(&node.id()) || is_hidden(e) {
            return true;
        }
        match kind(e.name()) {
            Kind::Skip => true,
            Kind::Br => {
                self.set_gap(Gap::Line);
                false
            }
            Kind::Block | Kind::TablePart => {
                self.set_gap(Gap::Para);
                false
            }
            Kind::Pre => {
                self.set_gap(Gap::Para);
                self.pre += 1;
                false
            }
            Kind::Table => {
                self.set_gap(Gap::Para);
                let Some(el) = ElementRef::wrap(node) else { return false };
                if self.tables_as_blocks || !tables::is_data_table(el) {
                    return false;
                }
                let grid = tables::build(el, self.skip);
                let text = tables::render(&grid);
                self.tables.push(grid.cells);
                self.push_block(&text);
                true
            }
            Kind::Inline => false,
        }
    }

    fn close_element(&mut self, node: NodeRef<'_, Node>) {
        let Node::Element(e) = node.value() else { return };
        match kind(e.name()) {
            Kind::Block | Kind::TablePart | Kind::Table => self.set_gap(Gap::Para),
            Kind::Pre => {
                self.pre = self.pre.saturating_sub(1);
                self.set_gap(Gap::Para);
            }
            _ => {}
        }
    }
}

fn trim_end_spaces(s: &mut String) {
    let len = s.trim_end_matches(' ').len();
    s.truncate(len);
}

/// Render one subtree to raw text (paragraphs "\n\n", line breaks "\n"), tables included.
pub(crate) fn render_subtree(root: NodeRef<'_, Node>, skip: &HashSet<NodeId>) -> String {
    let mut r = Renderer::new(skip);
    r.render(root);
    r.finish().0
}

/// Join the lines of a rendered cell (or any short text) into one line: no separator between
/// two CJK characters (a cell broken for width: "商业<br>企业" → "商业企业"), one space otherwise.
pub(crate) fn join_lines(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.split('\n') {
        let line = line.trim_matches(is_space);
        if line.is_empty() {
            continue;
        }
        if let (Some(last), Some(first)) = (out.chars().next_back(), line.chars().next()) {
            if !(is_cjk(last) && is_cjk(first)) {
                out.push(' ');
            }
        }
        out.push_str(line);
    }
    out
}

/// Text of an element as one line (for titles, metadata values, link names).
pub(crate) fn inline_text(el: ElementRef<'_>) -> String {
    static EMPTY: std::sync::LazyLock<HashSet<NodeId>> = std::sync::LazyLock::new(HashSet::new);
    join_lines(&render_subtree(*el, &EMPTY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn render(html: &str) -> String {
        let doc = Html::parse_document(html);
        let skip = HashSet::new();
        render_subtree(*doc.root_element(), &skip)
    }

    #[test]
    fn inline_markup_is_joined_without_spaces() {
        let t = render("<p><span>20</span><font>18</font><b>年</b><u>1</u><o:p></o:p>月</p>");
        assert_eq!(t, "2018年1月");
    }

    #[test]
    fn blocks_are_paragraphs_and_br_is_a_line() {
        let t = render("<div><p>一</p><p>二<br>三</p><div><div>四</div></div></div>");
        assert_eq!(t, "一\n\n二\n三\n\n四");
    }

    #[test]
    fn double_br_is_a_paragraph() {
        assert_eq!(render("<p>甲<br><br>乙</p>"), "甲\n\n乙");
    }

    #[test]
    fn newline_between_cjk_is_dropped_but_space_kept_for_latin() {
        assert_eq!(render("<p>政府\n信息 公开</p>"), "政府信息 公开");
        assert_eq!(render("<p>TRS\nWCM</p>"), "TRS WCM");
    }

    #[test]
    fn scripts_styles_comments_hidden_and_images_never_appear() {
        let t = render(
            "<div>正文<script>var a='脚本';</script><style>.x{}</style><!-- 注释 -->\
             <span style=\"display: none\">隐藏</span><img alt=\"W020190311.jpg\" src=\"a.jpg\">\
             <noscript>无脚本</noscript>结束</div>",
        );
        assert_eq!(t, "正文结束");
    }

    #[test]
    fn nbsp_and_fullwidth_indentation_collapse() {
        let t = render("<p>\u{3000}\u{3000}第一段&nbsp;&nbsp;内容</p>");
        assert_eq!(t, "第一段 内容");
    }

    #[test]
    fn display_none_in_style_any_case_and_spacing() {
        for (style, hides) in [
            ("display:none", true),
            ("color:red; DISPLAY : None ;", true),
            ("display:\u{b}none", true),
            ("ddisplay:none", true),
            ("display:block", false),
            ("display:non", false),
            ("font-family:宋体; display: none", true),
            ("font-family:宋体; display: inline", false),
            ("display:n one", true),
            ("dis play : none", true),
            ("display:;none", false),
            ("display none", false),
            ("none:display", false),
            ("a:b; display:nonE", true),
            ("font-family:宋体;\u{3000}display\u{a0}:\u{3000}none", true),
            ("font-family:宋体; display:n\u{3000}o ne", true),
        ] {
            assert_eq!(style_hides(style), hides, "{style:?}");
        }
    }

    #[test]
    fn hidden_by_attribute_or_class() {
        let t = render(
            "<div>甲<p hidden>一</p><p class=\"x  d-none\">二</p><p class=\"hide-not\">丙</p>\
             <p class=\"note\tis-hidden\">三</p>乙</div>",
        );
        assert_eq!(t, "甲\n\n丙\n\n乙");
    }

    #[test]
    fn pre_keeps_lines() {
        assert_eq!(render("<pre>a  b\nc</pre>"), "a  b\nc");
    }

    #[test]
    fn join_lines_is_cjk_aware() {
        assert_eq!(join_lines("商业\n企业"), "商业企业");
        assert_eq!(join_lines("Total\n\n合计"), "Total 合计");
    }
}
