//! `nianbao report`: the HTML report filled from the archive — coverage with marks from the
//! latest run, last runs with errors, blocked sites, health flags, broken rules — written to
//! --out, its path printed.

mod cli_common;

use cli_common::{code, populate, rule, stderr, stdout, Env};

/// The `<tr …>` row of `table_id` whose attributes contain `data-site="site"`.
fn row<'a>(html: &'a str, table_id: &str, site: &str) -> &'a str {
    let table = html.split(&format!("id=\"{table_id}\"")).nth(1).unwrap_or_else(|| panic!("no #{table_id}"));
    let table = table.split("</table>").next().unwrap();
    let start = table.find(&format!("data-site=\"{site}\"")).unwrap_or_else(|| panic!("no {site} row in #{table_id}"));
    let rest = &table[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

#[tokio::test]
async fn the_report_shows_what_the_archive_holds() {
    let env = Env::new();
    env.standard_rules();
    env.write_rule("minhou", &rule("minhou", "闽侯县", "div[[["));
    let p = populate(&env).await;
    let out = env.path().join("out").join("report.html");
    let o = env.run(&["report", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), out.display().to_string());
    assert!(stderr(&o).contains("minhou.toml"), "broken rules are also warned about: {}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();

    // Coverage: pingtan 2022 new and 2023 changed in the last run, lianjiang 2021 taken down;
    // the notice (no report year) is not a cell.
    let m = row(&html, "coverage-matrix", "pingtan");
    assert!(m.contains("平潭综合实验区管委会"), "{m}");
    assert!(m.contains("cell new") && m.contains("cell changed"), "{m}");
    assert!(m.contains(&p.reports[0].url) && m.contains(&p.reports[1].url), "{m}");
    let l = row(&html, "coverage-matrix", "lianjiang");
    assert!(l.contains("cell gone") && l.contains("撤"), "{l}");
    assert!(!html.contains(&p.notice.title));

    // Last runs: lianjiang's failed fetch, with its URL.
    let r = row(&html, "run-table", "lianjiang");
    assert!(r.contains("data-status=\"failed\""), "{r}");
    assert!(r.contains("https://www.lianjiang.gov.cn/zwgk/list_2.htm: HTTP 503 after 3 retries"), "{r}");
    let r = row(&html, "run-table", "pingtan");
    assert!(r.contains("data-status=\"ok\""), "{r}");

    // Blocked: handan's two challenge answers.
    let b = row(&html, "blocked-table", "handan");
    assert!(b.contains("HTTP 412") && b.contains("https://www.hd.gov.cn/hdzfxxgk/") && b.contains(">2</td>"), "{b}");

    // The scheduler's flag for pingtan.
    let f = row(&html, "flag-table", "pingtan");
    assert!(f.contains("data-flag=\"shorter-text\"") && f.contains("4100"), "{f}");

    // The broken rule, with file and key.
    let broken = html.split("id=\"broken-table\"").nth(1).expect("broken rules table");
    assert!(broken.contains("minhou.toml") && broken.contains("detail.content"), "{broken}");
    // Self-contained.
    assert!(!html.contains("<script") && !html.contains("<link"));
}

#[tokio::test]
async fn a_blocked_streak_ends_with_an_ordinary_answer() {
    let env = Env::new();
    env.standard_rules();
    populate(&env).await;
    let a = nianbao::archive::Archive::open(env.archive()).await.unwrap();
    let mut ok = nianbao::archive::FetchRecord::new(
        "https://www.hd.gov.cn/hdzfxxgk/",
        nianbao::archive::FetchKind::List,
        200,
        b"<ul></ul>".to_vec(),
    );
    ok.site = Some("handan".into());
    a.store_fetch(ok, None).await.unwrap();
    a.close().await.unwrap();
    let out = env.path().join("r.html");
    let o = env.run(&["report", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(!html.contains("id=\"blocked-table\""), "no current streak, no blocked site");
}

#[test]
fn missing_archive_is_a_clear_error() {
    let env = Env::new();
    env.standard_rules();
    let out = env.path().join("r.html");
    let o = env.run(&["report", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no archive at"), "{}", stderr(&o));
    assert!(!out.exists() && !env.archive().exists());
}
