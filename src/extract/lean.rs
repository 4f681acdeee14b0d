//! Before parsing: empty the contents of `<script>` and `<style>` elements and of long comments,
//! keeping every tag, so that html5ever does not tokenize text that extraction never reads.
//!
//! On the pages nianbao reads, half the bytes are scripts, styles and comments (95 % on some
//! TRS/Hanweb templates). Extraction never looks inside them: the renderer, the metadata scan,
//! the generic fallback and link collection all skip `<script>`/`<style>` subtrees, and the only
//! comments read are short markers such as `<!--ZJEG_RSS.content.begin-->` (comments of up to
//! [`KEEP_COMMENT`] bytes are kept verbatim). The one reader that could see script text, a rule
//! selector naming a script or style element, is handled by the caller (`extract` parses the
//! original when such a selector matches).
//!
//! The scan follows the HTML tokenizer, so that the parsed tree is the same element for element
//! as the original's:
//!
//! * tags are read with the tokenizer's attribute states (`<a title="<script>">` holds no
//!   script; `>` inside a quoted value does not end the tag);
//! * a script ends where the tokenizer's script-data states end it: `</script` followed by
//!   white space, `/` or `>`, in any case, also inside a JavaScript string; but not inside
//!   `<!-- <script> … </script> -->` (the "double escaped" states);
//! * comments end at `-->` or `--!>` (`<!-->` and `<!--->` are empty comments); `<!DOCTYPE>`,
//!   `<!…>`, `<?…>` and `</…>` bogus comments end at the first `>`;
//! * the contents of `<title>`, `<textarea>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>` and
//!   `<noscript>` are text (a `<script>` in them is not a tag) and are kept as they are;
//!   `<plaintext>` makes the rest of the document text;
//! * inside `<svg>`/`<math>` (foreign content) nothing is emptied and `<script>`/`<style>` are
//!   ordinary elements; an element there that would take the parser out of foreign content (an
//!   HTML element such as `<p>`, an integration point such as `<foreignObject>`) or a CDATA
//!   section ends the pre-pass: the rest of the document is kept as it is, as it is after a
//!   `<frameset>` (where scripts are ignored, not parsed) and after a tag cut off by the end of
//!   the document.
//!
//! Keeping text is always safe; the rules above only decide where emptying is.

use std::borrow::Cow;

/// Comments with at most this many bytes between `<!--` and `-->` are kept (CMS markers).
pub const KEEP_COMMENT: usize = 64;

/// The document with script, style and long comment contents removed.
#[derive(Debug)]
pub struct Lean<'a> {
    /// The HTML to parse (borrowed when nothing was removed).
    pub html: Cow<'a, str>,
    /// How many `<script>`/`<style>` elements were emptied.
    pub emptied: usize,
}

/// Remove the contents of `<script>`, `<style>` and comments longer than [`KEEP_COMMENT`] bytes
/// from `html`, keeping every tag (see the module documentation for the exact rules).
pub fn lean(html: &str) -> Lean<'_> {
    let mut s = Scan { src: html, b: html.as_bytes(), out: String::with_capacity(html.len()), copied: 0, emptied: 0, foreign: Vec::new() };
    s.run();
    if s.copied == 0 {
        return Lean { html: Cow::Borrowed(html), emptied: 0 };
    }
    s.out.push_str(&html[s.copied..]);
    Lean { html: Cow::Owned(s.out), emptied: s.emptied }
}

/// The tokenizer's white space (after CR/LF normalisation, CR is a line feed too).
fn is_ws(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// Start tags that take the parser out of foreign content (HTML's "breakout" list, `font`
/// included whatever its attributes) and the SVG/MathML integration points, whose children
/// are parsed as HTML.
const LEAVES_FOREIGN: &[&str] = &[
    "b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em", "embed", "h1", "h2",
    "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing", "menu", "meta", "nobr", "ol", "p", "pre",
    "ruby", "s", "small", "span", "strong", "strike", "sub", "sup", "table", "tt", "u", "ul", "var", "font",
    "foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext", "annotation-xml",
];

/// What the scan does after a tag.
enum Next {
    /// Go on at this byte.
    At(usize),
    /// Keep the rest of the document as it is.
    Stop,
}

struct Scan<'a> {
    src: &'a str,
    b: &'a [u8],
    out: String,
    /// Bytes of the input already in `out` (or deliberately left out of it).
    copied: usize,
    emptied: usize,
    /// Open `<svg>`/`<math>` elements: foreign content while not empty.
    foreign: Vec<&'static str>,
}

