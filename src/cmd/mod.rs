//! Command implementations, one file each, called from the thin binary.

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub mod extract;

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
        Command::Extract(a) => extract::run(&g, a),
        other => anyhow::bail!("command not implemented yet: {other:?}"),
    }
}
