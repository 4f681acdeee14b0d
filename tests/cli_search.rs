//! `nianbao search` against a populated archive: ranked hits with site, date, title, marked
//! snippet and URL; --site and --limit; "no hits"; bad input exits 2 with a clear message.

mod cli_common;

use cli_common::{code, populate, stderr, stdout, Env};

#[tokio::test]
async fn hits_show_title_site_date_marked_snippet_and_url() {
    let env = Env::new();
    env.standard_rules();
    let p = populate(&env).await;
    let o = env.run(&["search", "依申请公开"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    // Every archived report mentions it; the notice too (same sentences). Numbered from 1.
    assert!(out.starts_with("1. "), "{out}");
    for e in &p.reports {
        assert!(out.contains(&e.title), "{} missing:\n{out}", e.title);
        assert!(out.contains(&e.url), "{out}");
    }
    assert!(out.contains("【依申请公开】"), "{out}");
    assert!(!out.contains('«') && !out.contains('\u{1b}'), "no raw markers or ANSI when piped:\n{out}");
    let p22 = &p.reports[0];
    assert!(out.contains(&format!("pingtan · {}", p22.published_at.as_deref().unwrap())), "{out}");
    assert!(out.contains("lianjiang · ") && out.contains("taken down 已撤下"), "{out}");
    assert!(out.trim_end().ends_with("4 hits"), "{out}");
}

#[tokio::test]
async fn site_and_limit_narrow_the_hits() {
    let env = Env::new();
    env.standard_rules();
    let p = populate(&env).await;
    let o = env.run(&["search", "依申请公开", "--site", "lianjiang"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains(&p.reports[2].title), "{out}");
    assert!(!out.contains("pingtan"), "{out}");
    let o = env.run(&["search", "依申请公开", "--limit", "1"]);
    let out = stdout(&o);
    assert!(out.contains("1. ") && !out.contains("2. "), "{out}");
    assert!(out.contains("1 hit (the first 1; --limit N for more)"), "{out}");
}

#[tokio::test]
async fn short_terms_and_no_hits() {
    let env = Env::new();
    env.standard_rules();
    populate(&env).await;
    // Two characters: below the trigram index, found by the LIKE fallback.
    let o = env.run(&["search", "更正"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(out.contains("【更正】") && out.contains("1 hit"), "{out}");
    let o = env.run(&["search", "没有这样的内容"]);
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o), "no hits for \"没有这样的内容\"\n");
}

#[tokio::test]
async fn unknown_site_is_a_usage_error() {
    let env = Env::new();
    env.standard_rules();
    populate(&env).await;
    let o = env.run(&["search", "年度报告", "--site", "pingtam"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("unknown site \"pingtam\"") && err.contains("pingtam.toml"), "{err}");
    assert!(err.contains("lianjiang, pingtan"), "the known sites are listed: {err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn missing_archive_is_a_clear_error_and_creates_nothing() {
    let env = Env::new();
    let o = env.run(&["search", "年度报告"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(err.contains("no archive at") && err.contains("nianbao.db"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!env.archive().exists() && !env.archive().parent().unwrap().exists());
    let o = env.run(&["search", "  "]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("empty search query"));
}
