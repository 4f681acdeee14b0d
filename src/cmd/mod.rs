//! Command implementations, one file each, called from the thin binary.

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub mod capture;
pub mod crawl;
pub mod demo;
pub mod export;
pub mod extract;
pub mod reextract;
pub mod report;
pub mod schedule;
pub mod search;
pub mod sites;
pub mod support;
pub mod verify;

/// How a finished command went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything worked.
    Ok,
    /// The run finished, but some pages, sites or checks failed (exit 1).
    Failed,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        match s {
            Status::Ok => ExitCode::SUCCESS,
            Status::Failed => ExitCode::from(1),
        }
    }
}

/// Log to stderr; `-v` info, `-vv` debug; `RUST_LOG` overrides.
pub fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,nianbao=info",
        _ => "debug,nianbao=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Run one command. Errors are configuration or usage errors (exit 2); per-page failures are
/// reported by the command and give `Status::Failed`.
pub fn run(cli: Cli) -> anyhow::Result<Status> {
    let g = cli.global;
    match cli.command {
        Command::Crawl(a) => crawl::run(&g, a),
        Command::Capture(a) => capture::run(&g, a),
        Command::Extract(a) => extract::run(&g, a),
        Command::Schedule(a) => schedule::run(&g, a),
        Command::Verify(a) => verify::run(&g, a),
        Command::Search(a) => search::run(&g, a),
        Command::Export(a) => export::run(&g, a),
        Command::Reextract(a) => reextract::run(&g, a),
        Command::Sites(a) => sites::run(&g, a),
        Command::Report(a) => report::run(&g, a),
        Command::Demo(a) => demo::run(&g, a),
    }
}

/// Load the site rules for a command that can work without all of them (`extract`, `capture`):
/// broken rule files are reported on stderr, naming file and key, and the rest are used. A site
/// the command asks for by name must have loaded.
pub fn load_sites_lenient(dir: &std::path::Path, wanted: Option<&str>) -> anyhow::Result<crate::site::SiteSet> {
    if !dir.exists() {
        if let Some(name) = wanted {
            anyhow::bail!("no site rule named {name:?}: {} does not exist", dir.display());
        }
        return Ok(crate::site::SiteSet::default());
    }
    let (sites, errors) = crate::site::load_dir_partial(dir);
    if !errors.0.is_empty() {
        if let Some(name) = wanted {
            if sites.get(name).is_none() {
                anyhow::bail!("site rule {name:?} did not load:\n{errors}");
            }
        }
        eprintln!("warning: some site rules did not load (other sites are used):\n{errors}");
    }
    Ok(sites)
}

/// Load every site rule strictly: any broken file is a configuration error (exit 2).
pub fn load_sites_strict(dir: &std::path::Path) -> anyhow::Result<crate::site::SiteSet> {
    crate::site::load_dir(dir).map_err(|e| anyhow::anyhow!("site rules in {} are broken:\n{e}", dir.display()))
}
