//! `nianbao sites`: rule state, documents, report years, last run and next due per site; broken
//! rules named with file and key, exit 2 after printing the rest; works without an archive.

mod cli_common;

use cli_common::{code, populate, rule, stderr, stdout, Env};

fn line<'a>(out: &'a str, site: &str) -> &'a str {
    out.lines().find(|l| l.split_whitespace().next() == Some(site)).unwrap_or_else(|| panic!("no {site} line:\n{out}"))
}

#[tokio::test]
async fn one_line_per_site_with_archive_state_and_next_due() {
    let env = Env::new();
    env.standard_rules();
    env.write_rule("yongtai", &rule("yongtai", "永泰县人民政府", ".TRS_Editor").replace("schedule = \"0 4 * * 1\"\n", ""));
    populate(&env).await;
    // A site archived once (a capture) whose rule file was since removed.
    let a = nianbao::archive::Archive::open(env.archive()).await.unwrap();
    let e = cli_common::report("gulou", 9, 2019);
    a.store_fetch(cli_common::detail_fetch(&e, 1, None), Some(e)).await.unwrap();
    a.close().await.unwrap();
    let o = env.run(&["sites"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("SITE "), "{out}");
    let p = line(&out, "pingtan");
    assert!(p.contains("平潭综合实验区管委会") && p.contains(" ok "), "{p}");
    // Three documents, reports for 2022 and 2023; the last crawl run's counters.
    assert!(p.contains("  3  ") && p.contains("2022–2023"), "{p}");
    assert!(p.contains("partial (3 fetched, 1 new, 1 changed)"), "two reports and a PDF: {p}");
    // Scheduled Mondays 04:00 Beijing time: the next due time is shown in that zone.
    assert!(p.ends_with(" CST"), "{p}");
    let l = line(&out, "lianjiang");
    assert!(l.contains("1 (1 down)") && l.contains("2021"), "{l}");
    assert!(l.contains("1 taken down") && l.contains("1 failed"), "{l}");
    let y = line(&out, "yongtai");
    assert!(y.contains("never") && y.ends_with("not scheduled"), "{y}");
    let g = line(&out, "gulou");
    assert!(g.contains("no rule") && g.contains("2019") && g.contains("never"), "{g}");
}

#[tokio::test]
async fn a_broken_rule_is_listed_with_file_and_key_and_exits_2_after_the_rest() {
    let env = Env::new();
    env.standard_rules();
    env.write_rule("minhou", &rule("minhou", "闽侯县", ".TRS_Editor").replace("rate = \"1/2s\"", "rate = \"fast\""));
    populate(&env).await;
    let o = env.run(&["sites"]);
    assert_eq!(code(&o), 2);
    let out = stdout(&o);
    assert!(line(&out, "minhou").contains("ERROR"), "{out}");
    assert!(line(&out, "pingtan").contains(" ok "), "the other sites are still listed:\n{out}");
    let listed = out.split("broken rule files:").nth(1).unwrap_or_else(|| panic!("{out}"));
    assert!(listed.contains("minhou.toml: rate:"), "{listed}");
    assert!(stderr(&o).contains("1 site rule file is broken"), "{}", stderr(&o));
}

#[test]
fn without_an_archive_the_rules_are_still_checked() {
    let env = Env::new();
    env.standard_rules();
    let o = env.run(&["sites"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(line(&out, "pingtan").contains("never"), "{out}");
    assert!(out.contains("no archive at"), "{out}");
    assert!(!env.archive().exists(), "sites does not create an archive");
}
