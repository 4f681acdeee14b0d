//! A TOML document as a small tree that keeps byte spans, and a reader over it that records
//! every problem (unknown key, wrong type, bad value) as an [`Error::Rule`] naming the file, the
//! dotted key path and the line, instead of stopping at the first.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::Error;

pub(crate) type Span = Option<Range<usize>>;

/// One TOML value with where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Str(String),
    Int(i64),
    Float,
    Bool(bool),
    Datetime,
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Span,
    pub node: Node,
}

impl Kind {
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Str(_) => "a string",
            Kind::Int(_) => "an integer",
            Kind::Float => "a float",
            Kind::Bool(_) => "a boolean",
            Kind::Datetime => "a date-time",
            Kind::Array(_) => "an array",
            Kind::Table(_) => "a table",
        }
    }
}

/// Parse TOML text into a spanned tree; the error carries toml's message and the line.
pub(crate) fn parse(src: &str) -> Result<Node, (String, Option<usize>)> {
    let doc = toml_edit::ImDocument::parse(src).map_err(|e| {
        let line = e.span().map(|s| line_of(src, s.start));
        (e.message().trim().to_string(), line)
    })?;
    Ok(from_table(doc.as_table()))
}

fn from_table(t: &toml_edit::Table) -> Node {
    let entries = t
        .iter()
        .filter_map(|(k, _)| {
            let (key, item) = t.get_key_value(k)?;
            Some(Entry { key: k.to_string(), key_span: key.span(), node: from_item(item)? })
        })
        .collect();
    Node { kind: Kind::Table(entries), span: t.span() }
}

fn from_item(item: &toml_edit::Item) -> Option<Node> {
    use toml_edit::Item;
    Some(match item {
        Item::None => return None,
        Item::Value(v) => from_value(v),
        Item::Table(t) => from_table(t),
        Item::ArrayOfTables(a) => {
            Node { kind: Kind::Array(a.iter().map(from_table).collect()), span: a.span() }
        }
    })
}

fn from_value(v: &toml_edit::Value) -> Node {
    use toml_edit::Value;
    let kind = match v {
        Value::String(s) => Kind::Str(s.value().clone()),
        Value::Integer(i) => Kind::Int(*i.value()),
        Value::Float(_) => Kind::Float,
        Value::Boolean(b) => Kind::Bool(*b.value()),
        Value::Datetime(_) => Kind::Datetime,
        Value::Array(a) => Kind::Array(a.iter().map(from_value).collect()),
        Value::InlineTable(t) => Kind::Table(
            t.iter()
                .filter_map(|(k, _)| {
                    let (key, item) = t.get_key_value(k)?;
                    Some(Entry { key: k.to_string(), key_span: key.span(), node: from_item(item)? })
                })
                .collect(),
        ),
    };
    Node { kind, span: v.span() }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Error sink for one file.
pub(crate) struct Ctx<'s> {
    pub src: &'s str,
    pub path: PathBuf,
    pub errors: Vec<Error>,
}

impl<'s> Ctx<'s> {
    pub fn new(path: &Path, src: &'s str) -> Self {
        Ctx { src, path: path.to_path_buf(), errors: Vec::new() }
    }

    /// Record a problem at `key` (dotted path), with the line of `span` when known.
    pub fn err(&mut self, key: &str, span: &Span, message: impl std::fmt::Display) {
        let message = match span {
            Some(s) => format!("line {}: {message}", line_of(self.src, s.start)),
            None => message.to_string(),
        };
        self.errors.push(Error::rule(&self.path, key, message));
    }
}

/// A table being read: remembers which keys were consumed so the rest can be reported as
/// unknown.
pub(crate) struct Obj<'n> {
    pub path: String,
    entries: &'n [Entry],
    used: Vec<bool>,
}

