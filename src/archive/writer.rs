//! The single writer: one task owns the write connection; every mutation is a job sent to it.
//!
//! Each job runs inside its own SAVEPOINT, so a failing job leaves nothing behind while the other
//! jobs of the batch proceed. When several jobs are queued they share one transaction (one fsync
//! of the WAL for all of them); a job is never split across transactions. Callers get their
//! answer only after COMMIT, so an acknowledged write survives a crash of the process.
//!
//! Every statement is a round trip to sqlx's SQLite worker thread, and the writer is the one
//! serial path of a crawl, so:
//! * the writer task runs on its own thread (a current-thread runtime), not on the shared
//!   runtime: each round trip wakes it directly instead of queueing it behind hundreds of fetch
//!   tasks on busy worker threads;
//! * closing one job's savepoint and opening the next one's (and the last RELEASE with COMMIT)
//!   are one round trip;
//! * search indexing is deferred to the end of the batch (`index_later_sql!`, [`unindex_later`]):
//!   FTS5 writes its pending terms to disk as a new segment at every SAVEPOINT, so indexing
//!   inside each job made one segment per document (and merges to match), about a fifth of the
//!   SQLite thread's time in a crawl. The queue is a TEMP table, so a job rolled back to its
//!   savepoint takes its queued work with it, and the index is written before COMMIT, in the
//!   same transaction: readers never see a document without its index entry.

use futures::future::BoxFuture;
use sqlx::{Connection, SqliteConnection};
use tokio::sync::{mpsc, oneshot};

use super::util::Ctx;
use crate::error::{Error, Result};

/// Most jobs in one transaction.
const MAX_BATCH: usize = 256;
/// Queue length before senders wait (back-pressure on the crawler).
const QUEUE: usize = 1024;

/// Delivers a job's result once the transaction is settled. `Some(message)` = COMMIT failed.
type Finisher = Box<dyn FnOnce(Option<&str>) + Send>;
type Job = Box<dyn JobT>;

/// A queued unit of work.
trait JobT: Send {
    /// Run on the connection (inside a savepoint); `true` = success.
    fn run<'c>(self: Box<Self>, conn: &'c mut SqliteConnection) -> BoxFuture<'c, (bool, Finisher)>;
    /// Answer the caller with an error without running.
    fn abort(self: Box<Self>, message: &str);
}

struct Unit<F, T> {
    f: F,
    reply: oneshot::Sender<Result<T>>,
}

impl<F, T> JobT for Unit<F, T>
where
    T: Send + 'static,
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
{
    fn run<'c>(self: Box<Self>, conn: &'c mut SqliteConnection) -> BoxFuture<'c, (bool, Finisher)> {
        let Unit { f, reply } = *self;
        Box::pin(async move {
            let res = f(conn).await;
            let ok = res.is_ok();
            let finish: Finisher = Box::new(move |commit_err: Option<&str>| {
                let out = match commit_err {
                    Some(m) if ok => Err(Error::Other(format!("archive commit failed: {m}"))),
                    _ => res,
                };
                let _ = reply.send(out);
            });
            (ok, finish)
        })
    }

    fn abort(self: Box<Self>, message: &str) {
        let _ = self.reply.send(Err(Error::Other(format!(
            "archive write not run: {message}"
        ))));
    }
}

enum Msg {
    Job(Job),
    Close(oneshot::Sender<()>),
}

/// A cloneable handle to the writer task.
#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::Sender<Msg>,
}

fn closed() -> Error {
    Error::Other("archive writer is closed".into())
}

impl Writer {
    /// Start the writer task on `conn` (migrations already applied), on a thread of its own.
    pub(crate) fn spawn(conn: SqliteConnection) -> Writer {
        let (tx, rx) = mpsc::channel(QUEUE);
        // No I/O driver: SQLite's worker answers through channels, and a runtime parked on a
        // condition variable is cheaper to wake than one parked in epoll (eventfd write + read).
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build();
        match rt {
            Ok(rt) => {
                let spawned = std::thread::Builder::new()
                    .name("nianbao-archive-writer".into())
                    .spawn(move || rt.block_on(run(conn, rx)));
                if let Err(e) = spawned {
                    // Without a thread the writer cannot run at all: fail every write.
                    tracing::error!("archive: cannot start the writer thread: {e}");
                }
            }
            Err(e) => {
                tracing::warn!("archive: no runtime for the writer thread ({e}); writing on the caller's runtime");
                tokio::spawn(run(conn, rx));
            }
        }
        Writer { tx }
    }

