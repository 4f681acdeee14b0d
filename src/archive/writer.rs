//! The single writer: one task owns the write connection; every mutation is a job sent to it.
//!
//! Each job runs inside its own SAVEPOINT, so a failing job leaves nothing behind while the other
//! jobs of the batch proceed. When several jobs are queued they share one transaction (one fsync
//! of the WAL for all of them); a job is never split across transactions. Callers get their
//! answer only after COMMIT, so an acknowledged write survives a crash of the process.

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
    /// Start the writer task on `conn` (migrations already applied).
    pub(crate) async fn spawn(mut conn: SqliteConnection) -> Result<Writer> {
        super::search::prepare_writer(&mut conn).await?;
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(conn, rx));
        Ok(Writer { tx })
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

async fn run(mut conn: SqliteConnection, mut rx: mpsc::Receiver<Msg>) {
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
            run_batch(&mut conn, std::mem::take(&mut batch)).await;
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
        run_batch(&mut conn, batch).await;
    }
    let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    if let Some(t) = closing {
        let _ = t.send(());
    }
}

async fn run_batch(conn: &mut SqliteConnection, jobs: Vec<Job>) {
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
    for job in jobs {
        if let Err(e) = sqlx::query("SAVEPOINT job").execute(&mut *conn).await {
            job.abort(&format!("savepoint: {e}"));
            continue;
        }
        let (ok, fin) = job.run(conn).await;
        if ok {
            let _ = sqlx::query("RELEASE job").execute(&mut *conn).await;
        } else {
            let _ = sqlx::query("ROLLBACK TO job").execute(&mut *conn).await;
            let _ = sqlx::query("RELEASE job").execute(&mut *conn).await;
        }
        finishers.push(fin);
    }
    // Work the jobs queued for the end of the batch (the search index), then commit. If that
    // fails, nothing of the batch is kept and every job gets the error.
    let flushed = super::search::flush_pending(conn).await.map_err(|e| e.to_string());
    let committed = match flushed {
        Ok(()) => sqlx::query("COMMIT").execute(&mut *conn).await.map(|_| ()).map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match committed {
        Ok(()) => finishers.into_iter().for_each(|f| f(None)),
        Err(m) => {
            tracing::error!("archive commit failed: {m}");
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            finishers.into_iter().for_each(|f| f(Some(&m)));
        }
    }
}
