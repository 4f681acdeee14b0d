//! Site rules: loading, family merging, validation errors (file + key + line), domain lookup.
//! Rule files live in tests/fixtures/rules/{valid,broken}/.

use std::path::{Path, PathBuf};
use std::time::Duration;

use nianbao::site::{self, family_rule, load_dir, load_file, Pagination, Rate, RobotsPolicy, SiteSet};
use nianbao::Error;

fn rules(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules").join(dir)
}

/// 1-based line of the first line of `file` containing `needle`.
fn line_of(file: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} not in {}", file.display())) + 1
}

fn rule_error(e: &Error) -> (&Path, &str, &str) {
    match e {
        Error::Rule { path, key, message } => (path.as_path(), key.as_str(), message.as_str()),
        other => panic!("not a rule error: {other}"),
    }
}

fn sources(sels: &[site::Sel]) -> Vec<&str> {
    sels.iter().map(|s| s.source.as_str()).collect()
}

#[test]
fn valid_dir_loads_and_ignores_directories_and_other_files() {
    let set = load_dir(&rules("valid")).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = set.names().collect();
    assert_eq!(names, ["bare", "jiangsu-hanweb", "pingtan"], "pingtan/ (fixtures), README.txt and nested.toml/ are skipped");
    assert_eq!(set.len(), 3);
    assert_eq!(set.iter().count(), (&set).into_iter().count());
}

