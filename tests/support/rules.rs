//! Site rules (`nianbao::site::Site`) matching the mock sites, built in code so that fetch and
//! crawl tests don't depend on the rule-file loader.

use std::path::PathBuf;

use nianbao::site::{DetailRule, ListRule, Pagination, Rate, RobotsPolicy, Sel, Site};
use regex::Regex;
use scraper::Selector;

use super::content::{SiteContent, Style};
use super::mock_site::MockServer;

/// A selector with an optional `@attr`.
pub fn sel(text: &str) -> Sel {
    let (css, attr) = match text.rsplit_once('@') {
        Some((c, a)) => (c, Some(a.to_string())),
        None => (text, None),
    };
    Sel { css: Selector::parse(css).expect("valid test selector"), attr, source: text.to_string() }
}

impl MockServer {
    /// The rule for site `i`: its host, the builder's rate and concurrency, a list rule for its
    /// style and detail selectors for its CMS.
    pub fn rule(&self, i: usize) -> Site {
        let s: &SiteContent = self.site(i);
        site_rule(s, &self.url(i, &s.list_path()), self.rate(), self.concurrency())
    }
}

/// Build the rule for one generated site.
pub fn site_rule(s: &SiteContent, list_url: &str, rate: Rate, concurrency: usize) -> Site {
    let (items, link, date, pages) = match s.style {
        Style::Trs => (
            "ul.list li",
            "a@href",
            "span.date",
            Pagination::Template {
                template: "index_{n}.html".into(),
                count_regex: Some(Regex::new(r"createPageHTML\((\d+)").unwrap()),
                per_page: None,
                max_pages: None,
            },
        ),
        Style::Hanweb => (
            "li",
            "a@href",
            "span",
            Pagination::Hanweb {
                column_id: Some((10_000 + s.index).to_string()),
                unit_id: Some((200_000 + s.index).to_string()),
                window: s.hanweb_window_size() as u32,
                per_page: s.per_page as u32,
                max_pages: None,
            },
        ),
        Style::NextLink => (
            "div.news-list li",
            "a@href",
            "span",
            Pagination::NextLink { selector: sel("a.next@href"), max_pages: None },
        ),
    };
    let content = match s.style {
        Style::Trs => ".TRS_Editor",
        Style::Hanweb => "#zoom",
        Style::NextLink => ".article-content",
    };
    Site {
        name: s.name.clone(),
        title: s.title.clone(),
        domains: vec![s.host.clone()],
        rate,
        concurrency,
        schedule: None,
        timezone: "Asia/Shanghai".into(),
        window: None,
        encoding: None,
        extends: None,
        lists: vec![ListRule {
            url: url::Url::parse(list_url).expect("mock list URL"),
            items: sel(items),
            link: sel(link),
            title: Some(sel("a@title")),
            date: Some(sel(date)),
            pages,
            keep: Some(Regex::new("年度报告|年报").unwrap()),
            skip: None,
            gbk_query: false,
        }],
        detail: DetailRule {
            title: vec![sel("meta[name=ArticleTitle]@content"), sel("h1")],
            content: vec![sel(content)],
            published_at: vec![sel("meta[name=PubDate]@content")],
            publisher: vec![sel("meta[name=ContentSource]@content")],
            metadata: vec![sel("table.xxgk_table")],
            drop: vec![],
            chrome: vec![],
            attachments: vec![sel("a[appendix=true]@href")],
        },
        robots: RobotsPolicy::Obey,
        proxy: None,
        legacy_tls: false,
        tls_ca: None,
        path: PathBuf::from(format!("sites/{}.toml", s.name)),
    }
}
