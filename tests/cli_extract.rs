//! `nianbao extract` and `nianbao verify` through the real binary: the JSON contract, one object
//! per line for several files, rule choice by URL, clear errors, and verify's exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nianbao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run nianbao")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn extract_prints_the_documented_json_for_a_gbk_page() {
    let o = nianbao(&[
        "extract",
        "sites/dongfeng/report-2014.html",
        "--url",
        "http://www.dongfeng.gov.cn/zwgk/zfxxgknb/2015-01-29/8751.html",
        "--content-type",
        "text/html",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    // The rule is chosen by the URL's domain.
    assert_eq!(v["site"], "dongfeng");
    assert_eq!(v["report_year"], 2014);
    assert_eq!(v["encoding"]["label"], "gb18030");
    assert_eq!(v["encoding"]["had_errors"], false);
    let text = v["text"].as_str().unwrap();
    assert!(text.contains("2013—2014年省政府共下放行政审批项目60项"), "{text}");
    assert!(!text.contains('\u{FFFD}') && !text.contains("网站地图"), "{text}");
    for key in [
        "url", "title", "published_at", "publisher", "index_no", "doc_no", "category", "tables", "attachments", "warnings",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
}

#[test]
fn several_files_give_one_json_object_per_line() {
    let o = nianbao(&[
        "extract",
        "--site",
        "pingtan",
        "sites/pingtan/report-2023.html",
        "sites/pingtan/gfxwj-2015.html",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["report_year"], 2023);
    assert_eq!(lines[0]["tables"].as_array().unwrap().len(), 3, "the report's three statistical tables");
    assert!(lines[1]["title"].as_str().unwrap().contains("平潭"));
}

#[test]
fn a_missing_file_or_unknown_site_is_a_clear_error_with_exit_2() {
    let o = nianbao(&["extract", "no/such/page.html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/page.html"), "{}", stderr(&o));

    let o = nianbao(&["extract", "--site", "nosuchsite", "sites/pingtan/report-2023.html"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nosuchsite"), "{}", stderr(&o));
}

#[test]
fn verify_passes_on_the_repository_fixtures() {
    let o = nianbao(&["verify"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("0 failed"), "{}", stdout(&o));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest: PathBuf = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

#[test]
fn verify_exits_1_with_a_diff_when_a_fixture_output_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let sites = tmp.path().join("sites");
    std::fs::create_dir_all(&sites).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("sites/xihe.toml"), sites.join("xihe.toml")).unwrap();
    copy_dir(&root.join("sites/xihe"), &sites.join("xihe"));
    // The page changes: a body sentence is edited.
    let page = sites.join("xihe/report-2018.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(">1243</span>条"));
    std::fs::write(&page, html.replace(">1243</span>条", ">1244</span>条")).unwrap();

    let o = nianbao(&["--sites-dir", sites.to_str().unwrap(), "verify"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("FAIL") && out.contains("xihe/report-2018"), "{out}");
    assert!(out.contains("-") && out.contains("1243条") && out.contains("1244条"), "{out}");
}
