//! The site fixtures in `sites/` and the `verify` runner end to end: every fixture passes (but
//! for the documented known defects), the seed pages lose no body paragraph and keep no chrome,
//! the GBK pages are real GBK bytes, and a changed page or expected file makes verify fail with
//! a diff that names the field and the line.

use std::path::{Path, PathBuf};

use nianbao::site::{self, SiteSet};
use nianbao::verify::{self, Outcome, VerifyReport};

fn sites_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sites")
}

fn load(dir: &Path) -> SiteSet {
    site::load_dir(dir).unwrap_or_else(|e| panic!("{e}"))
}

/// Fixture fields whose current output is wrong; the expected files hold the right value. Each
/// entry: (site, case, field, what is wrong). The test below fails when one of these starts to
/// pass, so the entry gets removed with the fix.
const KNOWN_DEFECTS: &[(&str, &str, &str, &str)] = &[];

#[test]
fn every_site_fixture_passes_but_the_known_defects() {
    let dir = sites_dir();
    let sites = load(&dir);
    let report = verify::verify(&sites, &dir, None, false).unwrap();
    assert!(report.cases.len() >= 10, "fixtures went missing:\n{}", report.render());
    for s in sites.iter() {
        assert!(report.cases.iter().any(|c| c.site == s.name), "site {} has no fixture", s.name);
    }
    let mut unexpected = Vec::new();
    for case in &report.cases {
        let known: Vec<&str> = KNOWN_DEFECTS
            .iter()
            .filter(|(s, c, _, _)| *s == case.site && *c == case.case)
            .map(|(_, _, field, _)| *field)
            .collect();
        match &case.outcome {
            Outcome::Pass if known.is_empty() => {}
            Outcome::Pass => unexpected
                .push(format!("{}/{}: known defect in {known:?} is fixed: remove it from KNOWN_DEFECTS", case.site, case.case)),
            Outcome::Mismatch(diffs) => {
                let fields: Vec<&str> = diffs.iter().map(|d| d.field.as_str()).collect();
                if fields != known {
                    unexpected.push(format!("{}/{}: differs in {fields:?}, known defects only in {known:?}", case.site, case.case));
                }
            }
            other => unexpected.push(format!("{}/{}: {other:?}", case.site, case.case)),
        }
    }
    assert!(unexpected.is_empty(), "{}\n\n{}", unexpected.join("\n"), report.render());
}

// ---------------------------------------------------------------------------------------------
// The seed pages: nothing of the body lost, no chrome kept.

/// (site, case, first and last line of the body in the seed, 1-based).
const SEED_CASES: &[(&str, &str, usize, usize)] = &[
    ("dxal", "report-2018", 12, 68),
    ("xihe", "report-2018", 5, 69),
    ("dongfeng", "report-2014", 7, 50),
    ("jiedong", "fzzf-2019", 5, 45),
    ("yuhua", "summary-2015", 5, 60),
];

/// The seeds' known defects and what the pages restore (also in tools/make_seed_fixtures.py).
const SEED_FIXES: &[(&str, &str, &str)] = &[
    ("xihe", "2018 11—2018 1231日", "2018年1月1日—2018年12月31日"),
    ("xihe", "〔201884号", "〔2018〕4号"),
    ("xihe", "\n、依申请公开工作情况", "\n七、依申请公开工作情况"),
    ("xihe", "\n、政务舆情处置回应情况", "\n八、政务舆情处置回应情况"),
    ("xihe", "“5·15政务公开日为契机", "以“5·15”政务公开日为契机"),
    ("xihe", "“5·15政务公开日活动", "“5·15”政务公开日活动"),
    ("dongfeng", "2013?2014", "2013—2014"),
    ("yuhua", "\n一)多维联动", "\n(一)多维联动"),
];

/// Chrome that must never reach the text. (承办单位 and 首页 occur in seed bodies as words, so
/// only their label forms are listed.)
const CHROME: &[&str] = &[
    "扫一扫", "打印本页", "关闭窗口", "【字体", "字体大小", "文字大小", "分享到", "返回列表", "网站地图", "登录 注册",
    "官方微信", "浏览量", "点击数", "责任编辑", "网站标识码", "ICP备", "公网安备", "版权所有", "主办单位", "承办单位：",
    "相关附件", "相关文档", "上一篇", "下一篇", "当前位置", "无障碍", ".png", ".jpg", "发布时间：", "索引号", "索 引 号",
];

/// The seeds went through NFKC (ASCII punctuation) and their spacing is the other tool's: compare
/// with punctuation folded and all whitespace removed.
fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '，' => ',',
            '：' => ':',
            '（' => '(',
            '）' => ')',
            '；' => ';',
            c => c,
        })
        .collect()
}

fn is_image_name(line: &str) -> bool {
    let l = line.trim();
    l.len() > 4 && (l.ends_with(".png") || l.ends_with(".jpg")) && l.is_ascii()
}

