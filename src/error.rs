//! The library's error type. Every variant names what went wrong *and where*: a file, a key, a URL.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A site rule file is malformed: bad TOML, unknown key, bad selector, regex or rate.
    #[error("{path}: {key}: {message}")]
    Rule { path: PathBuf, key: String, message: String },

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io { path: PathBuf, #[source] source: std::io::Error },

    /// A fetch failed for good (after retries).
    #[error("{url}: {message}")]
    Fetch { url: String, message: String },

    /// The archive database refused an operation.
    #[error("archive {context}: {source}")]
    Archive { context: String, #[source] source: sqlx::Error },

    /// A fixture or expected-output file is malformed.
    #[error("{path}: {message}")]
    Fixture { path: PathBuf, message: String },

    /// Anything else, with enough context to act on.
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
    pub fn rule(path: impl Into<PathBuf>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Rule { path: path.into(), key: key.into(), message: message.into() }
    }
}