    /// Run `f` as one transactional unit on the write connection and return its result after
    /// COMMIT.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(Unit { f, reply });
        self.tx.send(Msg::Job(job)).await.map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    /// Finish queued jobs, checkpoint the WAL and close the connection.
    pub(crate) async fn close(&self) -> Result<()> {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Close(tx)).await.is_err() {
            return Ok(());
        }
        let _ = rx.await;
        Ok(())
    }
}

/// SQL that writes the queued search-index work (`index_later_sql!`, [`unindex_later`]).
macro_rules! flush_sql {
    () => {
        "INSERT INTO search_index (search_index, rowid, title, text)
             SELECT 'delete', v.id, v.title, v.text FROM temp.search_pending p JOIN versions v ON v.id = p.version_id
             WHERE p.op = 'delete';
         INSERT INTO search_index (rowid, title, text)
             SELECT v.id, v.title, v.text FROM temp.search_pending p JOIN versions v ON v.id = p.version_id
             WHERE p.op = 'insert' ORDER BY v.id;
         DELETE FROM temp.search_pending;"
    };
}

/// SQL that queues the search-index entry of the current version of the document whose id is the
/// statement's one positional parameter, to be written before the batch commits; run with other
/// statements of the job.
macro_rules! index_later_sql {
    () => {
        "INSERT OR REPLACE INTO temp.search_pending (version_id, op) SELECT current_version, 'insert' FROM documents WHERE id = ?;"
    };
}
pub(crate) use index_later_sql;

/// Queue the removal of version `version_id` (no longer current) from the search index. If its
/// entry is itself still queued (indexed and replaced in the same batch), that is dropped instead.
pub(crate) async fn unindex_later(c: &mut SqliteConnection, version_id: i64) -> Result<()> {
    sqlx::query(
        "DELETE FROM temp.search_pending WHERE version_id = ?1 AND op = 'insert';
         INSERT INTO temp.search_pending (version_id, op) SELECT ?1, 'delete' WHERE changes() = 0",
    )
    .bind(version_id)
    .execute(&mut *c)
    .await
    .ctx("queue search unindex")?;
    Ok(())
}

/// Write the queued search-index work now, for a job that needs the index complete (integrity
/// check, rebuild).
pub(crate) async fn flush_search_index(c: &mut SqliteConnection) -> Result<()> {
    sqlx::query(flush_sql!()).execute(&mut *c).await.ctx("write search index")?;
    Ok(())
}

/// Create the queue of deferred search-index work if the database has a search index. Returns
/// whether it does (a batch then writes the queue before COMMIT).
async fn prepare(conn: &mut SqliteConnection) -> bool {
    let has_index = sqlx::query("SELECT 1 FROM sqlite_master WHERE name = 'search_index'")
        .fetch_optional(&mut *conn)
        .await
        .is_ok_and(|r| r.is_some());
    if !has_index {
        return false;
    }
    let created = sqlx::query(
        "CREATE TEMP TABLE IF NOT EXISTS search_pending (version_id INTEGER PRIMARY KEY, op TEXT NOT NULL)",
    )
    .execute(&mut *conn)
    .await;
    if let Err(e) = &created {
        tracing::error!("archive: cannot create the search-index queue: {e}");
    }
    created.is_ok()
}

async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Msg>) {
    let indexed = prepare(&mut conn).await;
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut closing: Option<oneshot::Sender<()>> = None;
    while closing.is_none() {
        match rx.recv().await {
            Some(Msg::Job(j)) => batch.push(j),
            Some(Msg::Close(t)) => closing = Some(t),
            None => break,
        }
        while closing.is_none() && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Job(j)) => batch.push(j),
                Ok(Msg::Close(t)) => closing = Some(t),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            run_batch(&mut conn, std::mem::take(&mut batch), indexed).await;
        }
    }
    // Answer anything still queued after a close, then shut down.
    rx.close();
    while let Ok(msg) = rx.try_recv() {
        if let Msg::Job(j) = msg {
            batch.push(j);
        }
    }
    if !batch.is_empty() {
        run_batch(&mut conn, batch, indexed).await;
    }
    let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    if let Some(t) = closing {
        let _ = t.send(());
    }
}

/// What the connection holds between two jobs of a batch.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    /// The transaction only (no job savepoint open).
    Transaction,
    /// The savepoint of a job that succeeded.
    Succeeded,
    /// The savepoint of a job that failed (to be rolled back).
    Failed,
}

