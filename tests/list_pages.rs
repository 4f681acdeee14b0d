//! List pages and pagination (`extract::list`) on real and synthetic fixtures.

use std::path::Path;

use nianbao::extract::list::{
    auto_page_urls, dedup_items, filter_since, page_urls, parse_dataproxy, parse_list, parse_response, parse_trs_api,
    Method, ResponseFormat,
};
use nianbao::site::{ListRule, Pagination, Sel};
use regex::Regex;
use scraper::Selector;
use url::Url;

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/list").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A `Sel` as the rule loader would build it: `css@attr`.
fn sel(s: &str) -> Sel {
    let (css, attr) = match s.rsplit_once('@') {
        Some((c, a)) => (c, Some(a.to_string())),
        None => (s, None),
    };
    Sel { css: Selector::parse(css).unwrap(), attr, source: s.to_string() }
}

fn rule(url: &str, items: &str, link: &str, pages: Pagination) -> ListRule {
    ListRule {
        url: Url::parse(url).unwrap(),
        items: sel(items),
        link: sel(link),
        title: None,
        date: None,
        pages,
        keep: None,
        skip: None,
        gbk_query: false,
    }
}

const PINGTAN: &str = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/";

fn pingtan_rule() -> ListRule {
    let mut r = rule(
        PINGTAN,
        "div.rules_tabs_01[ms-visible=showStatic] dl",
        "dd a",
        Pagination::Template {
            template: "index_{n}.html".into(),
            count_regex: Some(Regex::new(r"recordCount:\s*'(\d+)'").unwrap()),
            per_page: Some(10),
            max_pages: None,
        },
    );
    r.date = Some(sel("dd:nth-child(2)"));
    r.keep = Some(Regex::new("年度报告|年报").unwrap());
    r
}

#[test]
fn pingtan_real_list_with_rule() {
    let url = Url::parse(PINGTAN).unwrap();
    let page = parse_list(&fixture("../../../sites/pingtan/list-zfxxgknb.html"), &url, Some(&pingtan_rule()));
    assert_eq!(page.items.len(), 10, "{:#?}", page.items);
    let third = &page.items[2];
    assert_eq!(third.url.as_str(), "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm");
    assert_eq!(third.title, "平潭综合实验区2023年度政府信息公开工作年度报告");
    assert_eq!(third.date.as_deref(), Some("2024-03-08"));
    assert_eq!(third.year, Some(2023));
    assert_eq!(page.items[0].year, Some(2025));
    assert_eq!(page.items[9].date.as_deref(), Some("2017-01-18"));
    assert_eq!(page.total_records, Some(20));
    assert_eq!(page.per_page, Some(10));
    assert_eq!(page.page_count, Some(2));
    assert!(page.warnings.is_empty(), "{:?}", page.warnings);

    let api = page.trs_api.as_ref().expect("list2.trsapi arguments");
    assert_eq!(api.max_static_index, 1);
    assert_eq!(api.endpoint.as_ref().unwrap().as_str(), "https://www.pingtan.gov.cn/fjdzapp/search");
}

#[test]
fn pingtan_second_page_is_the_trs_api_post() {
    let url = Url::parse(PINGTAN).unwrap();
    let r = pingtan_rule();
    let first = parse_list(&fixture("../../../sites/pingtan/list-zfxxgknb.html"), &url, Some(&r));
    let reqs = page_urls(&r, &first, &url, None);
    assert_eq!(reqs.len(), 1, "{reqs:#?}");
    let req = &reqs[0];
    assert_eq!(req.method, Method::Post);
    assert_eq!(req.format, ResponseFormat::TrsJson);
    assert_eq!(req.url.as_str(), "https://www.pingtan.gov.cn/fjdzapp/search");
    assert_eq!(req.page, 1);
    let form: Vec<(&str, &str)> = req.form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        form,
        vec![
            ("channelid", "200210"), // SiteInfo.searchId
            ("classsql", "chnlid=1813"), // "" || "chnlid=1813"
            ("sortfield", "-docorderpri,-docreltime"),
            ("page", "2"),
            ("prepage", "10"),
        ]
    );
    assert!(req.headers.iter().any(|(k, v)| k == "Referer" && v == PINGTAN));

    // The answer: ten more documents, one of them not a report (dropped by `keep`).
    let second = parse_response(req, &fixture("pingtan_api_page2.json"), Some(&r));
    assert_eq!(second.items.len(), 9);
    assert_eq!(second.filtered_out, 1);
    assert_eq!(second.page_count, Some(2));
    assert_eq!(second.current_page, Some(1));
    let last = second.items.last().unwrap();
    assert_eq!(last.title, "平潭综合实验区2011年政府信息公开工作年度报告", "inline HTML stripped");
    assert_eq!(last.year, Some(2011));
    let epoch = second.items.iter().find(|i| i.url.as_str().ends_with("t20120410_80716.htm")).unwrap();
    assert_eq!(epoch.date.as_deref(), Some("2012-04-10"), "epoch milliseconds, China time");

    let all = dedup_items(first.items.iter().chain(&second.items).cloned().collect());
    assert_eq!(all.len(), 19);
    // --max-pages 1: nothing more.
    assert!(page_urls(&r, &first, &url, Some(1)).is_empty());
}

