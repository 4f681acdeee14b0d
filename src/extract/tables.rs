//! Tables: leaf data tables become grids with `rowspan`/`colspan` expanded, and are rendered
//! into the text.
//!
//! * **Which tables.** A layout table's cells are rendered as ordinary blocks; a data table
//!   becomes a grid. A table is a layout table when it holds another table, when it has fewer
//!   than two cells (a wrapper), or when one of its cells holds page structure rather than a
//!   value (see [`is_data_table`]): old templates lay the whole page out as
//!   `<table><tr><td>side menu</td><td>article…</td></tr></table>`. Every other table is data.
//! * **Grid.** Every row has the same width; a merged cell's text is repeated in each grid
//!   position it covers; missing and empty cells are `""`. Inside a cell, paragraphs and `<br>`
//!   are joined into one line: with nothing between two CJK characters ("商业<br>企业" →
//!   "商业企业", a cell broken for width), with one space otherwise.
//! * **Text rendering.** One line per grid row, cells separated by `" | "`. A cell spanning
//!   several columns is written once per row (not repeated across its columns), while a cell
//!   spanning several rows is repeated on each row it covers, so each line reads on its own.
//!   Rows whose cells are all empty are left out. The table is a paragraph of its own.

use std::collections::HashSet;

use ego_tree::NodeId;
use scraper::{ElementRef, Node};

use super::clean::{is_space, join_lines, kind, Kind, Renderer};
use super::generic::visible_chars;
use super::Table;

/// Upper bounds that keep a malformed `colspan="99999"` from allocating a huge grid.
const MAX_COLSPAN: usize = 256;
const MAX_COLUMNS: usize = 1024;

/// A table grid with, for every position, the index of the source cell covering it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grid {
    pub cells: Table,
    /// `origin[r][c]`: which source cell (numbered in document order) covers the position;
    /// `usize::MAX` for positions no cell covers.
    pub origin: Vec<Vec<usize>>,
}

/// Cell text above which a cell holding several paragraphs is prose, not a value.
const PROSE_CHARS: usize = 200;
/// Paragraphs in one cell that, with [`PROSE_CHARS`], make it prose.
const PROSE_PARAGRAPHS: usize = 3;
/// Cell text above which a cell is prose however it is broken up.
const LONG_CELL_CHARS: usize = 1000;
/// Items in a list (or block children of a `div`) that make a cell a page region.
const MANY_ITEMS: usize = 3;

/// True for a data table: a leaf table (no table inside) with at least two cells, none of
/// which holds page structure. A cell holds page structure when it contains
///
/// * a heading (`h1`–`h6`), a form, or a sectioning element (`nav`, `header`, `footer`,
///   `article`, `section`, `aside`, `main`);
/// * a list (`ul`, `ol`, `dl`) of at least three items (a side menu, a metadata list), or a
///   `div` with at least three block children;
/// * prose: at least three paragraphs and 200 characters, or 1000 characters in any form.
///
/// Word tables (`<td><p><span>…</span></p></td>`, a label broken over two paragraphs) stay data.
pub(crate) fn is_data_table(table: ElementRef<'_>) -> bool {
    let mut cells = Vec::new();
    for node in table.descendants().skip(1) {
        if let Node::Element(e) = node.value() {
            match e.name() {
                "table" => return false,
                "td" | "th" => cells.extend(ElementRef::wrap(node)),
                _ => {}
            }
        }
    }
    cells.len() >= 2 && !cells.iter().any(|c| holds_page_structure(*c))
}

/// See [`is_data_table`].
fn holds_page_structure(cell: ElementRef<'_>) -> bool {
    let mut paragraphs = 0usize;
    for node in cell.descendants().skip(1) {
        let Some(el) = ElementRef::wrap(node) else { continue };
        let name = el.value().name();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "form" | "nav" | "header" | "footer" | "article"
            | "section" | "aside" | "main" => return true,
            "ul" | "ol" | "dl" => {
                let items = el.child_elements().filter(|c| matches!(c.value().name(), "li" | "dt" | "dd")).count();
                if items >= MANY_ITEMS {
                    return true;
                }
            }
            "div" => {
                let blocks = el.child_elements().filter(|c| kind(c.value().name()) == Kind::Block).count();
                if blocks >= MANY_ITEMS {
                    return true;
                }
            }
            _ => {}
        }
        let paragraph = match name {
            "p" | "li" => el.text().any(has_text),
            "div" => el.children().any(|c| c.value().as_text().is_some_and(|t| has_text(t))),
            _ => false,
        };
        paragraphs += usize::from(paragraph);
    }
    let chars = visible_chars(*cell);
    chars >= LONG_CELL_CHARS || (paragraphs >= PROSE_PARAGRAPHS && chars >= PROSE_CHARS)
}

