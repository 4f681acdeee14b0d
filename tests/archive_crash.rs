//! Crash safety: a writer process killed with SIGKILL in the middle of its transactions loses
//! nothing it had acknowledged and leaves no half-written rows.
//!
//! The test re-runs this test binary as a child (`crash_child_writer`, ignored in normal runs),
//! which writes documents from several tasks and prints each URL once `store_fetch` returned.

mod archive_common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use archive_common::{detail_fetch, report};
use nianbao::archive::Archive;
use sqlx::Row;

const CHILD_ENV: &str = "NIANBAO_CRASH_CHILD_DB";
/// Acknowledged documents to wait for before the kill.
const BEFORE_KILL: usize = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "child process of kill_mid_write_loses_nothing_committed"]
async fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let a = Archive::open(&path).await.unwrap();
    let run = a.start_run(&["pingtan".to_string()]).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    for t in 0..4u64 {
        let (a, tx) = (a.clone(), tx.clone());
        tokio::spawn(async move {
            for i in 0.. {
                let e = report("pingtan", t * 1_000_000 + i, 2019 + (i % 5) as i32);
                a.store_fetch(detail_fetch(&e, i, Some(run)), Some(e.clone()))
                    .await
                    .unwrap();
                if tx.send(e.url).is_err() {
                    return;
                }
            }
        });
    }
    drop(tx);
    let mut out = std::io::stdout().lock();
    while let Some(url) = rx.recv().await {
        writeln!(out, "committed {url}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn kill_mid_write_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child_writer",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut committed: Vec<String> = Vec::new();
    while committed.len() < BEFORE_KILL {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => committed.extend(line.strip_prefix("committed ").map(str::to_string)),
            Err(e) => {
                let _ = child.kill();
                panic!(
                    "child wrote only {} documents before {e:?}",
                    committed.len()
                );
            }
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no checkpoint, mid-transaction
    let status = child.wait().unwrap();
    assert!(!status.success());
    // Lines printed before the kill were acknowledged commits too.
    reader.join().unwrap();
    committed.extend(
        rx.try_iter()
            .filter_map(|l| l.strip_prefix("committed ").map(str::to_string)),
    );
    assert!(
        db.with_extension("db-wal").exists(),
        "the kill should leave a WAL to recover"
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let a = Archive::open(&db).await.unwrap();
        assert_eq!(a.check_integrity().await.unwrap(), Vec::<String>::new());
        for url in &committed {
            let d = a.document(url).await.unwrap().unwrap_or_else(|| panic!("acknowledged {url} lost"));
            let v = d.current_version.expect("a document without its version");
            assert_eq!(a.tables(v).await.unwrap().len(), 1);
            assert_eq!(a.attachments(d.id).await.unwrap().len(), 1);
        }
        let q = |sql: &'static str| {
            let a = a.clone();
            async move { sqlx::query(sql).fetch_one(a.reader()).await.unwrap().get::<i64, _>(0) }
        };
        let docs = q("SELECT count(*) FROM documents").await;
        assert!(docs as usize >= committed.len());
        // No half rows: every document has its version, table, cells and attachment; every detail
        // response has its document; the per-run counter matches.
        assert_eq!(q("SELECT count(*) FROM documents WHERE current_version IS NULL").await, 0);
        assert_eq!(q("SELECT count(*) FROM versions v WHERE NOT EXISTS (SELECT 1 FROM doc_tables t WHERE t.version_id = v.id)").await, 0);
        assert_eq!(q("SELECT count(*) FROM doc_tables t WHERE NOT EXISTS (SELECT 1 FROM table_cells c WHERE c.version_id = t.version_id)").await, 0);
        assert_eq!(q("SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM attachments x WHERE x.document_id = d.id)").await, 0);
        assert_eq!(q("SELECT count(*) FROM responses r WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.url = r.url)").await, 0);
        assert_eq!(q("SELECT count(*) FROM responses r WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = r.body_hash)").await, 0);
        assert_eq!(q("SELECT coalesce(sum(new), 0) FROM run_sites").await, docs);
        // The search index agrees with the documents (integrity-check above) and finds them.
        let sample = &committed[committed.len() / 2];
        let title: String = sqlx::query("SELECT title FROM current_documents WHERE url = ?")
            .bind(sample)
            .fetch_one(a.reader())
            .await
            .unwrap()
            .get(0);
        let hits = a.search(&title, 5, None).await.unwrap();
        assert_eq!(hits.first().map(|h| h.url.as_str()), Some(sample.as_str()));
        // And the archive takes writes again.
        let e = report("pingtan", 424242, 2024);
        a.store_fetch(detail_fetch(&e, 1, None), Some(e)).await.unwrap();
    });
}