#[test]
fn pingtan_without_rule_generic_detector() {
    let url = Url::parse(PINGTAN).unwrap();
    let page = parse_list(&fixture("../../../sites/pingtan/list-zfxxgknb.html"), &url, None);
    let urls: Vec<&str> = page.items.iter().map(|i| i.url.path()).collect();
    assert_eq!(urls.len(), 10, "{urls:#?}");
    assert!(urls.iter().all(|p| p.starts_with("/zwgk/zfxxgk/zfxxgknb/20")));
    assert_eq!(page.items[2].date.as_deref(), Some("2024-03-08"));
    // No rule: the page's own API declaration still plans page 2.
    let reqs = auto_page_urls(&page, &url, None);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].format, ResponseFormat::TrsJson);
    assert!(reqs[0].form.contains(&("page".into(), "2".into())));
}

#[test]
fn template_pages_without_the_api() {
    // Same page without the list2.trsapi script: plain TRS static pages, 0-based.
    let html = fixture("../../../sites/pingtan/list-zfxxgknb.html").replace("list2.trsapi", "list2.static");
    let url = Url::parse(PINGTAN).unwrap();
    let mut r = pingtan_rule();
    r.pages = Pagination::Template {
        template: "index_{n}.html".into(),
        count_regex: Some(Regex::new(r"recordCount:\s*'(\d+)'").unwrap()),
        per_page: Some(5),
        max_pages: Some(3),
    };
    let first = parse_list(&html, &url, Some(&r));
    assert!(first.trs_api.is_none());
    assert_eq!(first.page_count, Some(4));
    let urls: Vec<String> = page_urls(&r, &first, &url, None).into_iter().map(|q| q.url.to_string()).collect();
    assert_eq!(urls, vec![format!("{PINGTAN}index_1.html"), format!("{PINGTAN}index_2.html")], "rule max_pages = 3");
    let urls: Vec<String> = page_urls(&r, &first, &url, Some(2)).into_iter().map(|q| q.url.to_string()).collect();
    assert_eq!(urls, vec![format!("{PINGTAN}index_1.html")], "--max-pages 2 is smaller");
}

fn trs_page(script: &str) -> String {
    format!(
        r#"<html><body><ul class="list">
        <li><a href="./202403/t20240308_87885.htm" title="某区2023年度政府信息公开工作年度报告">某区2023年度…</a><span>2024-03-08</span></li>
        <li><a href="./202302/t20230220_80629.html">某区2022年度政府信息公开工作年度报告</a><span>2023-02-20</span></li>
        </ul><script>{script}</script></body></html>"#
    )
}

