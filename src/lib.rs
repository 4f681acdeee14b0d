//! nianbao (年报): crawler and archive for Chinese government information-disclosure portals.
//!
//! The crate is laid out along the data flow (see README.md):
//! `site` (rules) → `crawl` (frontier) → `fetch` (politeness) → `decode` → `extract` →
//! `archive` → `export` / search / report. Decode and extract are pure, synchronous functions of
//! (bytes, headers, url, rule), so the same code runs in every command.

pub mod archive;
pub mod cli;
pub mod cmd;
pub mod crawl;
pub mod decode;
pub mod demo;
pub mod error;
pub mod export;
pub mod extract;
pub mod facts;
pub mod fetch;
pub mod pipeline;
pub mod report;
pub mod schedule;
pub mod site;
pub mod verify;

pub use error::{Error, Result};
