//! List (column) pages: the documents a page links to, and how the list continues.
//!
//! Pure and synchronous like the rest of `extract`. One entry point per response shape:
//! [`parse_list`] for HTML column pages (TRS static lists, Hanweb column pages with an inline
//! `<datastore>`, plain lists), [`parse_dataproxy`] for Hanweb `dataproxy.jsp` XML answers and
//! [`parse_trs_api`] for the JSON answers of the TRS list API used by Fujian sites
//! (`/fjdzapp/search`). [`parse_response`] picks the right one for a [`PageRequest`].
//!
//! Pagination is planned by [`page_urls`] (with a rule) or [`auto_page_urls`] (without): it turns
//! what the first page revealed (page count, record total, Hanweb form, TRS API arguments, next
//! links) into the requests for the further pages.

mod hanweb;
mod items;
mod paging;
mod trs;

use url::Url;

use crate::site::ListRule;

pub use paging::{auto_page_urls, page_urls};

/// One document found on a list page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    /// Absolute, normalized (see [`crate::crawl::url::normalize`]).
    pub url: Url,
    /// Whitespace-collapsed title: the title selector, else the link's `title`, else its text.
    pub title: String,
    /// Display date of the item, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// The report year named in the title ("2023年度…报告" → 2023).
    pub year: Option<i32>,
}

/// The POST parameters of a Hanweb jcms column (`dataproxy.jsp`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HanwebParams {
    pub column_id: Option<String>,
    pub unit_id: Option<String>,
    pub web_id: Option<String>,
    /// `totalRecord:` in the page script or `<totalrecord>` in the datastore.
    pub total_records: Option<u32>,
    /// jpage `perPage` (records per displayed page).
    pub per_page: Option<u32>,
    /// jpage `groupSize` (displayed pages per dataproxy window).
    pub group_size: Option<u32>,
    /// Records inlined in the column page's own `<datastore>` (the first window).
    pub inline_records: u32,
    /// Path of the data proxy (`proxyUrl`, or the `nextgroup` link's path).
    pub proxy_path: Option<String>,
    /// The form body: the page's `param_NNN = {…}` object, else the `nextgroup` query (without
    /// `page`), else built from the ids found.
    pub form: Vec<(String, String)>,
}

/// The arguments of the TRS list API (`require(["list2.trsapi"]) … listModel({…})`), which Fujian
/// TRS sites use for every list page past the static ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrsApiParams {
    /// The search endpoint, `/fjdzapp/search` on the list's host.
    pub endpoint: Option<Url>,
    /// `listArgs` (channelid resolved from `SiteInfo.searchId`, classsql, sortfield, …).
    pub args: Vec<(String, String)>,
    /// `pagebar.prepage`.
    pub per_page: Option<u32>,
    /// `pagebar.recordCount`.
    pub record_count: Option<u32>,
    /// `maxStaticIndex`: pages with a 0-based index below it are static `index_N` files, the
    /// others come from the API. Default 1 (only the first page is static).
    pub max_static_index: u32,
}

/// Everything read from one list page (or one API/dataproxy answer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListPage {
    /// In page order, de-duplicated, after the rule's keep/skip filters.
    pub items: Vec<ListItem>,
    /// Number of pages of the list, when the page says so.
    pub page_count: Option<u32>,
    /// 0-based index of this page (`createPageHTML(count, current, …)`, `currentPage`).
    pub current_page: Option<u32>,
    pub total_records: Option<u32>,
    pub per_page: Option<u32>,
    /// TRS static page naming from `createPageHTML(…, "index", "html")`: (`index`, `html`).
    pub page_name: Option<(String, String)>,
    /// "下一页" / "下页" / `>` links (or the rule's next-link selector), absolute.
    pub next: Vec<Url>,
    pub hanweb: Option<HanwebParams>,
    pub trs_api: Option<TrsApiParams>,
    /// Items dropped by the rule's `keep`/`skip` title filters.
    pub filtered_out: usize,
    /// Things a rule author should know: selectors that matched nothing, unparsable scripts.
    pub warnings: Vec<String>,
}

/// HTTP method of a [`PageRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// What the answer to a [`PageRequest`] is, hence which parser reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseFormat {
    /// An HTML list page: [`parse_list`].
    Html,
    /// Hanweb `dataproxy.jsp` XML: [`parse_dataproxy`].
    HanwebXml,
    /// TRS list API JSON: [`parse_trs_api`].
    TrsJson,
}

/// One further page of a list to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub url: Url,
    pub method: Method,
    /// Form body for POST, to be sent `application/x-www-form-urlencoded` (UTF-8).
    pub form: Vec<(String, String)>,
    /// Extra headers (`Referer`, `X-Requested-With`, `Content-Type` for POST).
    pub headers: Vec<(String, String)>,
    pub format: ResponseFormat,
    /// 0-based index of the page (TRS/next-link) or of the window (Hanweb) this request fetches.
    pub page: u32,
}

