//! `nianbao verify [--site S] [--bless]`: every site rule against its saved fixtures.

use crate::cli::{Global, VerifyArgs};
use crate::cmd::Status;

pub fn run(g: &Global, a: VerifyArgs) -> anyhow::Result<Status> {
    let sites = super::load_sites_strict(&g.sites_dir)?;
    let report = crate::verify::verify(&sites, &g.sites_dir, a.site.as_deref(), a.bless)?;
    print!("{}", report.render());
    Ok(if report.passed() { Status::Ok } else { Status::Failed })
}
