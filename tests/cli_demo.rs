//! `nianbao demo`: the fixture pages bundled with sites/ served on 127.0.0.1 (as the fetcher's
//! proxy) and captured into a fresh archive with the real rules, decoder and archive.

use std::path::Path;
use std::process::Command;

use nianbao::archive::Archive;
use sqlx::Row;

/// (site, URL as served, expected title) of every detail fixture under `sites/`.
fn detail_fixtures(sites: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for site in std::fs::read_dir(sites).unwrap().flatten().filter(|e| e.path().is_dir()) {
        for f in std::fs::read_dir(site.path()).unwrap().flatten() {
            let path = f.path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let spec: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if spec.get("kind").and_then(|k| k.as_str()).unwrap_or("detail") != "detail" {
                continue;
            }
            let expected: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path.with_extension("expected.json")).unwrap()).unwrap();
            let url = spec["url"].as_str().unwrap().replacen("https://", "http://", 1);
            let name = site.file_name().to_string_lossy().into_owned();
            out.push((name, url, expected["title"].as_str().unwrap().to_string()));
        }
    }
    out
}

#[tokio::test]
async fn demo_archives_every_bundled_page_into_a_fresh_archive() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures = detail_fixtures(&root.join("sites"));
    assert!(fixtures.len() >= 5, "{fixtures:?}");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo.db");
    let run = |out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .current_dir(root)
            .env_remove("NIANBAO_RESOLVE")
            .args(["--archive", &tmp.path().join("unused.db").to_string_lossy(), "demo", "--out", &out.to_string_lossy()])
            .output()
            .unwrap()
    };
    let o = run(&out);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.trim().is_empty(), "attachments that are not bundled are expected, nothing else:\n{stderr}");
    assert!(stdout.contains(&format!("{n} of {n} pages archived", n = fixtures.len())), "{stdout}");
    assert!(!tmp.path().join("unused.db").exists(), "the demo does not touch --archive");

    // Every page is a document under its real (http) URL, with the fixture's title, extracted by
    // its site's rule; GBK pages decoded.
    let archive = Archive::open(&out).await.unwrap();
    for (site, url, title) in &fixtures {
        let row = sqlx::query(
            "SELECT d.site, v.title FROM documents d JOIN versions v ON v.id = d.current_version WHERE d.url = ?",
        )
        .bind(url)
        .fetch_optional(archive.reader())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{url} not archived:\n{stdout}"));
        assert_eq!(row.get::<String, _>(0), *site);
        assert_eq!(row.get::<String, _>(1), *title);
        assert!(stdout.contains(title.as_str()), "{title}:\n{stdout}");
    }
    let docs: i64 = sqlx::query_scalar("SELECT count(*) FROM documents").fetch_one(archive.reader()).await.unwrap();
    assert_eq!(docs as usize, fixtures.len());
    archive.close().await.unwrap();

    // A second demo into the same file is refused: the demo only writes fresh archives.
    let again = run(&out);
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains(&*out.to_string_lossy()) && err.contains("exists"), "{err}");
}
