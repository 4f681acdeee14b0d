//! The pre-pass that empties scripts, styles and long comments before parsing
//! (`nianbao::extract::lean`): the parsed tree must be the original's, element for element,
//! attribute for attribute, text for text, on every HTML fixture of the repository and on the
//! tokenizer's corner cases; and extraction must still see a script a rule points at.

use std::path::{Path, PathBuf};

use ego_tree::iter::Edge;
use nianbao::extract::lean::{lean, KEEP_COMMENT};
use nianbao::extract::{extract, Page};
use nianbao::site::{DetailRule, Sel};
use scraper::{Html, Node, Selector};

const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// One line per node: depth, kind, and what identifies it. Script and style text is left out
/// (that is what the pre-pass removes); a comment longer than `KEEP_COMMENT` bytes is shown as
/// `<!--…-->` (the pre-pass empties it), a shorter one in full.
fn shape(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut out = Vec::new();
    let mut depth = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                let line = match node.value() {
                    Node::Element(e) => {
                        let mut attrs: Vec<String> = e.attrs().map(|(k, v)| format!("{k}={v:?}")).collect();
                        attrs.sort();
                        format!("<{}:{} {}>", &*e.name.ns, e.name(), attrs.join(" "))
                    }
                    Node::Text(t) => {
                        let raw = node.parent().and_then(|p| p.value().as_element().map(|e| e.name.clone()));
                        let in_raw = raw.is_some_and(|n| &*n.ns == XHTML && matches!(&*n.local, "script" | "style"));
                        if in_raw {
                            String::new()
                        } else {
                            format!("text {:?}", &**t)
                        }
                    }
                    Node::Comment(c) if c.is_empty() || c.len() > KEEP_COMMENT => "<!--…-->".to_string(),
                    Node::Comment(c) => format!("<!--{}-->", &**c),
                    Node::Doctype(d) => format!("<!DOCTYPE {}>", d.name()),
                    Node::ProcessingInstruction(p) => format!("<?{}>", p.target),
                    Node::Document | Node::Fragment => "#document".to_string(),
                };
                if !line.is_empty() {
                    out.push(format!("{}{line}", " ".repeat(depth)));
                }
                depth += 1;
            }
            Edge::Close(_) => depth -= 1,
        }
    }
    out
}

/// The pre-pass leaves the parsed tree as it was; returns the lean HTML and the number of
/// script/style elements emptied.
fn check(html: &str) -> (String, usize) {
    let l = lean(html);
    let (before, after) = (shape(html), shape(&l.html));
    if before != after {
        let first = before.iter().zip(&after).position(|(a, b)| a != b).unwrap_or(before.len().min(after.len()));
        panic!(
            "tree changed at node {first}:\n  original: {:?}\n  lean:     {:?}\nlean html: {}",
            before.get(first),
            after.get(first),
            &l.html[..l.html.len().min(2000)]
        );
    }
    (l.html.into_owned(), l.emptied)
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            html_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "html" || e == "htm") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_parses_to_the_same_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    html_files(&root.join("sites"), &mut files);
    html_files(&root.join("tests/fixtures"), &mut files);
    assert!(files.len() >= 20, "fixtures found: {}", files.len());
    let (mut total, mut kept) = (0usize, 0usize);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = nianbao::decode::decode(&bytes, None, None).text;
        let l = lean(&text);
        total += text.len();
        kept += l.html.len();
        let before = shape(&text);
        assert!(before == shape(&l.html), "{}: the lean document parses to another tree", f.display());
    }
    // The pre-pass does something on the real pages: a third of their bytes or more go.
    assert!(kept * 3 < total * 2, "kept {kept} of {total} bytes");
}

#[test]
fn script_and_style_contents_go_tags_stay() {
    let (out, n) = check(
        "<html><head><style type=\"text/css\">.a { color: red } /* <p> */</style>\
         <script type=\"text/javascript\">var a = 1 < 2; if (a) { b(); }</script></head>\
         <body><p>正文</p><script src=\"x.js\"></script></body></html>",
    );
    assert_eq!(
        out,
        "<html><head><style type=\"text/css\"></style><script type=\"text/javascript\"></script></head>\
         <body><p>正文</p><script src=\"x.js\"></script></body></html>"
    );
    assert_eq!(n, 2, "the empty script is not counted");
}

#[test]
fn end_tag_inside_a_javascript_string_ends_the_script() {
    // HTML does not know JavaScript strings: the script ends at the first `</script>`, and
    // what follows is markup (a <p> element here), as in a browser.
    let html = "<body><script>var s = \"</script><p id=x>after</p>\";</script><p>b</p></body>";
    let (out, n) = check(html);
    assert_eq!(n, 1);
    assert!(out.contains("<script></script><p id=x>after</p>"), "{out}");
}