fn has_text(t: &str) -> bool {
    t.chars().any(|c| !is_space(c))
}

/// The rows of a table and, for each, its cells (elements), ignoring nested tables.
fn rows(table: ElementRef<'_>) -> Vec<Vec<ElementRef<'_>>> {
    let mut rows = Vec::new();
    for child in table.child_elements() {
        match child.value().name() {
            "tr" => rows.push(cells(child)),
            "thead" | "tbody" | "tfoot" => {
                for tr in child.child_elements().filter(|e| e.value().name() == "tr") {
                    rows.push(cells(tr));
                }
            }
            _ => {}
        }
    }
    rows
}

fn cells(tr: ElementRef<'_>) -> Vec<ElementRef<'_>> {
    tr.child_elements().filter(|e| matches!(e.value().name(), "td" | "th")).collect()
}

fn span(cell: ElementRef<'_>, attr: &str) -> usize {
    cell.value()
        .attr(attr)
        .and_then(|v| v.trim().trim_end_matches(';').parse::<usize>().ok())
        .filter(|&n| n >= 1)
        .unwrap_or(1)
}

/// The text of one cell, on one line.
pub(crate) fn cell_text(cell: ElementRef<'_>, skip: &HashSet<NodeId>) -> String {
    let mut r = Renderer::new(skip);
    r.render(*cell);
    join_lines(&r.finish().0)
}

/// Build the grid of a data table.
pub(crate) fn build(table: ElementRef<'_>, skip: &HashSet<NodeId>) -> Grid {
    let rows = rows(table);
    let n_rows = rows.len();
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); n_rows];
    let mut origin: Vec<Vec<usize>> = vec![Vec::new(); n_rows];
    let mut index = 0usize;
    for (r, row) in rows.iter().enumerate() {
        let mut c = 0usize;
        for cell in row {
            while c < cells[r].len() && cells[r][c].is_some() {
                c += 1;
            }
            if c >= MAX_COLUMNS {
                break;
            }
            let text = cell_text(*cell, skip);
            let colspan = span(*cell, "colspan").min(MAX_COLSPAN).min(MAX_COLUMNS - c);
            // rowspan never reaches past the last row (rowspan="0" or a bogus 999 included).
            let rowspan = match cell.value().attr("rowspan").map(str::trim) {
                Some("0") => n_rows - r,
                _ => span(*cell, "rowspan").min(n_rows - r),
            };
            for rr in r..r + rowspan {
                if cells[rr].len() < c + colspan {
                    cells[rr].resize(c + colspan, None);
                    origin[rr].resize(c + colspan, usize::MAX);
                }
                for cc in c..c + colspan {
                    if cells[rr][cc].is_none() {
                        cells[rr][cc] = Some(text.clone());
                        origin[rr][cc] = index;
                    }
                }
            }
            index += 1;
            c += colspan;
        }
    }
    let width = cells.iter().map(Vec::len).max().unwrap_or(0);
    let mut grid = Grid::default();
    for (row, orow) in cells.into_iter().zip(origin) {
        let mut out: Vec<String> = row.into_iter().map(Option::unwrap_or_default).collect();
        let mut o = orow;
        out.resize(width, String::new());
        o.resize(width, usize::MAX);
        grid.cells.push(out);
        grid.origin.push(o);
    }
    // Drop trailing rows that are entirely empty <tr>s (common Word residue): keep the grid tidy.
    while grid.cells.last().is_some_and(|r| r.iter().all(String::is_empty)) {
        grid.cells.pop();
        grid.origin.pop();
    }
    grid
}

