//! Runner tests with a stand-in extractor (the real one is exercised by tests/verify.rs).

use std::path::{Path, PathBuf};

use super::*;
use crate::site::{DetailRule, Rate, RobotsPolicy};

fn site(name: &str) -> Site {
    Site {
        name: name.into(),
        title: name.into(),
        domains: vec![format!("www.{name}.gov.cn")],
        rate: Rate::default(),
        concurrency: 2,
        schedule: None,
        timezone: "Asia/Shanghai".into(),
        window: None,
        encoding: None,
        extends: None,
        lists: vec![],
        detail: DetailRule::default(),
        robots: RobotsPolicy::Obey,
        proxy: None,
        legacy_tls: false,
        tls_ca: None,
        path: PathBuf::from(format!("sites/{name}.toml")),
    }
}

/// Stand-in extractor: the page's bytes as `text`, the case URL as `url`.
fn echo(_: &Site, spec: &CaseSpec, bytes: &[u8]) -> Result<String> {
    let v = serde_json::json!({"url": spec.url, "text": String::from_utf8_lossy(bytes)});
    Ok(serde_json::to_string_pretty(&v).unwrap() + "\n")
}

fn case(dir: &Path, site: &str, name: &str, html: &str) {
    let d = dir.join(site);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(format!("{name}.html")), html).unwrap();
    std::fs::write(d.join(format!("{name}.toml")), format!("url = \"http://www.{site}.gov.cn/{name}.html\"\n")).unwrap();
}

#[test]
fn bless_then_pass_then_detect_change() {
    let tmp = tempfile::tempdir().unwrap();
    case(tmp.path(), "xihe", "report", "第一段\n第二段\n第三段");
    let s = site("xihe");
    let sites = [&s];

    let r = verify_with(&sites, tmp.path(), None, false, &echo).unwrap();
    assert_eq!(r.cases[0].outcome, Outcome::MissingExpected);
    assert!(!r.passed());
    assert!(r.render().contains("--bless"));

    let r = verify_with(&sites, tmp.path(), None, true, &echo).unwrap();
    assert_eq!(r.cases[0].outcome, Outcome::Blessed { created: true });
    assert!(r.passed());
    let written = std::fs::read_to_string(tmp.path().join("xihe/report.expected.json")).unwrap();
    assert!(written.contains("第二段") && written.ends_with('\n'));

    let r = verify_with(&sites, tmp.path(), None, false, &echo).unwrap();
    assert_eq!(r.cases[0].outcome, Outcome::Pass, "{}", r.render());
    let r = verify_with(&sites, tmp.path(), None, true, &echo).unwrap();
    assert_eq!(r.cases[0].outcome, Outcome::Pass, "an unchanged output is not re-blessed");

    std::fs::write(tmp.path().join("xihe/report.html"), "第一段\n第二段改\n第三段").unwrap();
    let r = verify_with(&sites, tmp.path(), None, false, &echo).unwrap();
    assert!(!r.passed());
    let Outcome::Mismatch(d) = &r.cases[0].outcome else { panic!("{:?}", r.cases[0].outcome) };
    assert_eq!(d[0].field, "text");
    let out = r.render();
    assert!(out.contains("FAIL    xihe/report") && out.contains("-第二段") && out.contains("+第二段改"), "{out}");
    assert!(out.ends_with("0 passed, 1 failed, 0 blessed\n"), "{out}");
}

#[test]
fn only_selects_one_site_and_unknown_name_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    case(tmp.path(), "a", "c1", "x");
    case(tmp.path(), "b", "c1", "y");
    let (a, b) = (site("a"), site("b"));
    let r = verify_with(&[&b, &a], tmp.path(), None, true, &echo).unwrap();
    let ids: Vec<_> = r.cases.iter().map(|c| format!("{}/{}", c.site, c.case)).collect();
    assert_eq!(ids, ["a/c1", "b/c1"], "sorted by site");
    let r = verify_with(&[&a, &b], tmp.path(), Some("b"), false, &echo).unwrap();
    assert_eq!(r.cases.len(), 1);
    assert_eq!(r.cases[0].site, "b");
    let err = verify_with(&[&a, &b], tmp.path(), Some("zz"), false, &echo).unwrap_err();
    assert!(err.to_string().contains("zz"));
}

#[test]
fn fixture_dir_without_rule_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    case(tmp.path(), "orphan", "c1", "x");
    std::fs::create_dir(tmp.path().join("_families")).unwrap();
    let a = site("a");
    let err = verify_with(&[&a], tmp.path(), None, false, &echo).unwrap_err().to_string();
    assert!(err.contains("orphan") && err.contains("orphan.toml"), "{err}");
}

#[test]
fn malformed_expected_json_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    case(tmp.path(), "a", "c1", "x");
    std::fs::write(tmp.path().join("a/c1.expected.json"), "{\"text\": ").unwrap();
    let a = site("a");
    let err = verify_with(&[&a], tmp.path(), None, false, &echo).unwrap_err().to_string();
    assert!(err.contains("c1.expected.json") && err.contains("JSON"), "{err}");
    // --bless repairs it.
    let r = verify_with(&[&a], tmp.path(), None, true, &echo).unwrap();
    assert_eq!(r.cases[0].outcome, Outcome::Blessed { created: false });
}

#[test]
fn runner_error_fails_the_case_not_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    case(tmp.path(), "a", "c1", "x");
    case(tmp.path(), "a", "c2", "y");
    let a = site("a");
    let picky = |s: &Site, spec: &CaseSpec, b: &[u8]| {
        if spec.url.ends_with("c1.html") { Err(Error::Other("boom".into())) } else { echo(s, spec, b) }
    };
    let r = verify_with(&[&a], tmp.path(), None, true, &picky).unwrap();
    assert_eq!(r.cases[0].outcome, Outcome::Error("boom".into()));
    assert_eq!(r.cases[1].outcome, Outcome::Blessed { created: true });
    assert!(!r.passed());
    assert_eq!(r.failures().count(), 1);
}