#[test]
fn create_page_html_standard_call() {
    let url = Url::parse("https://www.example.gov.cn/xxgk/nb/index.html").unwrap();
    let page = parse_list(&trs_page(r#"createPageHTML(4, 0, "index", "shtml");"#), &url, None);
    assert_eq!(page.page_count, Some(4));
    assert_eq!(page.current_page, Some(0));
    assert_eq!(page.page_name, Some(("index".into(), "shtml".into())));
    assert_eq!(page.items.len(), 2);
    let urls: Vec<String> = auto_page_urls(&page, &url, None).into_iter().map(|q| q.url.to_string()).collect();
    assert_eq!(
        urls,
        ["index_1.shtml", "index_2.shtml", "index_3.shtml"]
            .map(|f| format!("https://www.example.gov.cn/xxgk/nb/{f}"))
            .to_vec()
    );
}

#[test]
fn create_page_html_site_variant_with_div_and_total() {
    // createPageHTML(_divName, _nPageCount, _nCurrIndex, _sPageName, _sPageExt, _nPageSum)
    let url = Url::parse("https://www.example.gov.cn/xxgk/nb/index_2.htm").unwrap();
    let page = parse_list(&trs_page("createPageHTML('page_div', 5, 2, 'index', 'htm', 93);"), &url, None);
    assert_eq!(page.page_count, Some(5), "the div name is not the count");
    assert_eq!(page.current_page, Some(2));
    assert_eq!(page.total_records, Some(93));
    let urls: Vec<String> = auto_page_urls(&page, &url, None).into_iter().map(|q| q.url.to_string()).collect();
    let expect: Vec<String> = ["index.htm", "index_1.htm", "index_3.htm", "index_4.htm"]
        .iter()
        .map(|f| format!("https://www.example.gov.cn/xxgk/nb/{f}"))
        .collect();
    assert_eq!(urls, expect, "page 0 is index.htm, the current page is skipped");
}

#[test]
fn count_page_variable_and_record_count() {
    let url = Url::parse("https://www.example.gov.cn/xxgk/nb/").unwrap();
    let page = parse_list(&trs_page("var currentPage = 0;//所在页从0开始\nvar countPage = 3//共多少页"), &url, None);
    assert_eq!(page.page_count, Some(3));
    let urls: Vec<String> = auto_page_urls(&page, &url, None).into_iter().map(|q| q.url.to_string()).collect();
    assert_eq!(urls, vec![format!("{url}index_1.html"), format!("{url}index_2.html")]);
    let with_next = format!("{}<a href=\"list_b.html\">下一页</a>", trs_page("var countPage = 3"));
    let page = parse_list(&with_next, &url, None);
    let urls: Vec<String> = auto_page_urls(&page, &url, None).into_iter().map(|q| q.url.to_string()).collect();
    assert_eq!(urls, vec![format!("{url}list_b.html")], "a next link beats a guessed file name");
    let page = parse_list(&trs_page("var pageConf = {recordCount:'41', perpage: 20};"), &url, None);
    assert_eq!((page.total_records, page.per_page, page.page_count), (Some(41), Some(20), Some(3)));
    // A rule's count_regex without per_page is a page count.
    let r = rule(
        url.as_str(),
        "ul.list li",
        "a",
        Pagination::Template {
            template: "index_{n}.html".into(),
            count_regex: Some(Regex::new(r"共(\d+)页").unwrap()),
            per_page: None,
            max_pages: None,
        },
    );
    let page = parse_list(&format!("{}<div>共7页</div>", trs_page("")), &url, Some(&r));
    assert_eq!(page.page_count, Some(7));
    let reqs = page_urls(&r, &page, &url, None);
    assert_eq!(reqs.len(), 6);
    assert_eq!(reqs[5].url.as_str(), "https://www.example.gov.cn/xxgk/nb/index_6.html");
}

const JSGZW: &str = "https://jsgzw.jiangsu.gov.cn/col/col61490/index.html";

#[test]
fn hanweb_column_inline_datastore_and_params() {
    let url = Url::parse(JSGZW).unwrap();
    let page = parse_list(&fixture("hanweb_column.html"), &url, None);
    let titles: Vec<&str> = page.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles.len(), 6, "{titles:#?}");
    assert_eq!(titles[0], "江苏省国资委2025年政府信息公开工作年度报告", "title attribute beats truncated text");
    assert_eq!(titles[2], "江苏省国资委2024年政府信息公开工作年度报告", "text when no title attribute");
    assert_eq!(page.items[0].url.as_str(), "https://jsgzw.jiangsu.gov.cn/art/2026/1/20/art_61490_11830001.html");
    assert_eq!(page.items[3].date.as_deref(), Some("2024-01-25"));
    assert_eq!(page.items[1].year, Some(2026));

    let h = page.hanweb.as_ref().expect("hanweb params");
    assert_eq!(h.column_id.as_deref(), Some("61490"));
    assert_eq!(h.unit_id.as_deref(), Some("247686"));
    assert_eq!(h.web_id.as_deref(), Some("39"));
    assert_eq!(h.total_records, Some(14));
    assert_eq!((h.per_page, h.group_size, h.inline_records), (Some(3), Some(2), 6));
    assert!(h.form.contains(&("webname".into(), "江苏省国资委".into())));
    assert!(h.form.contains(&("sourceContentType".into(), "1".into())));
}

#[test]
fn hanweb_dataproxy_windows_and_overlap() {
    let url = Url::parse(JSGZW).unwrap();
    let first = parse_list(&fixture("hanweb_column.html"), &url, None);
    let reqs = auto_page_urls(&first, &url, None);
    let urls: Vec<&str> = reqs.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls,
        vec![
            "https://jsgzw.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=7&endrecord=12&perpage=3",
            "https://jsgzw.jiangsu.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=13&endrecord=18&perpage=3",
        ]
    );
    assert!(reqs.iter().all(|r| r.method == Method::Post && r.format == ResponseFormat::HanwebXml));
    assert!(reqs[0].form.contains(&("columnid".into(), "61490".into())));
    assert!(reqs[0].headers.contains(&("Referer".into(), JSGZW.into())));

    let second = parse_response(&reqs[0], &fixture("hanweb_dataproxy_window2.xml"), None);
    assert_eq!(second.total_records, Some(14));
    assert_eq!(second.items.len(), 7);
    assert_eq!(second.items[0].url, first.items[5].url, "window 2 repeats window 1's last record");
    let merged = dedup_items(first.items.iter().chain(&second.items).cloned().collect());
    assert_eq!(merged.len(), 12);
    let since = filter_since(merged, 2020);
    assert_eq!(since.len(), 8, "{since:#?}");
}