#[test]
fn trs_site_merges_its_family() {
    let site = load_file(rules("valid/pingtan.toml")).unwrap();
    let family = family_rule("trs").unwrap();
    assert_eq!(site.name, "pingtan");
    assert_eq!(site.title, "平潭综合实验区管委会");
    assert_eq!(site.rate, Rate { requests: 1, per: Duration::from_secs(2) });
    assert_eq!(site.concurrency, site::DEFAULT_CONCURRENCY);
    assert_eq!(site.timezone, "Asia/Shanghai");
    assert_eq!(site.schedule.as_deref(), Some("0 4 * * 1"));
    let w = site.window.as_ref().unwrap();
    assert_eq!(w.months, (1, 4));
    assert_eq!(w.otherwise.as_deref(), Some("0 5 1 * *"));
    assert_eq!(site.encoding, None, "auto = detect");
    assert_eq!(site.robots, RobotsPolicy::Obey);

    // Selectors the site sets override the family's…
    assert_eq!(sources(&site.detail.title), ["meta[name=ArticleTitle]@content", "h1"]);
    assert_eq!(site.detail.title[0].attr.as_deref(), Some("content"));
    // …the ones it does not set come from the family…
    assert_eq!(sources(&site.detail.content), sources(&family.content));
    assert!(sources(&site.detail.content).contains(&".TRS_Editor"));
    assert_eq!(sources(&site.detail.published_at), sources(&family.published_at));
    assert_eq!(sources(&site.detail.publisher), sources(&family.publisher));
    // …and drop/chrome extend the family's lists.
    assert_eq!(site.detail.drop.len(), family.drop.len() + 2);
    assert_eq!(site.detail.chrome.len(), family.chrome.len() + 2);
    let literal = &site.detail.chrome[family.chrome.len()];
    assert!(literal.is_match("扫描二维码 (手机浏览)"), "plain strings are literal, parentheses included");
    assert!(!literal.is_match("扫描二维码 手机浏览"));
    let re = site.detail.chrome.last().unwrap();
    assert!(re.is_match("浏览次数:1024") && !re.is_match("浏览次数:1024 次以上的文章"));
    // An array of selectors: each element one alternative, commas kept as a CSS group.
    assert_eq!(sources(&site.detail.attachments), ["a[href$='.pdf'], a[href$='.doc']", "a.fj@href"]);

    let list = &site.lists[0];
    assert_eq!(list.url.as_str(), "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/");
    assert_eq!(list.link.attr.as_deref(), Some("href"), "links default to @href");
    assert!(list.keep.as_ref().unwrap().is_match("2023年政府信息公开工作年度报告"));
    assert!(list.date.is_some() && list.title.is_none() && !list.gbk_query);
    match &list.pages {
        Pagination::Template { template, count_regex, per_page, max_pages } => {
            assert_eq!(template, "index_{n}.htm");
            let caps = count_regex.as_ref().unwrap().captures("recordCount:'20',").unwrap();
            assert_eq!(&caps[1], "20");
            assert_eq!((*per_page, *max_pages), (Some(10), Some(50)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn hanweb_site_with_every_optional_key() {
    let site = load_file(rules("valid/jiangsu-hanweb.toml")).unwrap();
    assert_eq!(site.rate, Rate { requests: 30, per: Duration::from_secs(60) });
    assert_eq!(site.concurrency, 1);
    assert_eq!(site.encoding.as_deref(), Some("gbk"));
    assert_eq!(site.extends.as_deref(), Some("hanweb"));
    assert!(matches!(&site.robots, RobotsPolicy::Ignore { reason } if reason.contains("robots.txt disallows")));
    assert_eq!(site.proxy.as_deref(), Some("socks5://127.0.0.1:1080"));
    assert!(site.legacy_tls);
    assert_eq!(site.timezone, "Asia/Urumqi");
    assert_eq!(sources(&site.detail.content), ["#zoom", ".main-txt"], "site content overrides the family's");
    assert_eq!(sources(&site.detail.metadata), sources(&family_rule("hanweb").unwrap().metadata));
    assert_eq!(site.lists.len(), 2);
    let l0 = &site.lists[0];
    assert!(l0.gbk_query && l0.skip.as_ref().unwrap().is_match("公开招聘公告"));
    assert_eq!(l0.title.as_ref().unwrap().attr.as_deref(), Some("title"));
    assert_eq!(l0.items.source, "record li, li", "a single-selector key keeps its comma group");
    match &l0.pages {
        Pagination::Hanweb { column_id, unit_id, window, per_page, max_pages } => {
            assert_eq!((column_id.as_deref(), unit_id.as_deref()), (Some("33718"), Some("212860")));
            assert_eq!((*window, *per_page, *max_pages), (45, 15, None));
        }
        other => panic!("{other:?}"),
    }
    match &site.lists[1].pages {
        Pagination::NextLink { selector, max_pages } => {
            assert_eq!(selector.attr.as_deref(), Some("href"));
            assert_eq!(*max_pages, Some(5));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bare_site_gets_defaults_and_domains_from_its_lists() {
    let site = load_file(rules("valid/bare.toml")).unwrap();
    assert_eq!(site.title, "bare");
    assert_eq!(site.domains, ["xxgk.example.gov.cn"]);
    assert_eq!(site.rate, Rate::default());
    assert!(site.extends.is_none() && site.detail.content.is_empty() && site.detail.chrome.is_empty());
    assert!(matches!(site.lists[0].pages, Pagination::None));
}

#[test]
fn domain_lookup() {
    let set = load_dir(&rules("valid")).unwrap();
    let find = |u: &str| set.for_url(&url::Url::parse(u).unwrap()).map(|s| s.name.as_str());
    assert_eq!(find("https://www.pingtan.gov.cn/zwgk/a.htm"), Some("pingtan"));
    assert_eq!(find("http://WWW.PINGTAN.GOV.CN:8080/x"), Some("pingtan"), "case and port do not matter");
    assert_eq!(find("https://pingtan.gov.cn/"), Some("pingtan"), "www. is insignificant");
    assert_eq!(find("https://zwgk.pingtan.gov.cn/"), None, "an exact entry does not cover subdomains");
    assert_eq!(find("https://www.jiangsu.gov.cn/col/col1/"), Some("jiangsu-hanweb"));
    assert_eq!(find("https://a.b.jiangsu.gov.cn/"), Some("jiangsu-hanweb"), "*. covers every depth");
    assert_eq!(find("https://jiangsu.gov.cn/"), Some("jiangsu-hanweb"), "*. covers the domain itself");
    assert_eq!(find("https://notjiangsu.gov.cn/"), None);
    assert_eq!(find("http://xxgk.example.gov.cn/nb/index.html"), Some("bare"));
    assert_eq!(find("https://example.org/"), None);
    assert_eq!(set.get("pingtan").unwrap().name, "pingtan");
    assert!(set.get("nope").is_none());
}

#[test]
fn exact_domain_beats_wildcard() {
    let wild = site::parse_str("sites/js.toml", "domains = [\"*.jiangsu.gov.cn\"]\n").unwrap();
    let exact = site::parse_str("sites/czt.toml", "domains = [\"czt.jiangsu.gov.cn\"]\n").unwrap();
    let deeper = site::parse_str("sites/sz.toml", "domains = [\"*.suzhou.jiangsu.gov.cn\"]\n").unwrap();
    let set = SiteSet::from_sites([wild, exact, deeper]);
    assert_eq!(set.for_host("czt.jiangsu.gov.cn").unwrap().name, "czt");
    assert_eq!(set.for_host("www.suzhou.jiangsu.gov.cn").unwrap().name, "sz");
    assert_eq!(set.for_host("nj.jiangsu.gov.cn").unwrap().name, "js");
}

/// (file, key, text on the offending line or None when the error has no line)
const EXPECTED: &[(&str, &str, Option<&str>)] = &[
    ("unknown_key.toml", "titel", Some("titel =")),
    ("unknown_key.toml", "lists[0].itmes", Some("itmes =")),
    ("unknown_key.toml", "lists[0].items", None),
    ("unknown_key.toml", "detail.contnet", Some("contnet =")),
    ("bad_selector.toml", "lists[0].items", Some("items =")),
    ("bad_selector.toml", "detail.content", Some("content =")),
    ("bad_selector.toml", "detail.title", Some("title =")),
    ("bad_selector.toml", "detail.drop[1]", Some("drop =")),
    ("bad_regex.toml", "lists[0].keep", Some("keep =")),
    ("bad_regex.toml", "lists[0].pages.count_regex", Some("pages =")),
    ("bad_regex.toml", "detail.chrome[1]", Some("chrome =")),
    ("bad_rate.toml", "rate", Some("rate =")),
    ("bad_rate.toml", "concurrency", Some("concurrency =")),
    ("bad_cron.toml", "schedule", Some("schedule =")),
    ("bad_cron.toml", "window.months", Some("window =")),
    ("bad_cron.toml", "window.otherwise", Some("window =")),
    ("bad_url.toml", "lists[0].url", Some("url = \"/zwgk")),
    ("bad_url.toml", "lists[1].url", Some("elsewhere.example.com")),
    ("bad_encoding.toml", "encoding", Some("encoding =")),
    ("robots_no_reason.toml", "robots", Some("robots =")),
    ("bad_misc.toml", "domains[1]", Some("domains =")),
    ("bad_misc.toml", "proxy", Some("proxy =")),
    ("bad_misc.toml", "timezone", Some("timezone =")),
    ("bad_misc.toml", "extends", Some("extends =")),
    ("bad_misc.toml", "legacy_tls", Some("legacy_tls =")),
    ("syntax.toml", "syntax", Some("rate =")),
    ("dup_b.toml", "domains[0]", None),
];

#[test]
fn every_error_in_a_directory_is_reported_with_file_key_and_line() {
    let dir = rules("broken");
    let errors = load_dir(&dir).expect_err("broken rules must not load");
    for (file, key, line_text) in EXPECTED {
        let path = dir.join(file);
        let found = errors.errors().iter().find(|e| {
            let (p, k, _) = rule_error(e);
            p == path && k == *key
        });
        let Some(error) = found else {
            panic!("no error for {file} {key}; got:\n{errors}");
        };
        let message = rule_error(error).2;
        if let Some(text) = line_text {
            let line = line_of(&path, text);
            assert!(message.starts_with(&format!("line {line}:")), "{file} {key}: {message}");
        }
        // The rendered error names the file and the key.
        let rendered = error.to_string();
        assert!(rendered.contains(file) && rendered.contains(&format!(": {key}: ")), "{rendered}");
    }
    assert_eq!(errors.errors().len(), EXPECTED.len(), "no unexpected errors:\n{errors}");
    // Every broken file shows up except dup_a, whose domain is fine on its own.
    let text = errors.to_string();
    for f in std::fs::read_dir(&dir).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        assert_eq!(text.contains(&name), name != "dup_a.toml", "{name} in\n{text}");
    }
}

#[test]
fn messages_are_helpful() {
    let errors = load_dir(&rules("broken")).unwrap_err();
    let msg = |file: &str, key: &str| {
        errors
            .errors()
            .iter()
            .map(rule_error)
            .find(|(p, k, _)| p.ends_with(file) && *k == key)
            .map(|(_, _, m)| m.to_string())
            .unwrap()
    };
    assert!(msg("unknown_key.toml", "titel").contains("did you mean `title`"));
    assert!(msg("unknown_key.toml", "detail.contnet").contains("did you mean `content`"));
    assert!(msg("robots_no_reason.toml", "robots").contains("reason"));
    assert!(msg("bad_misc.toml", "extends").contains("trs"));
    assert!(msg("bad_regex.toml", "lists[0].pages.count_regex").contains("capture group"));
    assert!(msg("dup_b.toml", "domains[0]").contains("dup_a"));
    assert!(msg("syntax.toml", "syntax").contains("TOML syntax error"));
}

#[test]
fn load_file_returns_the_first_error_and_io_errors_name_the_file() {
    let e = load_file(rules("broken/bad_rate.toml")).unwrap_err();
    assert_eq!(rule_error(&e).1, "rate");
    let missing = rules("broken/missing.toml");
    match load_file(&missing).unwrap_err() {
        Error::Io { path, .. } => assert_eq!(path, missing),
        other => panic!("{other}"),
    }
    assert!(load_dir(&rules("no-such-dir")).is_err());
}

#[test]
fn name_key_must_match_the_file_stem() {
    let errs = site::parse_str("sites/pingtan.toml", "name = \"ping\"\ndomains = [\"a.gov.cn\"]\n").unwrap_err();
    let (_, key, message) = rule_error(&errs.errors()[0]);
    assert_eq!(key, "name");
    assert!(message.starts_with("line 1:") && message.contains("pingtan"), "{message}");
    assert!(site::parse_str("sites/pingtan.toml", "name = \"pingtan\"\ndomains = [\"a.gov.cn\"]\n").is_ok());
}

#[test]
fn pagination_style_conflicts_and_robots_table_form() {
    let src = r#"
domains = ["a.gov.cn"]
robots = { ignore = "" }
[[lists]]
url = "https://a.gov.cn/"
items = "li"
pages = { template = "index_{n}.html", next = "a.next" }
[[lists]]
url = "https://a.gov.cn/b/"
items = "li"
pages = { next = "a.next", per_page = 3 }
[[lists]]
url = "https://a.gov.cn/c/"
items = "li"
pages = { template = "index.html" }
"#;
    let errs = site::parse_str("sites/x.toml", src).unwrap_err();
    let keys: Vec<&str> = errs.errors().iter().map(|e| rule_error(e).1).collect();
    assert_eq!(keys, ["robots.ignore", "lists[0].pages", "lists[1].pages.per_page", "lists[2].pages.template"], "{errs}");
}

/// The documented example must stay a valid rule.
#[test]
fn readme_example_is_valid() {
    let readme = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sites/README.md")).unwrap();
    let start = readme.find("```toml\n# sites/pingtan.toml").expect("example block") + "```toml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let site = site::parse_str("sites/pingtan.toml", &readme[start..end]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(site.extends.as_deref(), Some("trs"));
    assert_eq!(site.lists.len(), 1);
    assert_eq!(site.detail.attachments.len(), 2);
    // And every pagination example in it parses.
    for line in readme.lines().filter(|l| l.starts_with("pages = {")) {
        let src = format!("[[lists]]\nurl = \"https://a.gov.cn/\"\nitems = \"li\"\n{line}\n");
        let site = site::parse_str("sites/a.toml", &src).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(!matches!(site.lists[0].pages, Pagination::None), "{line}");
    }
}
