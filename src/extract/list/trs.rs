//! TRS WCM list paging: `createPageHTML(…)` (standard and site variants), `var countPage`,
//! `recordCount`/`prepage` declarations, a rule's `count_regex`; and the TRS list API of Fujian
//! sites (`list2.trsapi`, answered from `/fjdzapp/search` as JSON).

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::{collapse_ws, find_date, report_year, ListItem, ListPage, TrsApiParams};
use crate::crawl::url::resolve_document;
use crate::site::{ListRule, Pagination};

/// One argument of a `createPageHTML(...)` call.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    Num(u32),
    Str(String),
    Other,
}

static CREATE_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"createPageHTML\s*\(([^()]*)\)").expect("regex"));

fn split_args(s: &str) -> Vec<Arg> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for ch in s.chars().chain(std::iter::once(',')) {
        match (quote, ch) {
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                cur.push(ch);
            }
            (None, ',') => {
                let t = cur.trim();
                let arg = if let Ok(n) = t.parse::<u32>() {
                    Arg::Num(n)
                } else if t.len() >= 2 && (t.starts_with('"') && t.ends_with('"') || t.starts_with('\'') && t.ends_with('\'')) {
                    let inner = &t[1..t.len() - 1];
                    // Quoted numbers ('5') are numbers.
                    inner.trim().parse::<u32>().map(Arg::Num).unwrap_or_else(|_| Arg::Str(inner.to_string()))
                } else {
                    Arg::Other
                };
                args.push(arg);
                cur.clear();
            }
            (None, c) => cur.push(c),
        }
    }
    args
}

/// What a `createPageHTML` call says.
#[derive(Debug, Clone, PartialEq, Default)]
struct CreatePage {
    count: u32,
    current: Option<u32>,
    name: Option<(String, String)>,
    total: Option<u32>,
}

/// Read a call by name and position: the first two numbers that follow each other are the page
/// count and the 0-based current index, two strings after them the page name and extension, and
/// a number after those the record total. A leading string (a div id) is skipped. Calls whose
/// arguments are template placeholders (`${PAGE_COUNT}`) or parameter names are ignored.
fn parse_create_page(args: &[Arg]) -> Option<CreatePage> {
    let start = args.windows(2).position(|w| matches!(w, [Arg::Num(_), Arg::Num(_)]));
    let (count, current, rest) = match start {
        Some(i) => match (&args[i], &args[i + 1]) {
            (Arg::Num(c), Arg::Num(cur)) => (*c, Some(*cur), &args[i + 2..]),
            _ => unreachable!("matched above"),
        },
        None => match args.iter().position(|a| matches!(a, Arg::Num(_))) {
            Some(i) if args.len() == i + 1 || matches!(args.get(i + 1), Some(Arg::Str(_))) => match &args[i] {
                Arg::Num(c) => (*c, None, &args[i + 1..]),
                _ => unreachable!("matched above"),
            },
            _ => return None,
        },
    };
    let name = match rest {
        [Arg::Str(n), Arg::Str(e), ..] if !n.is_empty() && !e.is_empty() => Some((n.clone(), e.clone())),
        _ => None,
    };
    let total = match rest.get(2) {
        Some(Arg::Num(t)) if name.is_some() => Some(*t),
        _ => None,
    };
    Some(CreatePage { count, current, name, total })
}

fn first_number(text: &str, re: &Regex) -> Option<u32> {
    re.captures(text).and_then(|c| c[1].parse().ok())
}

