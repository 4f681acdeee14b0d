//! `nianbao export`: documents, table cells, facts (with failed checks beside --out or on
//! stderr), attachments; counts on stderr; bad input exits 2.

mod cli_common;

use cli_common::{code, populate, stderr, stdout, Env};

#[tokio::test]
async fn documents_as_jsonl_and_csv_with_filters() {
    let env = Env::new();
    env.standard_rules();
    let p = populate(&env).await;
    let o = env.run(&["export"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    assert!(stderr(&o).contains("exported 4 documents"), "{}", stderr(&o));
    let titles: Vec<&str> = lines.iter().map(|v| v["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&p.reports[1].title.as_str()) && titles.contains(&p.notice.title.as_str()));

    let out = env.path().join("docs.csv");
    let o = env.run(&["export", "--format", "csv", "--site", "pingtan", "--since", "2024", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    let mut r = csv::Reader::from_path(&out).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    // pingtan: the 2023 report (published 2024) and the notice (published 2024); 2022's is from 2023.
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| &r[1] == "pingtan"));
    assert!(stderr(&o).contains(&format!("exported 2 documents to {}", out.display())));
}

#[tokio::test]
async fn table_cells_in_long_format() {
    let env = Env::new();
    env.standard_rules();
    let p = populate(&env).await;
    let o = env.run(&["export", "--tables", "--format", "csv", "--site", "lianjiang"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let table = &p.reports[2].tables[0];
    let cells: usize = table.iter().map(Vec::len).sum();
    let out = stdout(&o);
    assert_eq!(out.lines().count(), cells + 1, "header + one line per cell");
    assert!(out.starts_with("document_id,site,url,table_index,row,column,value\n"));
    assert!(stderr(&o).contains(&format!("exported {cells} table cells")));
}

#[tokio::test]
async fn facts_with_failed_checks_beside_the_output() {
    let env = Env::new();
    env.standard_rules();
    let p = populate(&env).await;
    let out = env.path().join("facts.csv");
    let o = env.run(&["export", "--facts", "--format", "csv", "--out", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut r = csv::Reader::from_path(&out).unwrap();
    let head = r.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    // The three reports have facts; the notice has none.
    let urls: std::collections::BTreeSet<&str> = rows.iter().map(|r| &r[col("url")]).collect();
    assert_eq!(urls.len(), 3);
    assert!(!urls.contains(p.notice.url.as_str()));
    let corrected = rows
        .iter()
        .find(|r| r[col("url")] == p.reports[1].url && &r[col("row_key")] == "new_requests" && &r[col("column_key")] == "natural_person")
        .expect("the corrected figure");
    assert_eq!(&corrected[col("value")], "999");
    assert_eq!(&corrected[col("report_year")], "2023");
    let err = stderr(&o);
    assert!(err.contains(&format!("exported {} facts of 3 reports", rows.len())), "{err}");
    let checks = env.path().join("facts.checks.csv");
    assert!(err.contains(&format!("1 failed checks in 1 reports written to {}", checks.display())), "{err}");
    let text = std::fs::read_to_string(&checks).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].contains(&p.reports[1].url) && lines[1].contains("requests.row_total"), "{text}");
}

#[tokio::test]
async fn facts_to_stdout_list_failed_checks_on_stderr() {
    let env = Env::new();
    env.standard_rules();
    let p = populate(&env).await;
    let o = env.run(&["export", "--facts", "--site", "pingtan"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let facts: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!facts.is_empty());
    assert!(facts.iter().all(|f| f["site"] == "pingtan" && f["table"] == "requests"));
    let err = stderr(&o);
    assert!(err.contains("1 failed checks in 1 reports"), "{err}");
    assert!(err.contains(&p.reports[1].url) && err.contains("requests.row_total"), "{err}");
    assert!(err.contains("the report states"), "{err}");
}

#[tokio::test]
async fn attachments_alone_write_only_files() {
    let env = Env::new();
    env.standard_rules();
    let p = populate(&env).await;
    let dir = env.path().join("files");
    let o = env.run(&["export", "--attachments", dir.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "no documents on stdout with --attachments alone");
    let err = stderr(&o);
    let bytes = cli_common::PDF.len();
    assert!(err.contains(&format!("wrote 1 attachment files ({bytes} bytes) to {}", dir.display())), "{err}");
    // The other two reports and the notice link PDFs that were never downloaded.
    assert!(err.contains("3 attachments were never downloaded"), "{err}");
    let files: Vec<std::path::PathBuf> = walk(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let rel = files[0].strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
    assert!(rel.starts_with("pingtan/") && rel.ends_with(&p.reports[0].attachments[0].name), "{rel}");
    assert_eq!(std::fs::read(&files[0]).unwrap(), cli_common::PDF);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn bad_input_exits_2() {
    let env = Env::new();
    env.standard_rules();
    populate(&env).await;
    let o = env.run(&["export", "--tables", "--facts"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--tables and --facts cannot be combined"));
    let o = env.run(&["export", "--since", "last year"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--since \"last year\": expected YYYY"), "{}", stderr(&o));
    let o = env.run(&["export", "--site", "nowhere"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("unknown site \"nowhere\""));
    let o = env.run(&["export", "--out", env.path().join("no/such/dir/x.jsonl").to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot create the output file"), "{}", stderr(&o));
}