#[test]
fn escaped_script_inside_a_script_comment_does_not_end_it() {
    // `<!--` then `<script>` puts the tokenizer in the double escaped state: the inner
    // `</script>` does not end the outer script; `-->` and the next `</script>` do.
    let html = "<body><script><!--\ndocument.write(\"<script src='a.js'></script>\");\n//--></script><p>after</p></body>";
    let (out, n) = check(html);
    assert_eq!(out, "<body><script></script><p>after</p></body>");
    assert_eq!(n, 1);
    // Without the inner <script>, `</script>` inside the escaped text does end it.
    let (out, _) = check("<script><!-- var a = '</script>'; --></script><p>x</p>");
    assert!(out.starts_with("<script></script>'; --></script><p>x</p>"), "{out}");
    // `-->` before the inner `</script>` leaves the escape: that `</script>` ends it.
    let (out, _) = check("<script><!-- a --> <script> b </script><i>c</i>");
    assert_eq!(out, "<script></script><i>c</i>");
}

#[test]
fn tag_names_are_case_insensitive_and_need_a_delimiter() {
    let (out, n) = check("<SCRIPT LANGUAGE=JavaScript>a()</SCRIPT ><Style>p{}</STYLE\n><p>x</p>");
    assert_eq!(out, "<SCRIPT LANGUAGE=JavaScript></SCRIPT ><Style></STYLE\n><p>x</p>");
    assert_eq!(n, 2);
    // `</scripts>` and `</script` at the very end do not end a script.
    let (out, _) = check("<script>a</scripts><p>b</p></script/><i>c</i>");
    assert_eq!(out, "<script></script/><i>c</i>");
    let (out, _) = check("<script>a</script");
    assert_eq!(out, "<script>");
    // `<scripts>` is not a script.
    let (out, n) = check("<scripts>a</scripts>");
    assert_eq!((out.as_str(), n), ("<scripts>a</scripts>", 0));
}

#[test]
fn a_self_closing_script_still_opens_a_script() {
    let (out, _) = check("<script src=a.js /><p>inside</p></script><p>after</p>");
    assert_eq!(out, "<script src=a.js /></script><p>after</p>");
}

#[test]
fn end_tag_attributes_are_read_like_the_tokenizer() {
    let (out, _) = check("<script>a</script foo=\">\" bar>x<i>y</i>");
    assert_eq!(out, "<script></script foo=\">\" bar>x<i>y</i>");
}

#[test]
fn script_inside_comments_is_comment_text() {
    let long = "x".repeat(KEEP_COMMENT);
    let html = format!("<body><!-- <script>alert(1)</script> <p>not a tag</p> {long} --><p>after</p><script>z</script></body>");
    let (out, n) = check(&html);
    assert_eq!(out, "<body><!----><p>after</p><script></script></body>");
    assert_eq!(n, 1);
}

#[test]
fn short_comments_and_cms_markers_are_kept() {
    let html = "<div><!--ZJEG_RSS.content.begin--><meta name=\"ContentStart\"><p>正文</p><meta name=\"ContentEnd\"><!--ZJEG_RSS.content.end--></div>";
    let (out, _) = check(html);
    assert_eq!(out, html);
}

#[test]
fn comment_endings_follow_the_tokenizer() {
    let long = "y".repeat(KEEP_COMMENT + 1);
    for (html, want) in [
        (format!("<!-->{long}<p>a</p>"), format!("<!-->{long}<p>a</p>")),
        (format!("<!--->{long}<p>a</p>"), format!("<!--->{long}<p>a</p>")),
        (format!("<!--{long}--!><p>a</p>"), "<!----!><p>a</p>".to_string()),
        (format!("<!--{long}---><p>a</p>"), "<!----><p>a</p>".to_string()),
        (format!("<!--{long}-- ><p>-->a"), "<!---->a".to_string()),
        (format!("<p>a</p><!--{long}"), "<p>a</p><!--".to_string()),
    ] {
        assert_eq!(check(&html).0, want, "{html}");
    }
}

#[test]
fn markup_in_attribute_values_is_not_a_tag() {
    let html = "<a title=\"<script>\" href=x.pdf>a</a><div data-x='a>b<script>'>c</div><i x=<script>d</i><p>e</p>";
    let (out, n) = check(html);
    assert_eq!(out, html);
    assert_eq!(n, 0);
}

#[test]
fn text_elements_keep_their_contents() {
    for html in [
        "<title><script>x</script></title><p>a</p>",
        "<textarea><style>p{}</style></textarea><p>a</p>",
        "<noscript><script>x</script><p>a</p></noscript><p>b</p>",
        "<xmp><script>x</script></xmp>",
        "<iframe><style>p{}</style></iframe>",
        "<noframes><script>x</script></noframes>",
        "<noembed><script>x</script></noembed>",
        "<plaintext><script>x</script>",
    ] {
        let (out, n) = check(html);
        assert_eq!((out.as_str(), n), (html, 0), "{html}");
    }
}