#[test]
fn seed_pages_keep_every_body_paragraph_and_no_chrome() {
    let dir = sites_dir();
    let sites = load(&dir);
    for (name, case, first, last) in SEED_CASES {
        let site = sites.get(name).unwrap();
        let mut seed = std::fs::read_to_string(dir.join(name).join("source/seed.txt")).unwrap();
        for (_, bad, good) in SEED_FIXES.iter().filter(|(s, _, _)| s == name) {
            assert!(seed.contains(bad), "{name}: seed defect {bad:?} not found");
            seed = seed.replace(bad, good);
        }
        let paragraphs: Vec<&str> = seed
            .lines()
            .skip(first - 1)
            .take(last - first + 1)
            .filter(|l| !l.trim().is_empty() && !is_image_name(l))
            .collect();
        assert!(paragraphs.len() > 15, "{name}: body range too small");

        let spec = verify::CaseSpec::load(&dir.join(name).join(format!("{case}.toml"))).unwrap();
        let bytes = std::fs::read(dir.join(name).join(format!("{case}.html"))).unwrap();
        let out = nianbao::pipeline::extract_bytes(&bytes, spec.content_type(), &spec.url, Some(site));
        let text = fold(&out.text);
        for p in &paragraphs {
            assert!(text.contains(&fold(p)), "{name}: body paragraph lost:\n{p}\n--- text:\n{}", out.text);
        }
        for c in CHROME {
            assert!(!out.text.contains(c), "{name}: chrome {c:?} in the text:\n{}", out.text);
        }
        assert!(!out.encoding.had_errors, "{name}: {:?}", out.encoding);
    }
}

// ---------------------------------------------------------------------------------------------
// GBK fixtures.

/// Fixture pages served as GBK: (site, case). Their text is authored as UTF-8 in
/// `sites/<site>/source/<case>.utf8.html` and encoded here with encoding_rs.
const GBK_CASES: &[(&str, &str)] = &[("dongfeng", "report-2014"), ("jiedong", "fzzf-2019")];

/// The committed GBK bytes are exactly the encoded sources (regenerate after a source edit with
/// `NIANBAO_REGEN_GBK=1 cargo test --test verify gbk_fixture`), every character is encodable, and
/// the gb2312-labelled page really holds a character outside GB2312.
#[test]
fn gbk_fixture_bytes_are_the_encoded_sources() {
    for (site, case) in GBK_CASES {
        let dir = sites_dir().join(site);
        let src_path = dir.join("source").join(format!("{case}.utf8.html"));
        let src = std::fs::read_to_string(&src_path).unwrap();
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(&src);
        assert!(!unmappable, "{}: a character has no GBK encoding", src_path.display());
        let page = dir.join(format!("{case}.html"));
        if std::env::var_os("NIANBAO_REGEN_GBK").is_some() {
            std::fs::write(&page, &bytes).unwrap();
        }
        let committed = std::fs::read(&page).unwrap();
        assert!(committed == bytes.as_ref(), "{} differs from its encoded source", page.display());
        assert!(std::str::from_utf8(&committed).is_err(), "{} must not be valid UTF-8", page.display());
    }
    // 喆 is GBK 0x86B4: its lead byte is outside the GB2312 range (0xA1–0xF7).
    let dongfeng = std::fs::read(sites_dir().join("dongfeng/report-2014.html")).unwrap();
    assert!(dongfeng.windows(2).any(|w| w == [0x86, 0xB4]), "dongfeng lost its GBK-only character");
    assert!(dongfeng.windows(14).any(|w| w == b"charset=gb2312"));
    let jiedong = std::fs::read(sites_dir().join("jiedong/fzzf-2019.html")).unwrap();
    assert!(!String::from_utf8_lossy(&jiedong).to_ascii_lowercase().contains("charset"));
}

/// The GBK pages decode cleanly the way their cases are served: dongfeng by its gb2312 meta
/// (with the GBK-only character intact), jiedong by sniffing.
#[test]
fn gbk_fixtures_decode_as_served() {
    use nianbao::decode::{decode, CharsetSource};
    let dongfeng = std::fs::read(sites_dir().join("dongfeng/report-2014.html")).unwrap();
    let d = decode(&dongfeng, Some("text/html"), None);
    assert_eq!(d.info.source, CharsetSource::Meta);
    assert!(!d.info.had_errors);
    assert!(d.text.contains("责任编辑：孙喆") && d.text.contains("2013—2014年省政府"));
    let jiedong = std::fs::read(sites_dir().join("jiedong/fzzf-2019.html")).unwrap();
    let d = decode(&jiedong, Some("text/html"), None);
    assert_eq!(d.info.source, CharsetSource::Sniffed);
    assert!(!d.info.had_errors);
    assert!(d.text.contains("揭东区政务服务数据管理局"));
}