impl Scan<'_> {
    fn run(&mut self) {
        let mut i = 0;
        while let Some(p) = find_byte(self.b, i, b'<') {
            let next = match self.b.get(p + 1) {
                Some(b'!') => self.markup_declaration(p),
                Some(b'?') => past_gt(self.b, p + 2),
                Some(b'/') => self.end_tag(p),
                Some(c) if c.is_ascii_alphabetic() => self.start_tag(p),
                Some(_) => Next::At(p + 1),
                None => Next::Stop,
            };
            match next {
                Next::At(n) => i = n,
                Next::Stop => return,
            }
        }
    }

    /// Drop the input bytes `from..to` from the output.
    fn drop_range(&mut self, from: usize, to: usize) {
        if to > from {
            // `from` and `to` sit next to ASCII bytes ('>', '<', '-'), so both are char boundaries.
            self.out.push_str(&self.src[self.copied..from]);
            self.copied = to;
        }
    }

    /// `<!--…-->`, `<![CDATA[…]]>`, `<!DOCTYPE …>` and other `<!…>` at `p`.
    fn markup_declaration(&mut self, p: usize) -> Next {
        let b = self.b;
        if b[p..].starts_with(b"<!--") {
            let start = p + 4;
            let (content_end, after) = comment_end(b, start);
            if content_end - start > KEEP_COMMENT {
                self.drop_range(start, content_end);
            }
            return after.map_or(Next::Stop, Next::At);
        }
        if !self.foreign.is_empty() && b[p..].starts_with(b"<![CDATA[") {
            return Next::Stop;
        }
        past_gt(b, p + 2)
    }

    /// `</name …>` (or a bogus comment) at `p`.
    fn end_tag(&mut self, p: usize) -> Next {
        let b = self.b;
        match b.get(p + 2) {
            Some(c) if c.is_ascii_alphabetic() => {}
            Some(b'>') => return Next::At(p + 3),
            Some(_) => return past_gt(b, p + 2),
            None => return Next::Stop,
        }
        let (name, after_name) = tag_name(b, p + 2);
        let Some((end, _)) = tag_end(b, after_name, false) else { return Next::Stop };
        if !self.foreign.is_empty() {
            if name.eq_ignore_ascii_case(b"br") || name.eq_ignore_ascii_case(b"p") {
                return Next::Stop;
            }
            for root in ["svg", "math"] {
                if name.eq_ignore_ascii_case(root.as_bytes()) {
                    if let Some(k) = self.foreign.iter().rposition(|r| *r == root) {
                        self.foreign.truncate(k);
                    }
                }
            }
        }
        Next::At(end)
    }

    /// `<name …>` at `p`.
    fn start_tag(&mut self, p: usize) -> Next {
        let b = self.b;
        let (name, after_name) = tag_name(b, p + 1);
        let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        let Some((end, self_closing)) = tag_end(b, after_name, is("svg") || is("math")) else { return Next::Stop };
        if !self.foreign.is_empty() {
            if LEAVES_FOREIGN.iter().any(|n| is(n)) {
                return Next::Stop;
            }
        } else if is("script") {
            let close = script_end(b, end);
            self.empty(end, close);
            return Next::At(close);
        } else if is("style") {
            let close = raw_end(b, end, b"style");
            self.empty(end, close);
            return Next::At(close);
        } else if let Some(raw) = ["title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"]
            .into_iter()
            .find(|n| is(n))
        {
            return Next::At(raw_end(b, end, raw.as_bytes()));
        } else if is("plaintext") || is("frameset") {
            return Next::Stop;
        }
        if !self_closing {
            if is("svg") {
                self.foreign.push("svg");
            } else if is("math") {
                self.foreign.push("math");
            }
        }
        Next::At(end)
    }

    fn empty(&mut self, from: usize, to: usize) {
        if to > from {
            self.drop_range(from, to);
            self.emptied += 1;
        }
    }
}

