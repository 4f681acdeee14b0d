//! The thin binary: parse arguments, set up logging, run the command, map the outcome to an exit
//! code (0 ok, 1 some pages failed but the run finished, 2 usage or configuration error).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = nianbao::cli::Cli::parse();
    nianbao::cmd::init_logging(cli.global.verbose);
    match nianbao::cmd::run(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
