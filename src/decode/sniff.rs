//! Finding declared charsets: the HTTP `Content-Type` parameter and `<meta>` tags in the first
//! 1024 bytes. Lenient about quotes, case and spaces, as real government pages need.

/// How far into the document a `<meta>` declaration is looked for (HTML's prescan limit).
pub const PRESCAN_BYTES: usize = 1024;

/// The `charset` parameter of a `Content-Type` value, unquoted and trimmed:
/// `text/html; Charset = "GBK"` → `Some("GBK")`.
pub fn charset_from_content_type(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        (!v.is_empty()).then(|| v.to_string())
    })
}

/// The charset declared by the first `<meta charset=…>` or
/// `<meta http-equiv="Content-Type" content="…; charset=…">` that starts in the first 1024 bytes.
/// Comments are skipped; attribute order, quoting (double, single, none), case and spaces around
/// `=` do not matter.
pub fn meta_charset(bytes: &[u8]) -> Option<String> {
    // A tag that starts inside the prescan window may end a little after it.
    let window = &bytes[..bytes.len().min(PRESCAN_BYTES + 512)];
    let lower: Vec<u8> = window.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut i = 0;
    while i < lower.len().min(PRESCAN_BYTES) {
        if lower[i..].starts_with(b"<!--") {
            i = find(&lower, i + 4, b"-->").map_or(lower.len(), |e| e + 3);
            continue;
        }
        if lower[i..].starts_with(b"<meta") && lower.get(i + 5).is_some_and(|b| b.is_ascii_whitespace() || *b == b'/') {
            let end = tag_end(window, i + 5);
            if let Some(cs) = charset_in_meta(&window[i + 5..end]) {
                return Some(cs);
            }
            i = end;
            continue;
        }
        i += 1;
    }
    None
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Index of the `>` closing a tag whose attributes start at `from` (quotes respected), or the end.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (k, &b) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return k,
            None => {}
        }
    }
    bytes.len()
}

/// The attributes of one tag as (lower-case name, raw value) pairs.
fn attributes(tag: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = tag.len();
    let skip_ws = |mut i: usize| {
        while i < n && (tag[i].is_ascii_whitespace() || tag[i] == b'/') {
            i += 1;
        }
        i
    };
    loop {
        i = skip_ws(i);
        if i >= n {
            break;
        }
        let start = i;
        while i < n && !tag[i].is_ascii_whitespace() && !matches!(tag[i], b'=' | b'/') {
            i += 1;
        }
        let name = String::from_utf8_lossy(&tag[start..i]).to_ascii_lowercase();
        let mut j = i;
        while j < n && tag[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = String::new();
        if j < n && tag[j] == b'=' {
            j += 1;
            while j < n && tag[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < n && (tag[j] == b'"' || tag[j] == b'\'') {
                let q = tag[j];
                let vs = j + 1;
                let ve = tag[vs..].iter().position(|&b| b == q).map_or(n, |p| p + vs);
                value = String::from_utf8_lossy(&tag[vs..ve]).into_owned();
                j = (ve + 1).min(n);
            } else {
                let vs = j;
                while j < n && !tag[j].is_ascii_whitespace() {
                    j += 1;
                }
                value = String::from_utf8_lossy(&tag[vs..j]).into_owned();
            }
            i = j;
        }
        if name.is_empty() {
            i += 1;
            continue;
        }
        out.push((name, value));
    }
    out
}

fn charset_in_meta(tag: &[u8]) -> Option<String> {
    let attrs = attributes(tag);
    let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim());
    if let Some(cs) = get("charset").filter(|v| !v.is_empty()) {
        return Some(cs.to_string());
    }
    let content = get("content")?;
    // http-equiv is what HTML requires; pages that drop it but keep a "…charset=" content are
    // common enough to accept when the content looks like a media type.
    let equiv = get("http-equiv").map(|v| v.eq_ignore_ascii_case("content-type"));
    if equiv == Some(false) || (equiv.is_none() && !content.contains('/')) {
        return None;
    }
    charset_in_content(content)
}

/// `text/html; charset = gb2312` → `gb2312` (the value may be quoted or followed by `;`).
fn charset_in_content(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = content[at + "charset".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest.find(|c: char| c == ';' || c == '"' || c == '\'' || c.is_whitespace()).unwrap_or(rest.len());
    let cs = &rest[..end];
    (!cs.is_empty()).then(|| cs.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_parameter() {
        assert_eq!(charset_from_content_type("text/html; charset=GBK").as_deref(), Some("GBK"));
        assert_eq!(charset_from_content_type("text/html;Charset = \"gb2312\"").as_deref(), Some("gb2312"));
        assert_eq!(charset_from_content_type("text/html").as_deref(), None);
        assert_eq!(charset_from_content_type("text/html; charset=").as_deref(), None);
    }

    #[test]
    fn meta_variants() {
        let cases: &[(&str, Option<&str>)] = &[
            (r#"<meta charset="gbk">"#, Some("gbk")),
            (r#"<META CHARSET='GB2312' />"#, Some("GB2312")),
            (r#"<meta charset=utf-8>"#, Some("utf-8")),
            (r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#, Some("gb2312")),
            (r#"<META content="text/html; charset = GBK" http-equiv=Content-Type>"#, Some("GBK")),
            (r#"<meta http-equiv = 'content-type' content = 'text/html;charset=gb18030'/>"#, Some("gb18030")),
            (r#"<meta content="text/html; charset=gbk">"#, Some("gbk")),
            (r#"<meta name="description" content="charset=gbk is mentioned">"#, None),
            (r#"<!-- <meta charset="big5"> --><meta charset="utf-8">"#, Some("utf-8")),
            (r#"<metadata charset="gbk">"#, None),
        ];
        for (html, want) in cases {
            assert_eq!(meta_charset(html.as_bytes()).as_deref(), *want, "{html}");
        }
    }

    #[test]
    fn meta_after_prescan_window_is_ignored() {
        let mut html = "<html><head>".to_string();
        html.push_str(&" ".repeat(PRESCAN_BYTES));
        html.push_str(r#"<meta charset="gbk">"#);
        assert_eq!(meta_charset(html.as_bytes()), None);
    }
}