/// Parse an HTML list page. With `rule`, its item/link/title/date selectors are used (falling
/// back to the generic detector, with a warning, when its item selector matches nothing);
/// without, links that look like documents are taken (TRS `./YYYYMM/tYYYYMMDD_N.htm`, Hanweb
/// `/art/Y/M/D/art_*`, gkmlpt `post_N.html`, any `<li>`/`<tr>`/`<dl>` holding one link and a
/// date). Hanweb `<datastore>` records and the page's pagination facts are read in both cases.
pub fn parse_list(html: &str, page_url: &Url, rule: Option<&ListRule>) -> ListPage {
    let mut page = ListPage::default();
    let gbk = rule.is_some_and(|r| r.gbk_query);
    let doc = scraper::Html::parse_document(html);

    let mut found = match rule {
        Some(r) => items::with_rule(&doc, page_url, r, &mut page.warnings),
        None => items::generic(&doc, page_url, gbk),
    };

    let store = hanweb::parse_datastores(html);
    for fragment in &store.records {
        found.extend(items::from_fragment(fragment, page_url, rule));
    }
    if let Some(r) = rule.filter(|_| found.is_empty() && store.records.is_empty()) {
        page.warnings.push(format!(
            "{page_url}: list rule items `{}` matched nothing; using the generic detector",
            r.items.source
        ));
        found = items::generic(&doc, page_url, gbk);
    }

    page.next = items::next_links(&doc, page_url, rule);
    trs::read_paging(html, page_url, rule, &mut page);
    page.hanweb = hanweb::params(html, page_url, &store);
    if let Some(h) = &page.hanweb {
        page.total_records = page.total_records.or(h.total_records);
        page.per_page = page.per_page.or(h.per_page);
    }
    finish(page, found, rule)
}

/// Parse a Hanweb `dataproxy.jsp` answer
/// (`<datastore><totalrecord>…<recordset><record><![CDATA[<li>…</li>]]></record>…`), with or
/// without `<recordset>`. `base` resolves the records' relative links (the column page URL or the
/// proxy URL).
pub fn parse_dataproxy(xml: &str, base: &Url, rule: Option<&ListRule>) -> ListPage {
    let mut page = ListPage::default();
    let store = hanweb::parse_datastores(xml);
    if store.blocks == 0 {
        page.warnings.push(format!("{base}: no <datastore> in the dataproxy answer"));
    }
    let mut found = Vec::new();
    for fragment in &store.records {
        found.extend(items::from_fragment(fragment, base, rule));
    }
    page.total_records = store.total_records;
    page.page_count = store.total_pages;
    finish(page, found, rule)
}

/// Parse a TRS list API answer (`{"pageCount":2,"data":[{"doctitle":…,"docpuburl":…,
/// "docreltime":…}]}`; `docs` instead of `data` and `chnldocurl` instead of `docpuburl` also seen).
pub fn parse_trs_api(json: &str, base: &Url, rule: Option<&ListRule>) -> ListPage {
    let mut page = ListPage::default();
    let found = trs::parse_api_json(json, base, &mut page);
    finish(page, found, rule)
}

/// Parse the answer to `req` with the parser its [`ResponseFormat`] calls for.
pub fn parse_response(req: &PageRequest, body: &str, rule: Option<&ListRule>) -> ListPage {
    match req.format {
        ResponseFormat::Html => parse_list(body, &req.url, rule),
        ResponseFormat::HanwebXml => {
            let base = req
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("referer"))
                .and_then(|(_, v)| Url::parse(v).ok())
                .unwrap_or_else(|| req.url.clone());
            parse_dataproxy(body, &base, rule)
        }
        ResponseFormat::TrsJson => parse_trs_api(body, &req.url, rule),
    }
}

/// De-duplicate, apply the rule's filters, store.
fn finish(mut page: ListPage, found: Vec<ListItem>, rule: Option<&ListRule>) -> ListPage {
    let found = dedup_items(found);
    let before = found.len();
    page.items = match rule {
        Some(r) => found
            .into_iter()
            .filter(|it| r.keep.as_ref().is_none_or(|k| k.is_match(&it.title)))
            .filter(|it| r.skip.as_ref().is_none_or(|s| !s.is_match(&it.title)))
            .collect(),
        None => found,
    };
    page.filtered_out = before - page.items.len();
    page
}

/// Remove items whose URL was already seen (first occurrence wins; a missing date or year is
/// filled from a later duplicate). Hanweb windows after the first repeat the previous window's
/// last record, and static + API pages can overlap: merge all pages' items through this.
pub fn dedup_items(items: Vec<ListItem>) -> Vec<ListItem> {
    let mut out: Vec<ListItem> = Vec::with_capacity(items.len());
    let mut index = std::collections::HashMap::new();
    for it in items {
        match index.get(it.url.as_str()) {
            Some(&i) => {
                let kept: &mut ListItem = &mut out[i];
                if kept.date.is_none() {
                    kept.date = it.date;
                }
                if kept.year.is_none() {
                    kept.year = it.year;
                }
                if kept.title.is_empty() {
                    kept.title = it.title;
                }
            }
            None => {
                index.insert(it.url.as_str().to_string(), out.len());
                out.push(it);
            }
        }
    }
    out
}

