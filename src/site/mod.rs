//! Site rules: one TOML file per site in `sites/`, loaded, validated and compiled once.
//! The format is documented in `sites/README.md`.
//!
//! * [`load_dir`] loads every `sites/*.toml` (directories and other files beside them, such as
//!   fixture folders, are ignored) and reports every problem of every file at once.
//! * [`load_file`] loads one file; [`parse_str`] parses rule text.
//! * [`SiteSet::get`] finds a site by name, [`SiteSet::for_url`] by URL host.
//! * Errors are [`crate::Error::Rule`] with the file, the dotted key (`lists[0].items`,
//!   `detail.content`, `robots`) and, when TOML gave a position, `line N:` at the start of the
//!   message.

mod build;
mod detail;
mod parse;
mod raw;
mod set;
mod types;

pub use build::{DEFAULT_CONCURRENCY, DEFAULT_TIMEZONE};
pub use detail::{family_names, family_rule};
pub use parse::{chrome_regex, split_top_level};
pub use set::{domain_matches, load_dir, load_dir_partial, load_file, parse_str, rule_files, RuleErrors, SiteSet};
pub use types::*;