fn find_byte(b: &[u8], from: usize, byte: u8) -> Option<usize> {
    memchr::memchr(byte, b.get(from..)?).map(|k| k + from)
}

/// Past the next `>` from `from` (a bogus comment or doctype), or stop at the end.
fn past_gt(b: &[u8], from: usize) -> Next {
    find_byte(b, from, b'>').map_or(Next::Stop, |k| Next::At(k + 1))
}

/// A tag name starting at `from`: up to white space, `/` or `>`.
fn tag_name(b: &[u8], from: usize) -> (&[u8], usize) {
    let end = b[from..].iter().position(|&c| is_ws(c) || c == b'/' || c == b'>').map_or(b.len(), |k| k + from);
    (&b[from..end], end)
}

/// The end of a tag whose name ends at `i`, following the tokenizer's attribute states:
/// the index after its `>` and whether it was self-closing (`/>`, only worked out when
/// `want_self_closing`, else `false`); `None` when the document ends inside the tag (the
/// tokenizer then drops it).
fn tag_end(b: &[u8], mut i: usize, want_self_closing: bool) -> Option<(usize, bool)> {
    // No quote before the first '>': no quoted value can hide it, so it ends the tag.
    if !want_self_closing {
        let k = memchr::memchr3(b'>', b'"', b'\'', b.get(i..)?)?;
        if b[i + k] == b'>' {
            return Some((i + k + 1, false));
        }
    }
    #[derive(Clone, Copy)]
    enum St {
        BeforeName,
        Name,
        AfterName,
        BeforeValue,
        Unquoted,
        AfterQuoted,
        SelfClosing,
    }
    // The tag name state hands over its delimiter to "before attribute name" (white space),
    // "self-closing" (`/`) or ends the tag (`>`), exactly as "before attribute name" does.
    let mut st = St::BeforeName;
    loop {
        let c = *b.get(i)?;
        match st {
            St::BeforeName => match c {
                c if is_ws(c) => i += 1,
                b'/' => {
                    st = St::SelfClosing;
                    i += 1;
                }
                b'>' => return Some((i + 1, false)),
                _ => {
                    // A leading '=' belongs to the attribute name.
                    st = St::Name;
                    i += 1;
                }
            },
            St::Name => match c {
                c if is_ws(c) => st = St::AfterName,
                b'/' => {
                    st = St::SelfClosing;
                    i += 1;
                }
                b'>' => return Some((i + 1, false)),
                b'=' => {
                    st = St::BeforeValue;
                    i += 1;
                }
                _ => i += 1,
            },
            St::AfterName => match c {
                c if is_ws(c) => i += 1,
                b'/' => {
                    st = St::SelfClosing;
                    i += 1;
                }
                b'=' => {
                    st = St::BeforeValue;
                    i += 1;
                }
                b'>' => return Some((i + 1, false)),
                _ => st = St::Name,
            },
            St::BeforeValue => match c {
                c if is_ws(c) => i += 1,
                b'"' | b'\'' => {
                    i = find_byte(b, i + 1, c)? + 1;
                    st = St::AfterQuoted;
                }
                b'>' => return Some((i + 1, false)),
                _ => st = St::Unquoted,
            },
            St::Unquoted => match c {
                c if is_ws(c) => st = St::BeforeName,
                b'>' => return Some((i + 1, false)),
                _ => i += 1,
            },
            St::AfterQuoted => match c {
                c if is_ws(c) => {
                    st = St::BeforeName;
                    i += 1;
                }
                b'/' => {
                    st = St::SelfClosing;
                    i += 1;
                }
                b'>' => return Some((i + 1, false)),
                _ => st = St::BeforeName,
            },
            St::SelfClosing => match c {
                b'>' => return Some((i + 1, true)),
                _ => st = St::BeforeName,
            },
        }
    }
}

