//! Finding the 索引号/发布机构/… metadata block without a rule.
//!
//! One bottom-up pass over the document counts, for every element, its visible characters, the
//! labels standing as labels in its text nodes, and its longest text node. An element is a
//! **block** when it holds at least two labels, little text per label (≤ 80 characters each)
//! and no prose (no text node over 120 characters, no sentence ending in 。); the outermost such element is kept, so
//! a whole table or list is taken, not single cells. Elements with one label and under 120
//! characters (`<span>发布时间：2019-03-11</span>`) are **snippets**, the lowest source of truth.

use std::collections::HashSet;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::{ElementRef, Node};

use super::clean::{is_hidden, is_space, kind, Kind, Renderer};
use super::meta::{count_labels, parse_pairs, Fields};

const MAX_CHARS_PER_LABEL: usize = 80;
const MAX_BLOCK_CHARS: usize = 1500;
const MAX_VALUE_CHARS: usize = 120;
const MAX_SNIPPET_CHARS: usize = 120;

#[derive(Default)]
struct Frame {
    chars: usize,
    labels: usize,
    longest: usize,
    /// Holds a sentence (a label-free text node with 。): prose, not a metadata block.
    prose: bool,
    blocks: Vec<NodeId>,
    snippets: Vec<NodeId>,
}

/// Metadata blocks and snippets found in a subtree, outermost first, in document order.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub blocks: Vec<NodeId>,
    pub snippets: Vec<NodeId>,
}

/// Scan the subtree under `root`.
pub(crate) fn find(root: NodeRef<'_, Node>) -> Found {
    let mut stack: Vec<Frame> = vec![Frame::default()];
    let mut skipping: Option<NodeId> = None;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(e) => {
                        if kind(e.name()) == Kind::Skip || is_hidden(e) {
                            skipping = Some(node.id());
                        } else {
                            stack.push(Frame::default());
                        }
                    }
                    Node::Text(t) => {
                        let top = stack.last_mut().expect("frame");
                        let n = t.chars().filter(|c| !is_space(*c)).count();
                        if n > 0 {
                            top.chars += n;
                            top.longest = top.longest.max(n);
                            // Every label is Han: an ASCII text node holds none.
                            let labels = if t.is_ascii() { 0 } else { count_labels(t) };
                            top.labels += labels;
                            top.prose |= labels == 0 && t.contains('。');
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
                if !node.value().is_element() {
                    continue;
                }
                let frame = stack.pop().expect("frame");
                let parent = stack.last_mut().expect("parent frame");
                parent.chars += frame.chars;
                parent.labels += frame.labels;
                parent.longest = parent.longest.max(frame.longest);
                parent.prose |= frame.prose;
                let is_block = frame.labels >= 2
                    && !frame.prose
                    && frame.chars <= MAX_CHARS_PER_LABEL * frame.labels
                    && frame.chars <= MAX_BLOCK_CHARS
                    && frame.longest <= MAX_VALUE_CHARS;
                if is_block {
                    parent.blocks.push(node.id());
                } else {
                    parent.blocks.extend(frame.blocks);
                    if frame.labels == 1 && frame.chars <= MAX_SNIPPET_CHARS {
                        parent.snippets.push(node.id());
                    } else {
                        parent.snippets.extend(frame.snippets);
                    }
                }
            }
        }
    }
    let root = stack.pop().unwrap_or_default();
    Found { blocks: root.blocks, snippets: root.snippets }
}

/// The segments of an element: one per block, cell, list item or line.
pub(crate) fn segments(el: NodeRef<'_, Node>) -> Vec<String> {
    let skip = HashSet::new();
    let mut r = Renderer::segments(&skip);
    r.render(el);
    let (text, _) = r.finish();
    text.split('\n').map(|s| s.trim_matches(is_space).to_string()).filter(|s| !s.is_empty()).collect()
}

/// Read the fields of the given elements (first value per field wins).
pub(crate) fn read<'a>(doc_nodes: impl IntoIterator<Item = ElementRef<'a>>) -> Fields {
    let mut fields = Fields::default();
    for el in doc_nodes {
        for (field, value) in parse_pairs(&segments(*el)) {
            fields.offer(field, &value);
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn ids_to_names(doc: &Html, ids: &[NodeId]) -> Vec<String> {
        ids.iter()
            .map(|id| {
                let el = ElementRef::wrap(doc.tree.get(*id).unwrap()).unwrap();
                format!("{}#{}", el.value().name(), el.value().id().unwrap_or(""))
            })
            .collect()
    }

    #[test]
    fn finds_the_outermost_dense_block_and_snippets() {
        let doc = Html::parse_document(
            "<body><div id=page><table id=meta><tr><td>索 引 号</td><td>0001/2023-1</td><td>文号</td><td>某政发〔2023〕1号</td></tr>\
             <tr><td>发布机构</td><td>某县政府</td><td>成文日期</td><td>2023-10-16</td></tr></table>\
             <span id=time>发布时间：2023-10-23 08:59</span>\
             <div id=body><p>根据有关规定，现将有关事项通知如下，这是一段足够长的正文，用来说明正文不会被当作元数据块处理，因为正文里面的文字很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多。资金来源：财政。</p></div></div></body>",
        );
        let found = find(*doc.root_element());
        assert_eq!(ids_to_names(&doc, &found.blocks), vec!["table#meta"]);
        assert_eq!(ids_to_names(&doc, &found.snippets), vec!["span#time"]);
        let meta = ElementRef::wrap(doc.tree.get(found.blocks[0]).unwrap()).unwrap();
        let f = read([meta]);
        assert_eq!(f.index_no.as_deref(), Some("0001/2023-1"));
        assert_eq!(f.doc_no.as_deref(), Some("某政发〔2023〕1号"));
        assert_eq!(f.publisher.as_deref(), Some("某县政府"));
        assert_eq!(f.written_at.as_deref(), Some("2023-10-16"));
    }
}