#[test]
fn hanweb_rule_windows_nhsa_style() {
    // nhsa: 45 records per window, 15 per page; a rule fixes the ids.
    let url = Url::parse(JSGZW).unwrap();
    let html = fixture("hanweb_column.html").replace("totalRecord: 14", "totalRecord: 100");
    let mut r = rule(
        JSGZW,
        "li",
        "a",
        Pagination::Hanweb { column_id: Some("99999".into()), unit_id: None, window: 45, per_page: 15, max_pages: None },
    );
    r.keep = Some(Regex::new("年度报告").unwrap());
    let first = parse_list(&html, &url, Some(&r));
    assert_eq!(first.items.len(), 5, "{:#?}", first.items);
    assert_eq!(first.filtered_out, 3, "the 通知 and the two nav <li> links (首页, 信息公开) fail `keep`");
    let reqs = page_urls(&r, &first, &url, None);
    let queries: Vec<&str> = reqs.iter().map(|q| q.url.query().unwrap()).collect();
    assert_eq!(queries, vec!["startrecord=46&endrecord=90&perpage=15", "startrecord=91&endrecord=135&perpage=15"]);
    assert!(reqs[0].form.contains(&("columnid".into(), "99999".into())), "rule overrides the page");
    assert!(reqs[0].form.contains(&("unitid".into(), "247686".into())));
    assert_eq!(page_urls(&r, &first, &url, Some(2)).len(), 1);
}

#[test]
fn dataproxy_without_recordset() {
    let base = Url::parse("https://sd.msa.gov.cn/col/col3041/index.html").unwrap();
    let page = parse_dataproxy(&fixture("hanweb_dataproxy_no_recordset.xml"), &base, None);
    assert_eq!(page.items.len(), 2, "the /module/download/ link is not a document");
    assert_eq!(page.items[0].date.as_deref(), Some("2024-02-06"));
    assert_eq!(page.items[1].year, Some(2022));
    assert_eq!(page.total_records, Some(3));
    let empty = parse_dataproxy("<html>error</html>", &base, None);
    assert!(empty.items.is_empty());
    assert_eq!(empty.warnings.len(), 1);
}

