//! Hanweb jcms: the `<datastore>` XML (inline in column pages, or answered by `dataproxy.jsp`) and
//! the column's dataproxy parameters.
//!
//! Shapes (SITES-RESEARCH §1.2):
//! ```text
//! <script type="text/xml"><datastore>
//!   <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=1&columnid=…&unitid=…"></a>]]></nextgroup>
//!   <recordset><record><![CDATA[<li><a href='/art/2026/9/11/art_33718_11828204.html'>…</a><span>2026-09-11</span></li>]]></record>…</recordset>
//! </datastore></script>
//! var param_212860 = {col:1, appid:1, webid:39, path:'/', columnid:61490, unitid:'247686', …};
//! $('#212860').jpage({ perPage:15, totalRecord:1058, groupSize:3, proxyUrl:'/module/web/jpage/dataproxy.jsp', … });
//! ```

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::HanwebParams;

/// What the `<datastore>` blocks of a document hold.
#[derive(Debug, Default)]
pub(super) struct Datastore {
    /// Number of `<datastore>` blocks found.
    pub blocks: usize,
    /// The CDATA (or escaped) HTML of every `<record>`, in order.
    pub records: Vec<String>,
    pub total_records: Option<u32>,
    pub total_pages: Option<u32>,
    /// The `href` inside `<nextgroup>`.
    pub nextgroup: Option<String>,
}

static DATASTORE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<datastore\b[^>]*>(.*?)(?:</datastore>|$)").expect("regex"));
static RECORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<record\b[^>]*>(.*?)</record>").expect("regex"));
static TOTALRECORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<totalrecord>\s*(\d+)\s*</totalrecord>").expect("regex"));
static TOTALPAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<totalpage>\s*(\d+)\s*</totalpage>").expect("regex"));
static NEXTGROUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<nextgroup>(.*?)</nextgroup>").expect("regex"));
static HREF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?is)href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"#).expect("regex"));

/// The content of a CDATA section, or the element text with XML entities decoded.
fn cdata_or_text(s: &str) -> String {
    let t = s.trim();
    if let Some(inner) = t.strip_prefix("<![CDATA[") {
        return inner.strip_suffix("]]>").unwrap_or(inner).to_string();
    }
    t.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// Read every `<datastore>` in `text` (an HTML page or a dataproxy answer).
pub(super) fn parse_datastores(text: &str) -> Datastore {
    let mut ds = Datastore::default();
    for block in DATASTORE.captures_iter(text) {
        ds.blocks += 1;
        let body = &block[1];
        for rec in RECORD.captures_iter(body) {
            let html = cdata_or_text(&rec[1]);
            if !html.trim().is_empty() {
                ds.records.push(html);
            }
        }
        if ds.total_records.is_none() {
            ds.total_records = TOTALRECORD.captures(body).and_then(|c| c[1].parse().ok());
        }
        if ds.total_pages.is_none() {
            ds.total_pages = TOTALPAGE.captures(body).and_then(|c| c[1].parse().ok());
        }
        if ds.nextgroup.is_none() {
            ds.nextgroup = NEXTGROUP.captures(body).and_then(|c| {
                let inner = cdata_or_text(&c[1]);
                HREF.captures(&inner)
                    .and_then(|h| h.get(1).or(h.get(2)).or(h.get(3)).map(|m| m.as_str().replace("&amp;", "&")))
            });
        }
    }
    ds
}

static PARAM_OBJ: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)\bparam_\d+\s*=\s*\{([^{}]*)\}").expect("regex"));
static JS_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)['"]?([A-Za-z_][\w]*)['"]?\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,}\s]+))"#).expect("regex")
});
static JPAGEFORM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"jpageform_(\d+)").expect("regex"));

