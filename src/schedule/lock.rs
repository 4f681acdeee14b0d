//! One crawl per site across processes: an advisory lock file per site under the archive
//! directory (`<archive dir>/locks/<site>.lock`), holding the owner's PID and start time.
//!
//! The lock is an OS advisory lock (`flock` on Unix, `LockFileEx` on Windows) on that file, so a
//! crashed owner never leaves a stale lock: the kernel drops it with the process. A lock file
//! whose recorded owner is gone is therefore simply taken over (and logged). Lock files are
//! emptied, not deleted, on release: deleting a locked file lets two processes lock two different
//! inodes of the same name.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// Why a site lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process (or another handle in this one) crawls the site.
    #[error("site {site} is being crawled by {} ({path})", holder.as_deref().unwrap_or("another process"))]
    Held {
        site: String,
        path: PathBuf,
        /// What the lock file says about its owner, e.g. `pid 4242 since 2025-03-01T04:00:00Z`.
        holder: Option<String>,
    },
    /// The lock file could not be created, locked or written.
    #[error("lock file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// A held site lock; released (and the file emptied) on drop.
#[derive(Debug)]
pub struct SiteLock {
    file: File,
    path: PathBuf,
    site: String,
}

impl SiteLock {
    /// The lock directory that belongs to an archive database file: `<its dir>/locks`.
    pub fn dir_for_archive(archive_db: &Path) -> PathBuf {
        archive_db.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).join("locks")
    }

    /// The lock file of `site` under `dir`.
    pub fn path_for(dir: &Path, site: &str) -> PathBuf {
        let safe: String = site
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' })
            .collect();
        dir.join(format!("{safe}.lock"))
    }

    /// Take the lock of `site` without waiting: [`LockError::Held`] if someone holds it.
    /// Creates `dir` if needed.
    pub fn acquire(dir: &Path, site: &str) -> Result<SiteLock, LockError> {
        let path = Self::path_for(dir, site);
        let io = |source| LockError::Io { path: path.clone(), source };
        std::fs::create_dir_all(dir).map_err(|source| LockError::Io { path: dir.to_path_buf(), source })?;
        let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file);
                return Err(LockError::Held { site: site.to_string(), path, holder });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        if let Some(stale) = read_holder(&mut file) {
            tracing::info!(site, lock = %path.display(), "taking over a lock left by {stale}, which is gone");
        }
        let started: DateTime<Utc> = Utc::now();
        let body = format!("pid {} since {}\n", std::process::id(), started.format("%Y-%m-%dT%H:%M:%SZ"));
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(body.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(SiteLock { file, path, site: site.to_string() })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The site locked.
    pub fn site(&self) -> &str {
        &self.site
    }
}

impl Drop for SiteLock {
    fn drop(&mut self) {
        // Empty first, then unlock: a reader never sees our PID on a lock nobody holds.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The first line of a lock file, if any.
fn read_holder(file: &mut File) -> Option<String> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.take(256).read_to_string(&mut text).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_string())
}