#[test]
fn plain_list_with_next_link() {
    let url = Url::parse("http://www.example.gov.cn/xxgk/list.asp?page=2").unwrap();
    let page = parse_list(&fixture("next_link_list.html"), &url, None);
    let got: Vec<(&str, &str, Option<&str>)> =
        page.items.iter().map(|i| (i.url.as_str(), i.title.as_str(), i.date.as_deref())).collect();
    assert_eq!(
        got,
        vec![
            ("http://www.example.gov.cn/xxgk/show.asp?id=1088", "某县2025年政府信息公开工作年度报告", Some("2026-01-30")),
            ("http://www.example.gov.cn/xxgk/show.asp?id=1031", "某县2024年政府信息公开工作年度报告", Some("2025-01-27")),
            ("http://www.example.gov.cn/xxgk/show.asp?id=1002", "关于征集2025年民生实事项目的公告", Some("2024-12-02")),
        ]
    );
    assert_eq!(page.next, vec![Url::parse("http://www.example.gov.cn/xxgk/list.asp?page=3").unwrap()]);
    let reqs = auto_page_urls(&page, &url, None);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].url.as_str(), "http://www.example.gov.cn/xxgk/list.asp?page=3");
    assert_eq!(reqs[0].method, Method::Get);

    // NextLink rule with its own selector.
    let r = rule(
        url.as_str(),
        "table.list tr",
        "a",
        Pagination::NextLink { selector: sel("div.pager a:nth-of-type(3)"), max_pages: Some(10) },
    );
    let page = parse_list(&fixture("next_link_list.html"), &url, Some(&r));
    assert_eq!(page.next.len(), 1);
    assert_eq!(page.next[0].query(), Some("page=3"));
    assert_eq!(page_urls(&r, &page, &url, Some(1)).len(), 0);
    assert_eq!(page_urls(&r, &page, &url, None).len(), 1);
}

#[test]
fn keep_and_skip_filters() {
    let url = Url::parse("http://www.example.gov.cn/xxgk/list.asp").unwrap();
    let mut r = rule(url.as_str(), "table.list tr", "a", Pagination::None);
    r.keep = Some(Regex::new("年度报告").unwrap());
    r.skip = Some(Regex::new("2024年").unwrap());
    let page = parse_list(&fixture("next_link_list.html"), &url, Some(&r));
    let titles: Vec<&str> = page.items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, vec!["某县2025年政府信息公开工作年度报告"]);
    assert_eq!(page.filtered_out, 2);
}

#[test]
fn rule_title_and_date_selectors_with_attributes() {
    let html = r#"<div class="l">
      <div class="row" data-day="2024年3月8日"><a href="/a/1.html" title="短">链接文字</a><h4 data-full="某镇2023年度政府信息公开工作年度报告">某镇…</h4></div>
      <div class="row"><a href="/a/2.html" title="某镇2022年度政府信息公开工作年度报告">x</a><em>发布于 2023-02-01</em></div>
    </div>"#;
    let url = Url::parse("https://zf.example.gov.cn/xxgk/").unwrap();
    let mut r = rule(url.as_str(), "div.row", "a", Pagination::None);
    r.title = Some(sel("h4@data-full"));
    r.date = Some(sel("div.row@data-day"));
    let page = parse_list(html, &url, Some(&r));
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].title, "某镇2023年度政府信息公开工作年度报告");
    assert_eq!(page.items[0].date.as_deref(), Some("2024-03-08"));
    assert_eq!(page.items[1].title, "某镇2022年度政府信息公开工作年度报告", "falls back to the link title");
    assert_eq!(page.items[1].date.as_deref(), Some("2023-02-01"), "falls back to the item text");
}

#[test]
fn rule_items_without_links_are_reported() {
    // The header <dl> (dt only) and the avalon template <dl> (ms-attr-href, no href) match too.
    let url = Url::parse(PINGTAN).unwrap();
    let r = rule(PINGTAN, "div.rules_tabs_01 dl", "dd a", Pagination::None);
    let page = parse_list(&fixture("../../../sites/pingtan/list-zfxxgknb.html"), &url, Some(&r));
    assert_eq!(page.items.len(), 10);
    assert_eq!(page.warnings.len(), 1, "{:?}", page.warnings);
    assert!(page.warnings[0].contains("2 item(s)"), "{:?}", page.warnings);
}

#[test]
fn rule_that_matches_nothing_warns_and_falls_back() {
    let url = Url::parse(PINGTAN).unwrap();
    let r = rule(PINGTAN, "ul.news-list li", "a", Pagination::None);
    let page = parse_list(&fixture("../../../sites/pingtan/list-zfxxgknb.html"), &url, Some(&r));
    assert_eq!(page.items.len(), 10);
    assert!(page.warnings.iter().any(|w| w.contains("ul.news-list li") && w.contains(PINGTAN)), "{:?}", page.warnings);
}

#[test]
fn gkmlpt_and_generic_links() {
    let html = r#"<ul><li><a href="/gkmlpt/content/9/9103/post_9103540.html">某区2023年政府信息公开工作年度报告</a></li>
      <li><a href="/gkmlpt/index">目录</a></li></ul>"#;
    let url = Url::parse("http://www.szpsq.gov.cn/gkmlpt/index").unwrap();
    let page = parse_list(html, &url, None);
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].url.path(), "/gkmlpt/content/9/9103/post_9103540.html");
    assert_eq!(page.items[0].date, None, "no date in the text: none invented from the URL");
}