fn script_number(text: &str, names: &str) -> Option<u32> {
    let re = Regex::new(&format!(r#"(?i)\b(?:{names})\s*[:=]\s*['"]?(\d+)"#)).ok()?;
    re.captures(text).and_then(|c| c[1].parse().ok())
}

fn script_id(text: &str, name: &str) -> Option<String> {
    let re = Regex::new(&format!(r#"(?i)\b{name}\s*(?:=|:)\s*['"]?(\d+)"#)).ok()?;
    re.captures(text).map(|c| c[1].to_string())
}

/// Parse a JS object literal's flat `key: value` pairs.
fn js_object_pairs(body: &str) -> Vec<(String, String)> {
    JS_PAIR
        .captures_iter(body)
        .map(|c| {
            let v = c.get(2).or(c.get(3)).or(c.get(4)).map(|m| m.as_str()).unwrap_or("");
            (c[1].to_string(), v.to_string())
        })
        .collect()
}

fn set_pair(form: &mut Vec<(String, String)>, key: &str, value: &str) {
    match form.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
        Some(pair) => pair.1 = value.to_string(),
        None => form.push((key.to_string(), value.to_string())),
    }
}

fn form_get<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
}

/// The column's dataproxy parameters, when the page is a Hanweb column page (a `<datastore>`, a
/// `param_NNN` object, a `jpageform_`, or a `dataproxy.jsp` mention). `None` otherwise.
pub(super) fn params(html: &str, page_url: &Url, store: &Datastore) -> Option<HanwebParams> {
    let param_obj = PARAM_OBJ.captures(html).map(|c| js_object_pairs(&c[1]));
    let is_hanweb = store.blocks > 0
        || param_obj.is_some()
        || html.contains("jpageform_")
        || html.contains("dataproxy.jsp");
    if !is_hanweb {
        return None;
    }
    let mut h = HanwebParams {
        total_records: store.total_records.or_else(|| script_number(html, "totalRecord")),
        per_page: script_number(html, "perPage"),
        group_size: script_number(html, "groupSize"),
        inline_records: store.records.len() as u32,
        ..HanwebParams::default()
    };

    let next_url = store.nextgroup.as_deref().and_then(|n| page_url.join(n).ok());
    h.proxy_path = Regex::new(r#"proxyUrl\s*:\s*['"]([^'"]+)['"]"#)
        .ok()
        .and_then(|re| re.captures(html).map(|c| c[1].to_string()))
        .or_else(|| next_url.as_ref().map(|u| u.path().to_string()));

    // The form body: param_ object, else the nextgroup query, else ids.
    if let Some(pairs) = param_obj {
        h.form = pairs;
    } else if let Some(u) = &next_url {
        h.form = u.query_pairs().filter(|(k, _)| k != "page").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    }

    h.column_id = form_get(&h.form, "columnid")
        .map(str::to_string)
        .or_else(|| script_id(html, "columnid"))
        .or_else(|| Regex::new(r"/col/col(\d+)/").ok()?.captures(page_url.path()).map(|c| c[1].to_string()));
    h.unit_id = form_get(&h.form, "unitid")
        .map(str::to_string)
        .or_else(|| JPAGEFORM.captures(html).map(|c| c[1].to_string()))
        .or_else(|| script_id(html, "unitid"));
    h.web_id = form_get(&h.form, "webid").map(str::to_string).or_else(|| script_id(html, "webid"));

    if h.form.is_empty() {
        h.form = vec![("col".into(), "1".into()), ("appid".into(), "1".into())];
        if let Some(w) = &h.web_id {
            h.form.push(("webid".into(), w.clone()));
        }
        h.form.push(("path".into(), "/".into()));
        if let Some(c) = &h.column_id {
            h.form.push(("columnid".into(), c.clone()));
        }
        if let Some(u) = &h.unit_id {
            h.form.push(("unitid".into(), u.clone()));
        }
        h.form.push(("permissiontype".into(), "0".into()));
    }
    Some(h)
}

/// `form` with `columnid`/`unitid` set to the rule's values where it gives them.
pub(super) fn form_with_overrides(h: &HanwebParams, column_id: Option<&str>, unit_id: Option<&str>) -> Vec<(String, String)> {
    let mut form = h.form.clone();
    if let Some(c) = column_id.or(h.column_id.as_deref()) {
        set_pair(&mut form, "columnid", c);
    }
    if let Some(u) = unit_id.or(h.unit_id.as_deref()) {
        set_pair(&mut form, "unitid", u);
    }
    form
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_object_values_quoted_and_bare() {
        let pairs = js_object_pairs("col:1, webname:'江苏省国资委', path:\"/\", unitid:'247686'");
        assert_eq!(
            pairs,
            vec![
                ("col".to_string(), "1".to_string()),
                ("webname".to_string(), "江苏省国资委".to_string()),
                ("path".to_string(), "/".to_string()),
                ("unitid".to_string(), "247686".to_string()),
            ]
        );
    }

    #[test]
    fn escaped_records_are_unescaped() {
        let ds = parse_datastores("<datastore><record>&lt;li&gt;&lt;a href=\"/x\"&gt;t&lt;/a&gt;&lt;/li&gt;</record></datastore>");
        assert_eq!(ds.records, vec!["<li><a href=\"/x\">t</a></li>".to_string()]);
    }
}
