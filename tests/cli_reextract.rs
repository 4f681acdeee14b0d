//! `nianbao reextract`: the current rules over the stored raw responses, through the same
//! decode+extract path as `extract`; new versions only where the output changed; per-site counts;
//! a broken rule is exit 2 naming file and key.

mod cli_common;

use cli_common::{code, populate, rule, stderr, stdout, Env};
use nianbao::archive::Archive;

/// The numbers of the per-site line of `site`: (examined, changed, skipped).
fn counts(out: &str, site: &str) -> (u64, u64, u64) {
    let line = out.lines().find(|l| l.split_whitespace().next() == Some(site)).unwrap_or_else(|| panic!("no {site} line:\n{out}"));
    let n: Vec<u64> = line.split_whitespace().skip(1).map(|x| x.parse().unwrap()).collect();
    (n[0], n[1], n[2])
}

#[tokio::test]
async fn new_versions_only_where_the_output_changed() {
    let env = Env::new();
    env.standard_rules();
    let p = populate(&env).await;
    // The archive holds synthetic extractions; the real rule gives different output once.
    let o = env.run(&["reextract"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(counts(&out, "pingtan"), (3, 3, 0), "{out}");
    assert_eq!(counts(&out, "lianjiang"), (1, 1, 0), "{out}");
    assert!(out.contains("4 documents examined, 4 changed"), "{out}");

    // Same rules again: nothing changes.
    let o = env.run(&["reextract"]);
    let out = stdout(&o);
    assert_eq!(counts(&out, "pingtan"), (3, 0, 0), "{out}");
    assert_eq!(counts(&out, "lianjiang"), (1, 0, 0), "{out}");

    // A rule change for one site, re-extracted for that site only.
    let without_tables = format!("{}drop = [\"table\"]\n", rule("pingtan", "平潭综合实验区管委会", ".TRS_Editor"));
    env.write_rule("pingtan", &without_tables);
    let o = env.run(&["reextract", "--site", "pingtan"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    // The two reports lose their table; the notice had none.
    assert_eq!(counts(&out, "pingtan"), (3, 2, 0), "{out}");
    assert!(!out.contains("lianjiang"), "{out}");

    // What the archive now holds: the rule's output (tables dropped), as source `reextract`, and
    // no table facts any more for that document.
    let a = Archive::open(env.archive()).await.unwrap();
    let doc = a.document(&p.reports[0].url).await.unwrap().unwrap();
    let versions = a.versions(doc.id).await.unwrap();
    assert_eq!(versions.len(), 3);
    let v = versions.last().unwrap();
    assert_eq!(v.source, "reextract");
    assert!(v.text.contains("总体情况"), "{}", v.text);
    assert!(a.tables(v.id).await.unwrap().is_empty());
    assert!(!a.tables(versions[1].id).await.unwrap().is_empty());
    assert_eq!(v.title, p.reports[0].title);
    let table_facts: Vec<(i64,)> = sqlx::query_as("SELECT count(*) FROM facts WHERE document_id = ? AND source = 'table'")
        .bind(doc.id)
        .fetch_all(a.reader())
        .await
        .unwrap();
    assert_eq!(table_facts[0].0, 0);
    let lj = a.document(&p.reports[2].url).await.unwrap().unwrap();
    let lj_text = a.versions(lj.id).await.unwrap().last().unwrap().text.clone();
    assert!(lj_text.contains("总体情况"), "{lj_text}");
    let facts: Vec<(i64,)> = sqlx::query_as("SELECT count(*) FROM facts WHERE document_id = ? AND source = 'table'")
        .bind(lj.id)
        .fetch_all(a.reader())
        .await
        .unwrap();
    assert!(facts[0].0 > 0, "lianjiang's report, re-extracted from its HTML, still has facts");
    a.close().await.unwrap();
}

#[tokio::test]
async fn an_empty_extraction_is_skipped_not_stored() {
    let env = Env::new();
    env.standard_rules();
    populate(&env).await;
    // A lianjiang page whose stored body is an empty shell (the site served a blank template).
    let a = Archive::open(env.archive()).await.unwrap();
    let mut e = cli_common::report("lianjiang", 7, 2020);
    e.attachments.clear();
    let shell = b"<html><head><title></title></head><body><div class=\"TRS_Editor\"></div></body></html>".to_vec();
    a.store_fetch(cli_common::archive_common::fetch_with_body(&e, shell, None), Some(e.clone())).await.unwrap();
    a.close().await.unwrap();
    let o = env.run(&["reextract", "--site", "lianjiang"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    // The real report changes once (synthetic → rule output); the shell is skipped.
    assert_eq!(counts(&out, "lianjiang"), (2, 1, 1), "{out}");
    assert!(out.contains("1 skipped (extraction came out empty)"), "{out}");
    let a = Archive::open(env.archive()).await.unwrap();
    let doc = a.document(&e.url).await.unwrap().unwrap();
    let versions = a.versions(doc.id).await.unwrap();
    assert_eq!(versions.len(), 1, "the archived text was not replaced by nothing");
    assert_eq!(versions[0].text, e.text);
    a.close().await.unwrap();
}

#[tokio::test]
async fn a_broken_rule_is_exit_2_naming_file_and_key() {
    let env = Env::new();
    env.standard_rules();
    populate(&env).await;
    env.write_rule("lianjiang", &rule("lianjiang", "连江县人民政府", "div[[["));
    let o = env.run(&["reextract"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("lianjiang.toml") && err.contains("detail.content"), "{err}");
    assert!(stdout(&o).is_empty(), "nothing re-extracted");
    env.standard_rules();
    let o = env.run(&["reextract", "--site", "nowhere"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no site rule named \"nowhere\""), "{}", stderr(&o));
}

#[test]
fn missing_archive_is_a_clear_error() {
    let env = Env::new();
    env.standard_rules();
    let o = env.run(&["reextract"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no archive at"), "{}", stderr(&o));
    assert!(!env.archive().exists());
}