#[test]
fn cdata_and_bogus_comments() {
    // In HTML, `<![CDATA[` is a bogus comment ending at the first `>`: the <script> after it
    // is a real one.
    let (out, n) = check("<p><![CDATA[ a ]]><script>x</script></p>");
    assert_eq!((out.as_str(), n), ("<p><![CDATA[ a ]]><script></script></p>", 1));
    // … which here is the `>` of `<script>`: no script at all.
    let html = "<p><![CDATA[ <script>x</script> ]]></p>";
    assert_eq!(check(html), (html.to_string(), 0));
    let (out, _) = check("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\"><?xml x?></ x><script>x</script>");
    assert_eq!(out, "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\"><?xml x?></ x><script></script>");
    // In foreign content CDATA is real: the pre-pass stops there.
    let html = "<svg><![CDATA[ <script> ]]></svg><script>x</script>";
    assert_eq!(check(html), (html.to_string(), 0));
}

#[test]
fn svg_and_math_contents_are_left_alone() {
    // In SVG, <style> and <script> are ordinary elements whose contents are markup.
    let (out, n) = check("<svg viewBox=\"0 0 1 1\"><style><g id=a/></style><script>1<rect/></script><path d=\"M0\"/></svg><script>big()</script>");
    assert_eq!(out, "<svg viewBox=\"0 0 1 1\"><style><g id=a/></style><script>1<rect/></script><path d=\"M0\"/></svg><script></script>");
    assert_eq!(n, 1);
    let (out, n) = check("<math><mrow><mn>1</mn></mrow></math><style>x</style>");
    assert_eq!((out.as_str(), n), ("<math><mrow><mn>1</mn></mrow></math><style>x</style>", 0), "integration point: stop");
    let (out, n) = check("<svg/><script>x</script>");
    assert_eq!((out.as_str(), n), ("<svg/><script></script>", 1), "a self-closing svg holds nothing");
    // `/` ending an unquoted value does not make the tag self-closing.
    let (out, n) = check("<svg x=/><style>a</style></svg><style>b</style>");
    assert_eq!((out.as_str(), n), ("<svg x=/><style>a</style></svg><style></style>", 1));
    // Nested svg: still foreign after the inner one closes.
    let (out, n) = check("<svg><svg></svg><style>a</style></svg><style>b</style>");
    assert_eq!((out.as_str(), n), ("<svg><svg></svg><style>a</style></svg><style></style>", 1));
    // An end tag that matches no open svg/math root does not leave foreign content.
    let html = "<math></svg><style>a</style></math>";
    assert_eq!(check(html), (html.to_string(), 0));
    // HTML elements inside svg take the parser out of it: stop.
    for html in [
        "<svg><p>a</p><script>x</script>",
        "<svg><foreignObject><style>a</style></foreignObject></svg><script>x</script>",
        "<svg><font color=red>a</font></svg><script>x</script>",
        "<svg></p><script>x</script>",
    ] {
        assert_eq!(check(html), (html.to_string(), 0), "{html}");
    }
}

#[test]
fn frameset_pages_and_truncated_tags_stop_the_pass() {
    let html = "<html><frameset><script>x</script><frame src=a></frameset></html>";
    assert_eq!(check(html), (html.to_string(), 0));
    let (out, n) = check("<script>a</script><p title=\"<script>b</script>");
    assert_eq!((out.as_str(), n), ("<script></script><p title=\"<script>b</script>", 1));
}

#[test]
fn unterminated_script_runs_to_the_end() {
    let (out, n) = check("<p>a</p><script>var x = '<p>b</p>';");
    assert_eq!((out.as_str(), n), ("<p>a</p><script>", 1));
}

fn sel(css: &str) -> Sel {
    Sel { css: Selector::parse(css).unwrap(), attr: None, source: css.to_string() }
}

#[test]
fn a_rule_that_reads_a_script_still_reads_its_text() {
    // A template keeps the report title in a script element; the rule points at it.
    let html = "<html><head><script id=\"t\" type=\"text/template\">2023年政府信息公开工作年度报告</script></head>\
                <body><div class=\"c\"><p>正文第一段正文第一段。</p></div></body></html>";
    let rule = DetailRule { title: vec![sel("#t")], content: vec![sel("div.c")], ..DetailRule::default() };
    let e = extract(&Page { html, url: "http://www.example.gov.cn/a.html", site: None }, Some(&rule));
    assert_eq!(e.title, "2023年政府信息公开工作年度报告");
    assert_eq!(e.report_year, Some(2023));
    assert_eq!(e.text, "正文第一段正文第一段。");
}
