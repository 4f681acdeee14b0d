//! Export: documents as JSONL/CSV with --site/--since, table cells in long format, attachments
//! written under safe names.

mod archive_common;

use archive_common::{detail_fetch, report, temp_archive};
use nianbao::archive::{Archive, FetchKind, FetchRecord};
use nianbao::export::{
    export_attachments, export_documents, export_tables, ExportFilter, ExportFormat,
    DOCUMENT_COLUMNS, TABLE_COLUMNS,
};
use nianbao::extract::{Attachment, Extracted};

async fn seeded() -> (tempfile::TempDir, Archive, Vec<Extracted>) {
    let (d, a) = temp_archive().await;
    let mut docs = Vec::new();
    for (site, i, year) in [
        ("pingtan", 1, 2021),
        ("pingtan", 2, 2023),
        ("lishui", 3, 2023),
    ] {
        let mut e = report(site, i, year);
        e.text.push_str("含有\"引号\",逗号\n和换行");
        a.store_fetch(detail_fetch(&e, 1, None), Some(e.clone()))
            .await
            .unwrap();
        docs.push(e);
    }
    (d, a, docs)
}

fn filter(site: Option<&str>, since: Option<&str>) -> ExportFilter {
    ExportFilter {
        site: site.map(Into::into),
        since: since.map(Into::into),
    }
}

#[tokio::test]
async fn jsonl_documents_round_trip_with_site_and_since_filters() {
    let (_d, a, docs) = seeded().await;
    let mut out = Vec::new();
    let n = export_documents(&a, &filter(None, None), ExportFormat::Jsonl, &mut out)
        .await
        .unwrap();
    assert_eq!(n, 3);
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["url"], docs[0].url);
    assert_eq!(lines[0]["title"], docs[0].title);
    assert_eq!(lines[0]["text"], docs[0].text);
    assert_eq!(lines[0]["report_year"], 2021);
    assert_eq!(lines[0]["version"], 1);
    assert_eq!(
        lines[0]["attachments"][0]["name"],
        docs[0].attachments[0].name
    );
    assert!(lines[0]["taken_down_at"].is_null());

    let mut out = Vec::new();
    assert_eq!(
        export_documents(
            &a,
            &filter(Some("pingtan"), None),
            ExportFormat::Jsonl,
            &mut out
        )
        .await
        .unwrap(),
        2
    );
    // Published 2022-03-.. for report year 2021, 2024-03-.. for 2023.
    let mut out = Vec::new();
    let n = export_documents(
        &a,
        &filter(Some("pingtan"), Some("2024")),
        ExportFormat::Jsonl,
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert!(String::from_utf8(out).unwrap().contains(&docs[1].url));
    assert!(export_documents(
        &a,
        &filter(None, Some("20x4")),
        ExportFormat::Jsonl,
        Vec::new()
    )
    .await
    .is_err());
}

#[tokio::test]
async fn csv_documents_have_a_header_and_quote_properly() {
    let (_d, a, docs) = seeded().await;
    let mut out = Vec::new();
    export_documents(
        &a,
        &filter(Some("lishui"), None),
        ExportFormat::Csv,
        &mut out,
    )
    .await
    .unwrap();
    let mut r = csv::Reader::from_reader(out.as_slice());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        DOCUMENT_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][2], docs[2].url);
    assert_eq!(
        &rows[0][18], docs[2].text,
        "quotes, commas and newlines survive"
    );
    let atts: Vec<Attachment> = serde_json::from_str(&rows[0][17]).unwrap();
    assert_eq!(atts, docs[2].attachments);

    // An empty selection still has the header.
    let mut out = Vec::new();
    assert_eq!(
        export_documents(
            &a,
            &filter(Some("nowhere"), None),
            ExportFormat::Csv,
            &mut out
        )
        .await
        .unwrap(),
        0
    );
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
}