static COUNT_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bvar\s+countPage\s*=\s*['"]?(\d+)"#).expect("regex"));
static CURRENT_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\bvar\s+currentPage\s*=\s*['"]?(\d+)"#).expect("regex"));
static RECORD_COUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\b(?:recordCount|totalRecord|totalCount)\s*[:=]\s*['"]?(\d+)"#).expect("regex"));
static PER_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\b(?:prepage|perpage|pageSize)\s*[:=]\s*['"]?(\d+)"#).expect("regex"));

fn div_ceil(total: u32, per: u32) -> Option<u32> {
    (per > 0).then(|| total.div_ceil(per).max(1))
}

/// Fill the page's count/current/total/per-page/name fields and TRS API parameters.
pub(super) fn read_paging(html: &str, page_url: &Url, rule: Option<&ListRule>, page: &mut ListPage) {
    let call = CREATE_PAGE
        .captures_iter(html)
        .find_map(|c| parse_create_page(&split_args(&c[1])));
    page.total_records = first_number(html, &RECORD_COUNT);
    page.per_page = first_number(html, &PER_PAGE);
    page.current_page = first_number(html, &CURRENT_PAGE);

    let mut count = None;
    if let Some(ListRule { pages: Pagination::Template { count_regex: Some(re), per_page, .. }, .. }) = rule {
        match re.captures(html).and_then(|c| c.get(1).or(c.get(0))).map(|m| m.as_str().trim().parse::<u32>()) {
            Some(Ok(n)) => match per_page.or(page.per_page) {
                // A record total over a page size …
                Some(per) if per_page.is_some() => {
                    page.total_records = Some(n);
                    page.per_page = Some(per);
                    count = div_ceil(n, per);
                }
                // … or the page count itself.
                _ => count = Some(n),
            },
            _ => page.warnings.push(format!("{page_url}: count_regex `{re}` found no number")),
        }
    }
    if let Some(c) = &call {
        count = count.or(Some(c.count));
        page.current_page = c.current.or(page.current_page);
        page.page_name = c.name.clone();
        page.total_records = page.total_records.or(c.total);
    }
    count = count
        .or_else(|| first_number(html, &COUNT_PAGE))
        .or_else(|| div_ceil(page.total_records?, page.per_page?));
    page.page_count = count;
    page.trs_api = api_params(html, page_url);
}

static SEARCH_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bsearchId\s*:\s*['\x22]?(\d+)").expect("regex"));
static LIST_ARGS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)\blistArgs\s*:\s*\{([^{}]*)\}").expect("regex"));
static ARG_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    // key: "a" || "b"   |   key: 'a'   |   key: SiteInfo.searchId   |   key: 123
    Regex::new(r#"(?s)([A-Za-z_]\w*)\s*:\s*((?:"[^"]*"|'[^']*')(?:\s*\|\|\s*(?:"[^"]*"|'[^']*'))*|[\w.]+)"#).expect("regex")
});
static MAX_STATIC: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\bmaxStaticIndex\s*:\s*(\d+)").expect("regex"));
static QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""([^"]*)"|'([^']*)'"#).expect("regex"));

/// The TRS list API arguments of a Fujian TRS page (`require(["list2.trsapi"…]) … listModel({
/// listArgs: {channelid: SiteInfo.searchId, classsql: "" || "chnlid=1813", sortfield: "…"},
/// pagebar: {prepage: 10, recordCount: '20'}, maxStaticIndex: 1 })`).
fn api_params(html: &str, page_url: &Url) -> Option<TrsApiParams> {
    if !html.contains("trsapi") {
        return None;
    }
    let body = LIST_ARGS.captures(html)?.get(1)?.as_str();
    let mut args = Vec::new();
    for c in ARG_PAIR.captures_iter(body) {
        let key = c[1].to_string();
        let raw = c[2].trim();
        let value = if raw.starts_with('"') || raw.starts_with('\'') {
            // `"" || "chnlid=1813"`: the first non-empty alternative, as JS evaluates it.
            QUOTED
                .captures_iter(raw)
                .filter_map(|q| q.get(1).or(q.get(2)).map(|m| m.as_str().to_string()))
                .find(|s| !s.is_empty())
                .unwrap_or_default()
        } else if raw.ends_with("searchId") {
            SEARCH_ID.captures(html).map(|s| s[1].to_string())?
        } else if raw.chars().all(|ch| ch.is_ascii_digit()) {
            raw.to_string()
        } else {
            continue; // an expression we cannot evaluate
        };
        args.push((key, value));
    }
    if !args.iter().any(|(k, _)| k.eq_ignore_ascii_case("channelid")) {
        return None;
    }
    let pagebar = html.find("pagebar").map(|i| &html[i..]).unwrap_or(html);
    Some(TrsApiParams {
        endpoint: page_url.join("/fjdzapp/search").ok(),
        args,
        per_page: first_number(pagebar, &PER_PAGE),
        record_count: first_number(pagebar, &RECORD_COUNT),
        max_static_index: first_number(html, &MAX_STATIC).unwrap_or(1),
    })
}

/// A JSON value as a string (numbers included).
fn json_str(v: &serde_json::Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match v.get(*k)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn json_u32(v: &serde_json::Value, keys: &[&str]) -> Option<u32> {
    json_str(v, keys).and_then(|s| s.trim().parse().ok())
}

/// `docreltime` as `YYYY-MM-DD`: a date string, or epoch milliseconds (China time).
fn api_date(v: &serde_json::Value) -> Option<String> {
    let raw = json_str(v, &["docreltime", "pubdate", "docpubtime", "publishTime"])?;
    if let Some(d) = find_date(&raw) {
        return Some(d);
    }
    let ms: i64 = raw.trim().parse().ok()?;
    let secs = if ms > 100_000_000_000 { ms / 1000 } else { ms };
    let offset = chrono::FixedOffset::east_opt(8 * 3600)?;
    let dt = chrono::DateTime::from_timestamp(secs, 0)?.with_timezone(&offset);
    Some(dt.format("%Y-%m-%d").to_string())
}

fn strip_tags(s: &str) -> String {
    static TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<[^>]*>").expect("regex"));
    let no_tags = TAG.replace_all(s, "");
    collapse_ws(&no_tags.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\""))
}

/// Items and counts of a TRS list API answer.
pub(super) fn parse_api_json(json: &str, base: &Url, page: &mut ListPage) -> Vec<ListItem> {
    let v: serde_json::Value = match serde_json::from_str(json.trim_start_matches('\u{feff}')) {
        Ok(v) => v,
        Err(e) => {
            page.warnings.push(format!("{base}: TRS API answer is not JSON: {e}"));
            return Vec::new();
        }
    };
    page.page_count = json_u32(&v, &["pageCount", "pagecount", "totalPage"]);
    page.total_records = json_u32(&v, &["recordCount", "total", "totalCount", "num"]);
    page.per_page = json_u32(&v, &["prepage", "perpage", "pageSize"]);
    page.current_page = json_u32(&v, &["page", "currentPage"]).map(|p| p.saturating_sub(1));
    let rows = ["data", "docs", "list"].iter().find_map(|k| v.get(*k)?.as_array());
    let Some(rows) = rows else {
        page.warnings.push(format!("{base}: TRS API answer has no data/docs array"));
        return Vec::new();
    };
    let mut out = Vec::new();
    for row in rows {
        let Some(url) = json_str(row, &["docpuburl", "chnldocurl", "url", "docurl"])
            .and_then(|h| resolve_document(base, &h, false))
        else {
            continue;
        };
        let title = json_str(row, &["doctitle", "title", "DOCTITLE"]).map(|t| strip_tags(&t)).unwrap_or_default();
        let year = report_year(&title);
        out.push(ListItem { url, title, date: api_date(row), year });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(s: &str) -> Option<CreatePage> {
        parse_create_page(&split_args(s))
    }

    #[test]
    fn create_page_variants() {
        let std = call(r#"5, 0, "index", "html""#).unwrap();
        assert_eq!((std.count, std.current, std.total), (5, Some(0), None));
        assert_eq!(std.name, Some(("index".into(), "html".into())));
        let div = call(r#"'page_div', 7, 2, 'index', 'shtml', 133"#).unwrap();
        assert_eq!((div.count, div.current, div.total), (7, Some(2), Some(133)));
        assert_eq!(div.name, Some(("index".into(), "shtml".into())));
        assert_eq!(call("_nPageCount, _nCurrIndex, _sPageName, _sPageExt"), None);
        assert_eq!(call("${PAGE_COUNT}, ${PAGE_INDEX}, \"${PAGE_NAME}\", \"${PAGE_EXT}\""), None);
        assert_eq!(call("'3', '1', 'index', 'htm'").unwrap().count, 3);
    }
}