/// Render a grid as text: one line per row, `" | "` between cells, column spans written once.
pub(crate) fn render(grid: &Grid) -> String {
    let mut out = String::new();
    for (row, orow) in grid.cells.iter().zip(&grid.origin) {
        if row.iter().all(String::is_empty) {
            continue;
        }
        let mut parts: Vec<&str> = Vec::with_capacity(row.len());
        for (c, cell) in row.iter().enumerate() {
            if c > 0 && orow[c] != usize::MAX && orow[c] == orow[c - 1] {
                continue;
            }
            parts.push(cell);
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(parts.join(" | ").trim_end());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn grid(html: &str) -> Grid {
        let doc = Html::parse_document(html);
        let sel = Selector::parse("table").unwrap();
        let table = doc.select(&sel).next().unwrap();
        build(table, &HashSet::new())
    }

    #[test]
    fn rowspan_and_colspan_are_expanded() {
        let g = grid(
            "<table><tr><td rowspan=2>甲</td><td colspan=2>乙</td></tr>\
             <tr><td>丙</td><td>丁</td></tr><tr><td>1</td><td></td><td>3</td></tr></table>",
        );
        assert_eq!(
            g.cells,
            vec![vec!["甲", "乙", "乙"], vec!["甲", "丙", "丁"], vec!["1", "", "3"]]
        );
        assert_eq!(render(&g), "甲 | 乙\n甲 | 丙 | 丁\n1 |  | 3");
    }

    #[test]
    fn ragged_rows_are_padded_and_bogus_spans_clamped() {
        let g = grid("<table><tr><td rowspan=999>a</td><td colspan=0>b</td></tr><tr><td>c</td><td>d</td></tr></table>");
        assert_eq!(g.cells, vec![vec!["a", "b", ""], vec!["a", "c", "d"]]);
    }

    #[test]
    fn cell_paragraphs_join_cjk_without_space() {
        let g = grid("<table><tr><td><p>商业</p><p>企业</p></td><td>A<br>B</td></tr></table>");
        assert_eq!(g.cells, vec![vec!["商业企业", "A B"]]);
    }

    #[test]
    fn layout_tables_are_not_data_tables() {
        let doc = Html::parse_document(
            "<table id=o><tr><td><table id=i><tr><td>a</td><td>b</td></tr></table></td></tr></table>\
             <table id=w><tr><td>only</td></tr></table>",
        );
        let get = |s: &str| doc.select(&Selector::parse(s).unwrap()).next().unwrap();
        assert!(!is_data_table(get("#o")));
        assert!(is_data_table(get("#i")));
        assert!(!is_data_table(get("#w")));
    }

    fn data(html: &str) -> bool {
        let doc = Html::parse_document(html);
        let table = doc.select(&Selector::parse("table").unwrap()).next().unwrap();
        is_data_table(table)
    }

    #[test]
    fn page_frame_table_is_layout() {
        // The old-template frame: a side menu cell and an article cell.
        let menu = "<td class=left><div>政府信息公开</div><ul><li><a href=a>公开指南</a></li>\
                    <li><a href=b>公开制度</a></li><li><a href=c>公开年报</a></li></ul></td>";
        assert!(!data(&format!("<table width=1000><tr>{menu}<td><h1>标题</h1><div>正文</div></td></tr></table>")));
        // Each signal on its own: a menu list, a heading, a div of blocks.
        assert!(!data(&format!("<table><tr>{menu}<td>正文</td></tr></table>")));
        assert!(!data("<table><tr><td>甲</td><td><h2>标题</h2></td></tr></table>"));
        assert!(!data("<table><tr><td>甲</td><td><div><div>一</div><div>二</div><p>三</p></div></td></tr></table>"));
    }

    #[test]
    fn prose_cells_make_a_layout_table() {
        let para = "<p>今年以来，在县委、县政府的正确领导下，政务服务中心积极践行党的群众路线，坚持规范、高效、廉洁、优质的服务宗旨。</p>";
        let three = para.repeat(4);
        assert!(!data(&format!("<table><tr><td>左</td><td>{three}</td></tr></table>")));
        let long = "正文".repeat(600);
        assert!(!data(&format!("<table><tr><td>左</td><td>{long}</td></tr></table>")));
        // Two paragraphs of the same text are still a (long) value.
        assert!(data(&format!("<table><tr><td>左</td><td>{para}{para}</td></tr></table>")));
    }

    #[test]
    fn word_tables_stay_data() {
        // Word markup: every cell a <p> of spans, a label broken over two paragraphs, a short
        // two-item list, and a wide table.
        assert!(data(
            "<table width=1000 border=1><tr><td><p><span>商业</span></p><p><span>企业</span></p></td>\
             <td><p><span style='font-family:宋体'>收到申请数</span></p></td></tr>\
             <tr><td><p><span>1</span></p></td><td><ul><li>甲</li><li>乙</li></ul></td></tr></table>"
        ));
    }
}