/// Where the comment whose content starts at `start` (after `<!--`) ends: the end of its
/// content and the index after its `-->`/`--!>` (`None` when it runs to the end).
fn comment_end(b: &[u8], start: usize) -> (usize, Option<usize>) {
    // `<!-->` and `<!--->`: empty comments.
    if b.get(start) == Some(&b'>') {
        return (start, Some(start + 1));
    }
    if b.get(start..start + 2) == Some(b"->") {
        return (start, Some(start + 2));
    }
    let mut i = start;
    while let Some(d) = find_byte(b, i, b'-') {
        if b.get(d..d + 3) == Some(b"-->") {
            return (d, Some(d + 3));
        }
        if b.get(d..d + 4) == Some(b"--!>") {
            return (d, Some(d + 4));
        }
        i = d + 1;
    }
    (b.len(), None)
}

/// True when `</name` followed by white space, `/` or `>` starts at `p` (an "appropriate end
/// tag" of a raw text element).
fn is_end_tag(b: &[u8], p: usize, name: &[u8]) -> bool {
    let n = name.len();
    b.get(p..p + 2) == Some(b"</")
        && b.get(p + 2..p + 2 + n).is_some_and(|s| s.eq_ignore_ascii_case(name))
        && b.get(p + 2 + n).is_some_and(|&c| is_ws(c) || c == b'/' || c == b'>')
}

/// The start of the end tag closing a RAWTEXT/RCDATA element named `name` whose content
/// starts at `from`, or the end of the document.
fn raw_end(b: &[u8], from: usize, name: &[u8]) -> usize {
    let mut i = from;
    while let Some(p) = find_byte(b, i, b'<') {
        if is_end_tag(b, p, name) {
            return p;
        }
        i = p + 1;
    }
    b.len()
}

/// The length of the run of ASCII letters starting at `from`.
fn alpha_run(b: &[u8], from: usize) -> usize {
    b.get(from..).map_or(0, |s| s.iter().take_while(|c| c.is_ascii_alphabetic()).count())
}

/// The start of the `</script>` closing a script whose content starts at `from`, or the end of
/// the document: the tokenizer's script data, escaped and double escaped states.
fn script_end(b: &[u8], from: usize) -> usize {
    #[derive(PartialEq)]
    enum St {
        Data,
        Escaped,
        DoubleEscaped,
    }
    let mut st = St::Data;
    // Consecutive '-' just read in the escaped states (2 = "dash dash").
    let mut dashes = 0u8;
    let mut i = from;
    loop {
        if st == St::Data {
            let Some(p) = find_byte(b, i, b'<') else { return b.len() };
            if is_end_tag(b, p, b"script") {
                return p;
            }
            if b.get(p + 1..p + 4) == Some(b"!--") {
                st = St::Escaped;
                dashes = 2;
                i = p + 4;
            } else {
                i = p + 1;
            }
            continue;
        }
        // Only '-', '<' and '>' matter in the escaped states; any other byte resets the dashes.
        let Some(k) = memchr::memchr3(b'-', b'<', b'>', &b[i.min(b.len())..]) else { return b.len() };
        if k > 0 {
            dashes = 0;
            i += k;
        }
        let c = b[i];
        match c {
            b'-' => {
                dashes = (dashes + 1).min(2);
                i += 1;
            }
            b'>' => {
                if dashes == 2 {
                    st = St::Data;
                }
                dashes = 0;
                i += 1;
            }
            b'<' => {
                dashes = 0;
                let slash = b.get(i + 1) == Some(&b'/');
                if st == St::Escaped && slash && is_end_tag(b, i, b"script") {
                    return i;
                }
                // `<script` (escaped) or `</script` (double escaped) followed by a delimiter
                // switches between the two escaped states; the delimiter is consumed.
                let name_at = if slash { i + 2 } else { i + 1 };
                let run = alpha_run(b, name_at);
                let switches = (st == St::Escaped) != slash
                    && b[name_at..name_at + run].eq_ignore_ascii_case(b"script")
                    && b.get(name_at + run).is_some_and(|&d| is_ws(d) || d == b'/' || d == b'>');
                if switches {
                    st = if slash { St::Escaped } else { St::DoubleEscaped };
                    i = name_at + run + 1;
                } else {
                    i = name_at + run;
                }
            }
            _ => unreachable!("memchr3 found one of '-', '<', '>'"),
        }
    }
}