#[tokio::test]
async fn tables_export_in_long_format() {
    let (_d, a, docs) = seeded().await;
    let mut out = Vec::new();
    let n = export_tables(
        &a,
        &filter(Some("lishui"), None),
        ExportFormat::Csv,
        &mut out,
    )
    .await
    .unwrap();
    let grid = &docs[2].tables[0];
    let cells: usize = grid.iter().map(Vec::len).sum();
    assert_eq!(n as usize, cells);
    let mut r = csv::Reader::from_reader(out.as_slice());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        TABLE_COLUMNS
    );
    for rec in r.records().map(Result::unwrap) {
        let (row, col): (usize, usize) = (rec[4].parse().unwrap(), rec[5].parse().unwrap());
        assert_eq!(&rec[2], docs[2].url);
        assert_eq!(&rec[3], "0");
        assert_eq!(&rec[6], grid[row][col]);
    }
    let mut out = Vec::new();
    let n = export_tables(&a, &filter(None, None), ExportFormat::Jsonl, &mut out)
        .await
        .unwrap();
    assert_eq!(n as usize, cells * 3);
    let first: serde_json::Value =
        serde_json::from_str(String::from_utf8(out).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(first["row"], 0);
    assert_eq!(first["column"], 0);
    assert_eq!(first["table_index"], 0);
}

#[tokio::test]
async fn attachments_are_written_under_safe_deduplicated_names() {
    let (dir, a) = temp_archive().await;
    let mut e = report("pingtan", 1, 2023);
    e.attachments = vec![
        Attachment {
            url: "https://www.pingtan.gov.cn/a/1.pdf".into(),
            name: "../../etc/x.pdf".into(),
        },
        Attachment {
            url: "https://www.pingtan.gov.cn/a/2.pdf".into(),
            name: "x.pdf".into(),
        },
        Attachment {
            url: "https://www.pingtan.gov.cn/a/3.xls".into(),
            name: "附表:统计表".into(),
        },
        Attachment {
            url: "https://www.pingtan.gov.cn/a/4.doc".into(),
            name: "未下载.doc".into(),
        },
    ];
    let doc = a
        .store_fetch(detail_fetch(&e, 1, None), Some(e.clone()))
        .await
        .unwrap()
        .document
        .unwrap();
    for (k, att) in e.attachments.iter().take(3).enumerate() {
        let body = format!("file {k} 内容").into_bytes();
        a.store_fetch(
            FetchRecord::new(att.url.clone(), FetchKind::Attachment, 200, body),
            None,
        )
        .await
        .unwrap();
    }
    let out = dir.path().join("export");
    let rep = export_attachments(&a, &filter(None, None), &out)
        .await
        .unwrap();
    assert_eq!(rep.not_downloaded, 1);
    let names: Vec<String> = rep
        .files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["etc_x.pdf", "x.pdf", "附表_统计表.xls"]);
    for (k, f) in rep.files.iter().enumerate() {
        assert!(
            f.path
                .starts_with(out.join("pingtan").join(doc.document_id.to_string())),
            "{:?}",
            f.path
        );
        assert_eq!(
            std::fs::read(&f.path).unwrap(),
            format!("file {k} 内容").into_bytes()
        );
    }
    // Nothing escaped the export directory.
    assert!(!dir.path().join("etc").exists());

    // Same sanitised name twice: numbered.
    let mut e2 = report("pingtan", 2, 2023);
    e2.attachments = vec![
        Attachment {
            url: "https://www.pingtan.gov.cn/b/1.pdf".into(),
            name: "年报/2023.pdf".into(),
        },
        Attachment {
            url: "https://www.pingtan.gov.cn/b/2.pdf".into(),
            name: "年报\\2023.pdf".into(),
        },
    ];
    a.store_fetch(detail_fetch(&e2, 1, None), Some(e2.clone()))
        .await
        .unwrap();
    for att in &e2.attachments {
        a.store_fetch(
            FetchRecord::new(
                att.url.clone(),
                FetchKind::Attachment,
                200,
                att.url.clone().into_bytes(),
            ),
            None,
        )
        .await
        .unwrap();
    }
    let rep = export_attachments(&a, &filter(Some("pingtan"), Some("2024-01-01")), &out)
        .await
        .unwrap();
    let names: Vec<String> = rep
        .files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.ends_with(&["年报_2023.pdf".to_string(), "年报_2023 (2).pdf".to_string()]),
        "{names:?}"
    );
}