/// Keep the items that can concern `since_year` or later: report year ≥ `since_year`; without a
/// report year, display date's year ≥ `since_year` (a year-N report appears in N+1, so this keeps
/// a little too much, never too little); with neither, the item is kept.
pub fn filter_since(items: Vec<ListItem>, since_year: i32) -> Vec<ListItem> {
    items
        .into_iter()
        .filter(|it| match (it.year, &it.date) {
            (Some(y), _) => y >= since_year,
            (None, Some(d)) => d.get(..4).and_then(|y| y.parse::<i32>().ok()).is_none_or(|y| y >= since_year),
            (None, None) => true,
        })
        .collect()
}

/// The first date in `text` as `YYYY-MM-DD`: `2024-03-08`, `2024/3/8`, `2024.03.08`,
/// `2024年3月8日`. Invalid calendar dates are skipped.
pub fn find_date(text: &str) -> Option<String> {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?:^|[^\d])(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|\.(\d{1,2})\.(\d{1,2})|\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日)(?:[^\d]|$)",
        )
        .expect("date regex")
    });
    RE.captures_iter(text).find_map(|c| {
        let y: i32 = c[1].parse().ok()?;
        let (m, d) = (2..=8)
            .step_by(2)
            .find_map(|i| Some((c.get(i)?.as_str(), c.get(i + 1)?.as_str())))?;
        let date = chrono::NaiveDate::from_ymd_opt(y, m.parse().ok()?, d.parse().ok()?)?;
        (1990..=2100).contains(&y).then(|| date.format("%Y-%m-%d").to_string())
    })
}

/// The report year named in a title: the year before `年度`, else the first `YYYY年` that does
/// not start a full date, else any `YYYY年`. Years outside 1990–2100 are ignored.
pub fn report_year(title: &str) -> Option<i32> {
    static RES: std::sync::LazyLock<[regex::Regex; 3]> = std::sync::LazyLock::new(|| {
        [
            regex::Regex::new(r"(\d{4})\s*年度").expect("year regex"),
            regex::Regex::new(r"(\d{4})\s*年(\s*\d{1,2}\s*月)?").expect("year regex"),
            regex::Regex::new(r"(\d{4})\s*年").expect("year regex"),
        ]
    });
    let valid = |s: &str| s.parse::<i32>().ok().filter(|y| (1990..=2100).contains(y));
    if let Some(y) = RES[0].captures_iter(title).find_map(|c| valid(&c[1])) {
        return Some(y);
    }
    if let Some(y) = RES[1].captures_iter(title).filter(|c| c.get(2).is_none()).find_map(|c| valid(&c[1])) {
        return Some(y);
    }
    RES[2].captures_iter(title).find_map(|c| valid(&c[1]))
}

/// Collapse runs of whitespace (incl. U+3000 and NBSP) to one space and trim.
pub(crate) fn collapse_ws(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_all_shapes() {
        assert_eq!(find_date("  2024-03-08 ").as_deref(), Some("2024-03-08"));
        assert_eq!(find_date("[2024/3/8]").as_deref(), Some("2024-03-08"));
        assert_eq!(find_date("发布：2024.03.08").as_deref(), Some("2024-03-08"));
        assert_eq!(find_date("2024年3月8日").as_deref(), Some("2024-03-08"));
        assert_eq!(find_date("2024-02-30 then 2024-02-29").as_deref(), Some("2024-02-29"));
        assert_eq!(find_date("t20240308_87885"), None);
        assert_eq!(find_date("12024-03-08"), None);
    }

    #[test]
    fn report_year_prefers_niandu() {
        assert_eq!(report_year("平潭综合实验区2023年度政府信息公开工作年度报告"), Some(2023));
        assert_eq!(report_year("2024年3月发布的2023年度报告"), Some(2023));
        assert_eq!(report_year("2024年3月8日关于2023年政府信息公开工作的报告"), Some(2023));
        assert_eq!(report_year("关于2014年政府信息公开工作要点落实情况的函"), Some(2014));
        assert_eq!(report_year("政府信息公开指南"), None);
    }

    #[test]
    fn dedup_keeps_first_and_fills_missing_fields() {
        let url = Url::parse("https://x.gov.cn/art/2024/1/2/art_1_2.html").unwrap();
        let a = ListItem { url: url.clone(), title: "甲".into(), date: None, year: None };
        let b = ListItem { url, title: "乙".into(), date: Some("2024-01-02".into()), year: Some(2023) };
        let out = dedup_items(vec![a, b]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].title, "甲");
        assert_eq!(out[0].date.as_deref(), Some("2024-01-02"));
        assert_eq!(out[0].year, Some(2023));
    }

    #[test]
    fn collapse_handles_fullwidth_space() {
        assert_eq!(collapse_ws(" a\u{3000}\u{a0} b\n"), "a b");
    }
}
