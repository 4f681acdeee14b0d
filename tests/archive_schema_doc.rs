//! docs/schema.md stays true: every table, view and column is documented, and the SQL examples
//! run and answer correctly.

mod archive_common;

use archive_common::{detail_fetch, report, temp_archive};
use sqlx::Row;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schema.md")).unwrap()
}

fn sql_blocks(md: &str) -> Vec<String> {
    md.split("```sql")
        .skip(1)
        .map(|b| b.split("```").next().unwrap().trim().to_string())
        .collect()
}

#[tokio::test]
async fn every_table_view_and_column_is_documented() {
    let (_d, a) = temp_archive().await;
    let md = doc();
    let objects = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_index_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(a.reader())
    .await
    .unwrap();
    assert!(objects.len() >= 14);
    for o in objects {
        let name: String = o.get(0);
        assert!(
            md.contains(&format!("`{name}`")),
            "table {name} is not documented"
        );
        let cols = sqlx::query(&format!("SELECT name FROM pragma_table_info('{name}')"))
            .fetch_all(a.reader())
            .await
            .unwrap();
        for c in cols {
            let col: String = c.get(0);
            assert!(
                md.contains(&format!("`{col}`")),
                "column {name}.{col} is not documented"
            );
        }
    }
}

#[tokio::test]
async fn the_sql_examples_run_and_answer_correctly() {
    let (_d, a) = temp_archive().await;
    let mut expected = Vec::new();
    for (site, i, year) in [
        ("lianjiang", 1, 2021),
        ("pingtan", 2, 2022),
        ("pingtan", 3, 2023),
    ] {
        let e = report(site, i, year);
        // Row 1 of the application table is 本年新收…, the last column is 总计.
        let total: i64 = e.tables[0][1].last().unwrap().parse().unwrap();
        expected.push((site.to_string(), year as i64, total));
        a.store_fetch(detail_fetch(&e, 1, None), Some(e))
            .await
            .unwrap();
    }
    let blocks = sql_blocks(&doc());
    assert_eq!(blocks.len(), 2);
    // The FTS example.
    let rows = sqlx::query(&blocks[0]).fetch_all(a.reader()).await.unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].get::<String, _>(1).contains("[依申请公开]"));
    // The table-cell example.
    let rows = sqlx::query(&blocks[1]).fetch_all(a.reader()).await.unwrap();
    let got: Vec<(String, i64, i64)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(got, expected);
}