#[test]
fn gbk_query_links_on_gbk_lists() {
    let html = r#"<ul><li><a href="/was5/web/search?channelid=1&searchword=年报">2023年年报检索</a><span>2024-01-02</span></li></ul>"#;
    let url = Url::parse("http://www.gbk.gov.cn/xxgk/").unwrap();
    let mut r = rule(url.as_str(), "li", "a", Pagination::None);
    r.gbk_query = true;
    let page = parse_list(html, &url, Some(&r));
    let q = page.items[0].url.query().unwrap().to_string();
    let raw = q.split("searchword=").nth(1).unwrap();
    let bytes = percent_decode(raw);
    let (decoded, _, bad) = encoding_rs::GBK.decode(&bytes);
    assert!(!bad);
    assert_eq!(decoded, "年报");
    r.gbk_query = false;
    let page = parse_list(html, &url, Some(&r));
    assert!(page.items[0].url.query().unwrap().contains("%E5%B9%B4%E6%8A%A5"), "UTF-8 by default");
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn filter_since_uses_report_year_then_date() {
    let url = Url::parse(JSGZW).unwrap();
    let page = parse_dataproxy(&fixture("hanweb_dataproxy_window2.xml"), &url, None);
    // 2021, 2020, (通知 2020-12-09, no report year), 2019, 2018, 2017, 2016
    let kept: Vec<Option<i32>> = filter_since(page.items.clone(), 2020).iter().map(|i| i.year).collect();
    assert_eq!(kept, vec![Some(2021), Some(2020), None]);
    assert_eq!(filter_since(page.items, 2030).len(), 0);
}

#[test]
fn trs_api_answer_that_is_not_json() {
    let base = Url::parse("https://www.pingtan.gov.cn/fjdzapp/search").unwrap();
    let page = parse_trs_api("<html>412</html>", &base, None);
    assert!(page.items.is_empty());
    assert!(page.warnings[0].contains("not JSON"));
}

// ---- URL normalisation (crawl::url) ----

mod urls {
    use nianbao::crawl::url::{
        encode_query_gbk, form_encode_gbk, is_document_url, is_same_site, normalize, resolve, resolve_checked,
        resolve_document, Rejected,
    };
    use url::Url;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn normalize_cases() {
        let cases = [
            ("HTTP://WWW.Pingtan.GOV.CN:80/zwgk/./a/../ZFXXGKNB/index.html#top", "http://www.pingtan.gov.cn/zwgk/ZFXXGKNB/index.html"),
            ("https://www.x.gov.cn:443/a", "https://www.x.gov.cn/a"),
            ("https://www.x.gov.cn:8443/a", "https://www.x.gov.cn:8443/a"),
            ("http://www.x.gov.cn./a?", "http://www.x.gov.cn/a"),
            ("http://x.gov.cn/s?utm_source=wx&id=3&UTM_medium=a&spm=1.2", "http://x.gov.cn/s?id=3"),
            ("http://x.gov.cn/s?utm_source=wx", "http://x.gov.cn/s"),
            ("http://x.gov.cn/s?b=2&a=1", "http://x.gov.cn/s?b=2&a=1"),
            ("http://x.gov.cn/s?q=%C4%EA%B1%A8&utm_campaign=x", "http://x.gov.cn/s?q=%C4%EA%B1%A8"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(&u(input)).as_str(), want, "{input}");
        }
        let n = normalize(&u("http://x.gov.cn/a#b"));
        assert_eq!(normalize(&n), n, "idempotent");
    }

    #[test]
    fn resolve_relative_trs_links_against_the_list() {
        let list = u("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/");
        assert_eq!(
            resolve(&list, "./202403/t20240308_87885.htm").unwrap().as_str(),
            "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm"
        );
        let list_page = u("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/index_1.html");
        assert_eq!(
            resolve(&list_page, "../zfxxgkzn/202001/t20200101_1.htm").unwrap().as_str(),
            "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgkzn/202001/t20200101_1.htm"
        );
        assert_eq!(
            resolve(&list, " //www.fj.gov.cn/a.htm#x ").unwrap().as_str(),
            "https://www.fj.gov.cn/a.htm",
            "protocol-relative, trimmed, no fragment"
        );
    }

    #[test]
    fn reject_non_links() {
        let base = u("http://x.gov.cn/list/");
        assert_eq!(resolve_checked(&base, "javascript:void(0)"), Err(Rejected::Javascript));
        assert_eq!(resolve_checked(&base, " JavaScript:openWin('a')"), Err(Rejected::Javascript));
        assert_eq!(resolve_checked(&base, "mailto:a@x.gov.cn"), Err(Rejected::Scheme("mailto".into())));
        assert_eq!(resolve_checked(&base, "tel:12345"), Err(Rejected::Scheme("tel".into())));
        assert_eq!(resolve_checked(&base, "#"), Err(Rejected::Fragment));
        assert_eq!(resolve_checked(&base, "#top"), Err(Rejected::Fragment));
        assert_eq!(resolve_checked(&base, "  "), Err(Rejected::Empty));
        assert_eq!(resolve_checked(&base, "http://[::1"), Err(Rejected::Invalid));
    }

    #[test]
    fn mirrors_and_module_endpoints_are_not_documents() {
        let base = u("https://www.fujian.gov.cn/zwgk/");
        let big5 = "https://fujian.gov.cn:82/gate/big5/www.fujian.gov.cn/zwgk/zfxxgk/201912/t20191205_5145687.htm";
        assert!(resolve(&base, big5).is_some(), "a link all the same");
        assert!(resolve_document(&base, big5, false).is_none());
        assert!(resolve_document(&base, "/module/web/jpage/dataproxy.jsp?page=1", false).is_none());
        assert!(resolve_document(&base, "//www.fuyang.gov.cn//module/xxgk/search.jsp?area=", false).is_none());
        assert!(!is_document_url(&u("https://x.gov.cn/module/download/downfile.jsp?classid=0&filename=a.pdf")));
        assert!(is_document_url(&u("https://x.gov.cn/art/2024/1/2/art_1_2.html")));
    }

    #[test]
    fn same_site() {
        let domains = vec!["www.pingtan.gov.cn".to_string(), "*.fj.gov.cn".to_string()];
        assert!(is_same_site(&u("https://www.pingtan.gov.cn/a"), &domains));
        assert!(is_same_site(&u("https://WWW.PINGTAN.GOV.CN:8443/a"), &domains));
        assert!(is_same_site(&u("https://pingtan.gov.cn/a"), &domains), "www. optional");
        assert!(is_same_site(&u("https://fj.gov.cn/a"), &domains));
        assert!(is_same_site(&u("https://zfxxgk.fj.gov.cn/a"), &domains));
        assert!(!is_same_site(&u("https://zzb.pingtan.gov.cn/a"), &domains), "sibling subdomain of a www. host");
        assert!(!is_same_site(&u("https://www.pingtan.gov.cn.evil.com/a"), &domains));
        assert!(!is_same_site(&u("https://notpingtan.gov.cn/a"), &domains));
        assert!(!is_same_site(&u("https://www.121josh.com/zwgk/a"), &domains), "mirror domain");
    }

    #[test]
    fn gbk_query_encoding_uses_real_gb18030_bytes() {
        let base = u("http://was.ordos.gov.cn/was40/search?channelid=1");
        let url = encode_query_gbk(&base, &[("searchword", "年报"), ("page", "2")]);
        assert_eq!(url.as_str(), "http://was.ordos.gov.cn/was40/search?channelid=1&searchword=%C4%EA%B1%A8&page=2");
        // The escapes are exactly the encoder's bytes, and decode back with the GBK decoder.
        let (bytes, _, _) = encoding_rs::GB18030.encode("年报");
        let escaped: String = bytes.iter().map(|b| format!("%{b:02X}")).collect();
        assert!(url.query().unwrap().contains(&escaped));
        let (back, _, bad) = encoding_rs::GBK.decode(&bytes);
        assert_eq!((back.as_ref(), bad), ("年报", false));
        // Characters outside GB2312 (a rare name) and spaces.
        let url = encode_query_gbk(&u("http://x.gov.cn/s"), &[("q", "喆 2023")]);
        let (bytes, _, _) = encoding_rs::GB18030.encode("喆");
        let escaped: String = bytes.iter().map(|b| format!("%{b:02X}")).collect();
        assert_eq!(url.query().unwrap(), format!("q={escaped}+2023"));
        assert_eq!(form_encode_gbk(&[("a", "b&c")]), "a=b%26c");
    }
}