// ---------------------------------------------------------------------------------------------
// Changes make verify fail, with a diff naming the field and the line.

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A temp sites dir holding one site's rule and fixtures.
fn copy_site(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(sites_dir().join(format!("{name}.toml")), tmp.path().join(format!("{name}.toml"))).unwrap();
    copy_dir(&sites_dir().join(name), &tmp.path().join(name));
    tmp
}

fn edit(path: &Path, from: &str, to: &str) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "{}: {from:?} not found", path.display());
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
}

fn run(dir: &Path) -> VerifyReport {
    verify::verify(&load(dir), dir, None, false).unwrap()
}

fn mismatch_fields(report: &VerifyReport, case: &str) -> Vec<String> {
    let c = report.cases.iter().find(|c| c.case == case).unwrap();
    match &c.outcome {
        Outcome::Mismatch(d) => d.iter().map(|d| d.field.clone()).collect(),
        other => panic!("{case}: expected a mismatch, got {other:?}"),
    }
}

#[test]
fn changed_expected_text_fails_with_a_line_diff() {
    let tmp = copy_site("dxal");
    assert!(run(tmp.path()).passed(), "{}", run(tmp.path()).render());
    edit(&tmp.path().join("dxal/report-2018.expected.json"), "\\n\\n一、概述\\n\\n", "\\n\\n一、概况\\n\\n");
    let report = run(tmp.path());
    assert!(!report.passed());
    assert_eq!(mismatch_fields(&report, "report-2018"), ["text"]);
    let out = report.render();
    assert!(out.contains("FAIL    dxal/report-2018"), "{out}");
    assert!(out.contains("    text:") && out.contains("-一、概况") && out.contains("+一、概述"), "{out}");
    assert!(out.contains("@@ "), "a unified diff with line numbers: {out}");
}

#[test]
fn changed_page_fails_naming_table_row_and_metadata_field() {
    let tmp = copy_site("dxal");
    let page = tmp.path().join("dxal/report-2018.html");
    edit(&page, "<td>4.其他方式公开政府信息数</td><td>条</td><td>1982</td>", "<td>4.其他方式公开政府信息数</td><td>条</td><td>1983</td>");
    edit(&page, "000000000-2019-03710</td>", "000000000-2019-03711</td>");
    let report = run(tmp.path());
    assert_eq!(mismatch_fields(&report, "report-2018"), ["index_no", "tables", "text"]);
    let out = report.render();
    assert!(out.contains("index_no: expected \"000000000-2019-03710\", got \"000000000-2019-03711\""), "{out}");
    assert!(out.contains("+[0] row 7: 一、主动公开情况 | 4.其他方式公开政府信息数 | 条 | 1983"), "{out}");
    assert!(out.contains("-一、主动公开情况 | 4.其他方式公开政府信息数 | 条 | 1982"), "{out}");
}

#[test]
fn changed_list_page_fails_naming_the_item() {
    let tmp = copy_site("pingtan");
    edit(&tmp.path().join("pingtan/list-zfxxgknb.html"), "./202302/t20230220_80629.htm", "./202302/t20230220_80630.htm");
    let report = verify::verify(&load(tmp.path()), tmp.path(), Some("pingtan"), false).unwrap();
    assert_eq!(mismatch_fields(&report, "list-zfxxgknb"), ["items"]);
    assert!(report.cases.iter().filter(|c| c.case != "list-zfxxgknb").all(|c| c.ok()), "{}", report.render());
    let out = report.render();
    let removed = out.lines().find(|l| l.trim_start().starts_with("-[3] ")).unwrap_or_else(|| panic!("{out}"));
    let added = out.lines().find(|l| l.trim_start().starts_with("+[3] ")).unwrap_or_else(|| panic!("{out}"));
    assert!(removed.contains("t20230220_80629.htm") && added.contains("t20230220_80630.htm"), "{out}");
}

#[test]
fn bless_writes_missing_expected_then_verify_passes() {
    let tmp = copy_site("jiedong");
    let expected = tmp.path().join("jiedong/fzzf-2019.expected.json");
    let committed = std::fs::read_to_string(&expected).unwrap();
    std::fs::remove_file(&expected).unwrap();
    let report = run(tmp.path());
    assert_eq!(report.cases[0].outcome, Outcome::MissingExpected);
    let report = verify::verify(&load(tmp.path()), tmp.path(), None, true).unwrap();
    assert_eq!(report.cases[0].outcome, Outcome::Blessed { created: true });
    assert_eq!(std::fs::read_to_string(&expected).unwrap(), committed, "bless reproduces the committed file");
    assert!(run(tmp.path()).passed());
}

#[test]
fn malformed_case_spec_is_an_error_naming_the_file() {
    let tmp = copy_site("yuhua");
    std::fs::write(tmp.path().join("yuhua/summary-2015.toml"), "url = \"http://www.yuhua.gov.cn/a.html\"\nkind = \"detial\"\n").unwrap();
    let err = verify::verify(&load(tmp.path()), tmp.path(), None, false).unwrap_err().to_string();
    assert!(err.contains("summary-2015.toml") && err.contains("detial"), "{err}");
}