impl<'n> Obj<'n> {
    /// View `node` as a table at dotted `path`; reports a type error and returns `None` otherwise.
    pub fn new(ctx: &mut Ctx<'_>, node: &'n Node, path: &str) -> Option<Obj<'n>> {
        match &node.kind {
            Kind::Table(entries) => Some(Obj { path: path.to_string(), entries, used: vec![false; entries.len()] }),
            other => {
                ctx.err(path, &node.span, format!("expected a table, found {}", other.type_name()));
                None
            }
        }
    }

    /// The dotted path of `key` in this table.
    pub fn key(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// Take `key` (marking it known).
    pub fn get(&mut self, key: &str) -> Option<&'n Node> {
        let i = self.entries.iter().position(|e| e.key == key)?;
        self.used[i] = true;
        Some(&self.entries[i].node)
    }

    /// Report every key not taken, naming the keys this table accepts.
    pub fn finish(self, ctx: &mut Ctx<'_>, accepted: &[&str]) {
        for (e, used) in self.entries.iter().zip(&self.used) {
            if !used {
                let hint = suggestion(&e.key, accepted)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                let span = e.key_span.clone().or_else(|| e.node.span.clone());
                ctx.err(&self.key(&e.key), &span, format!("unknown key{hint}; accepted here: {}", accepted.join(", ")));
            }
        }
    }

    pub fn string(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<(String, Span)> {
        let node = self.get(key)?;
        match &node.kind {
            Kind::Str(s) => Some((s.clone(), node.span.clone())),
            other => {
                ctx.err(&self.key(key), &node.span, format!("expected a string, found {}", other.type_name()));
                None
            }
        }
    }

    pub fn boolean(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<bool> {
        let node = self.get(key)?;
        match &node.kind {
            Kind::Bool(b) => Some(*b),
            other => {
                ctx.err(&self.key(key), &node.span, format!("expected true or false, found {}", other.type_name()));
                None
            }
        }
    }

    /// A non-negative integer within `range`.
    pub fn int(&mut self, ctx: &mut Ctx<'_>, key: &str, range: std::ops::RangeInclusive<i64>) -> Option<u32> {
        let node = self.get(key)?;
        match &node.kind {
            Kind::Int(i) if range.contains(i) => Some(*i as u32),
            Kind::Int(i) => {
                let msg = format!("{i} is out of range {}..={}", range.start(), range.end());
                ctx.err(&self.key(key), &node.span, msg);
                None
            }
            other => {
                ctx.err(&self.key(key), &node.span, format!("expected an integer, found {}", other.type_name()));
                None
            }
        }
    }

    /// A string or an array of strings, as (text, span, was-a-list).
    pub fn strings(&mut self, ctx: &mut Ctx<'_>, key: &str) -> Option<(Vec<(String, Span)>, bool)> {
        let node = self.get(key)?;
        match &node.kind {
            Kind::Str(s) => Some((vec![(s.clone(), node.span.clone())], false)),
            Kind::Array(items) => {
                let mut out = Vec::new();
                for (i, it) in items.iter().enumerate() {
                    match &it.kind {
                        Kind::Str(s) => out.push((s.clone(), it.span.clone())),
                        other => ctx.err(
                            &format!("{}[{i}]", self.key(key)),
                            &it.span,
                            format!("expected a string, found {}", other.type_name()),
                        ),
                    }
                }
                Some((out, true))
            }
            other => {
                let msg = format!("expected a string or an array of strings, found {}", other.type_name());
                ctx.err(&self.key(key), &node.span, msg);
                None
            }
        }
    }
}

/// The accepted key closest to a misspelt one (edit distance ≤ 2).
fn suggestion<'a>(key: &str, accepted: &[&'a str]) -> Option<&'a str> {
    accepted
        .iter()
        .map(|a| (levenshtein(key, a), *a))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_give_lines_and_suggestions() {
        let src = "title = \"x\"\n\n[detail]\ncontnet = \".a\"\n";
        let root = parse(src).unwrap();
        let mut ctx = Ctx::new(Path::new("t.toml"), src);
        let mut top = Obj::new(&mut ctx, &root, "").unwrap();
        let detail = top.get("detail").unwrap();
        assert!(top.string(&mut ctx, "title").is_some());
        top.finish(&mut ctx, &["title", "detail"]);
        let d = Obj::new(&mut ctx, detail, "detail").unwrap();
        d.finish(&mut ctx, &["content"]);
        assert_eq!(ctx.errors.len(), 1);
        let msg = ctx.errors[0].to_string();
        assert!(msg.contains("detail.contnet") && msg.contains("line 4") && msg.contains("`content`"), "{msg}");
    }

    #[test]
    fn syntax_error_has_a_line() {
        let (msg, line) = parse("a = 1\nb = [1,\nc = \n").unwrap_err();
        assert!(line.is_some_and(|l| l >= 2), "{msg} {line:?}");
    }
}