/// SQL that closes what `open` left and then runs `then` (`SAVEPOINT job` or `COMMIT`, after
/// writing the queued search-index work if `indexed`), as one round trip. A fixed set of
/// strings, so sqlx's statement cache keeps them prepared.
fn transition(open: Open, then_commit: bool, indexed: bool) -> &'static str {
    match (open, then_commit, indexed) {
        (Open::Transaction, false, _) => "SAVEPOINT job",
        (Open::Succeeded, false, _) => "RELEASE job; SAVEPOINT job",
        (Open::Failed, false, _) => "ROLLBACK TO job; RELEASE job; SAVEPOINT job",
        (Open::Transaction, true, false) => "COMMIT",
        (Open::Succeeded, true, false) => "RELEASE job; COMMIT",
        (Open::Failed, true, false) => "ROLLBACK TO job; RELEASE job; COMMIT",
        (Open::Transaction, true, true) => concat!(flush_sql!(), " COMMIT"),
        (Open::Succeeded, true, true) => concat!("RELEASE job; ", flush_sql!(), " COMMIT"),
        (Open::Failed, true, true) => concat!("ROLLBACK TO job; RELEASE job; ", flush_sql!(), " COMMIT"),
    }
}

async fn run_batch(conn: &mut SqliteConnection, jobs: Vec<Job>, indexed: bool) {
    let mut finishers: Vec<Finisher> = Vec::with_capacity(jobs.len());
    if let Err(e) = sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .ctx("begin")
    {
        let m = e.to_string();
        tracing::error!("archive: {m}");
        jobs.into_iter().for_each(|j| j.abort(&m));
        return;
    }
    let mut open = Open::Transaction;
    for job in jobs {
        if let Err(e) = sqlx::query(transition(open, false, indexed)).execute(&mut *conn).await {
            // Whatever part failed, no savepoint of this job is known to be open.
            open = Open::Transaction;
            job.abort(&format!("savepoint: {e}"));
            continue;
        }
        let (ok, fin) = job.run(conn).await;
        open = if ok { Open::Succeeded } else { Open::Failed };
        finishers.push(fin);
    }
    match sqlx::query(transition(open, true, indexed)).execute(&mut *conn).await {
        Ok(_) => finishers.into_iter().for_each(|f| f(None)),
        Err(e) => {
            let m = e.to_string();
            tracing::error!("archive commit failed: {m}");
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            finishers.into_iter().for_each(|f| f(Some(&m)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job<T: Send + 'static>(
        f: impl for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    ) -> (Job, oneshot::Receiver<Result<T>>) {
        let (reply, answer) = oneshot::channel();
        (Box::new(Unit { f, reply }), answer)
    }

    fn insert(x: i64, fail_after: bool) -> (Job, oneshot::Receiver<Result<()>>) {
        job(move |c| {
            Box::pin(async move {
                sqlx::query("INSERT INTO t (x) VALUES (?)").bind(x).execute(&mut *c).await.ctx("insert")?;
                if fail_after {
                    return Err(Error::Other(format!("job {x} failed after writing")));
                }
                Ok(())
            })
        })
    }

    async fn rows(c: &mut SqliteConnection) -> Vec<i64> {
        sqlx::query_scalar("SELECT x FROM t ORDER BY x").fetch_all(c).await.unwrap()
    }

    /// Jobs of one batch share a transaction but not their failures: a failing job's writes are
    /// rolled back, whether it is followed by another job or is the last of the batch, and the
    /// others are committed.
    #[tokio::test]
    async fn a_failing_job_leaves_nothing_and_the_others_commit() {
        let mut conn: SqliteConnection = sqlx::Connection::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)").execute(&mut conn).await.unwrap();
        let (a, ra) = insert(1, false);
        let (b, rb) = insert(2, true);
        let (c, rc) = insert(3, false);
        let (d, rd) = insert(4, true);
        run_batch(&mut conn, vec![a, b, c, d], false).await;
        assert!(ra.await.unwrap().is_ok());
        assert!(rb.await.unwrap().is_err());
        assert!(rc.await.unwrap().is_ok());
        assert!(rd.await.unwrap().is_err());
        assert_eq!(rows(&mut conn).await, vec![1, 3]);

        let (e, re) = insert(5, true);
        let (f, rf) = insert(6, false);
        run_batch(&mut conn, vec![e, f], false).await;
        assert!(re.await.unwrap().is_err());
        assert!(rf.await.unwrap().is_ok());
        assert_eq!(rows(&mut conn).await, vec![1, 3, 6]);
        // Nothing is left open: a plain transaction can start.
        sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
        sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
    }

    /// The writer answers from its own thread, after COMMIT, and closes cleanly.
    #[tokio::test]
    async fn the_writer_thread_commits_and_closes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        let mut conn: SqliteConnection = sqlx::ConnectOptions::connect(&opts).await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)").execute(&mut conn).await.unwrap();
        let w = Writer::spawn(conn);
        let writes: Vec<_> = (0..20i64)
            .map(|x| {
                let w = w.clone();
                tokio::spawn(async move {
                    w.write(move |c| {
                        Box::pin(async move {
                            sqlx::query("INSERT INTO t (x) VALUES (?)").bind(x).execute(&mut *c).await.ctx("insert")?;
                            Ok(std::thread::current().name().map(str::to_string))
                        })
                    })
                    .await
                })
            })
            .collect();
        for h in writes {
            assert_eq!(h.await.unwrap().unwrap().as_deref(), Some("nianbao-archive-writer"));
        }
        w.close().await.unwrap();
        let mut check: SqliteConnection = sqlx::ConnectOptions::connect(&opts).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM t").fetch_one(&mut check).await.unwrap();
        assert_eq!(n, 20);
        assert!(w.write(|_| Box::pin(async { Ok(()) })).await.is_err(), "writes after close fail");
    }

    fn doc(title: &str, text: &str) -> crate::extract::Extracted {
        crate::extract::Extracted { title: title.into(), text: text.into(), ..Default::default() }
    }

    /// Store `e` at `url` as a crawl would, in a job of its own; fail afterwards if `fail`.
    fn store(url: &'static str, e: crate::extract::Extracted, fail: bool) -> (Job, oneshot::Receiver<Result<()>>) {
        job(move |c| {
            Box::pin(async move {
                let hash = super::super::util::content_hash(&e);
                let facts = super::super::store::report_facts(&e);
                super::super::store::upsert_document(c, url, None, "2025-01-01T00:00:00Z", None, &e, &hash, &facts, "crawl").await?;
                if fail {
                    return Err(Error::Other("failed after storing".into()));
                }
                Ok(())
            })
        })
    }

    async fn hits(c: &mut SqliteConnection, term: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT d.url FROM search_index s JOIN versions v ON v.id = s.rowid JOIN documents d ON d.id = v.document_id
             WHERE search_index MATCH ? ORDER BY d.url",
        )
        .bind(term)
        .fetch_all(c)
        .await
        .unwrap()
    }

    /// Indexing deferred to the end of the batch gives the index a crawl would have had: a
    /// document changed twice in one batch is found by its last text only, a rolled-back job
    /// leaves no entry, and FTS5's own integrity check passes.
    #[tokio::test]
    async fn deferred_search_indexing_matches_the_committed_documents() {
        let mut conn: SqliteConnection = sqlx::Connection::connect("sqlite::memory:").await.unwrap();
        super::super::migrator().run(&mut conn).await.unwrap();
        assert!(prepare(&mut conn).await);
        let (a, ra) = store("http://a.gov.cn/1", doc("年度报告", "甲乙丙 first text"), false);
        let (b, rb) = store("http://a.gov.cn/1", doc("年度报告", "丁戊己 second text"), false);
        let (c, rc) = store("http://a.gov.cn/2", doc("其他", "庚辛壬 rolled back"), true);
        let (d, rd) = store("http://a.gov.cn/3", doc("其他", "癸子丑 kept"), false);
        run_batch(&mut conn, vec![a, b, c, d], true).await;
        for r in [ra, rb, rd] {
            r.await.unwrap().unwrap();
        }
        assert!(rc.await.unwrap().is_err());
        assert_eq!(hits(&mut conn, "甲乙丙").await, Vec::<String>::new(), "the replaced text is out of the index");
        assert_eq!(hits(&mut conn, "丁戊己").await, ["http://a.gov.cn/1"]);
        assert_eq!(hits(&mut conn, "庚辛壬").await, Vec::<String>::new(), "rolled back with its job");
        assert_eq!(hits(&mut conn, "癸子丑").await, ["http://a.gov.cn/3"]);

        // A change in a later batch takes the version indexed by an earlier one out.
        let (e, re) = store("http://a.gov.cn/3", doc("其他", "寅卯辰 changed"), false);
        run_batch(&mut conn, vec![e], true).await;
        re.await.unwrap().unwrap();
        assert_eq!(hits(&mut conn, "癸子丑").await, Vec::<String>::new());
        assert_eq!(hits(&mut conn, "寅卯辰").await, ["http://a.gov.cn/3"]);
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM temp.search_pending").fetch_one(&mut conn).await.unwrap();
        assert_eq!(pending, 0);
        sqlx::query("INSERT INTO search_index (search_index) VALUES ('integrity-check')").execute(&mut conn).await.unwrap();
    }
}
