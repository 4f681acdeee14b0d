//! `nianbao sites`: per site, the rule file's state, documents, report years, last run and next
//! due time. Works without an archive (rules only). Exit 2 when any rule file is broken, after
//! printing everything else.

use anyhow::bail;

use crate::archive::Archive;
use crate::cli::{Global, SitesArgs};
use crate::cmd::support::block_on;
use crate::cmd::Status;
use crate::report::sites::{render_site_table, site_lines};
use crate::site::{load_dir_partial, SiteSet};

pub fn run(g: &Global, _a: SitesArgs) -> anyhow::Result<Status> {
    if !g.sites_dir.is_dir() {
        bail!("no sites directory at {} (give --sites-dir DIR)", g.sites_dir.display());
    }
    let (sites, errors): (SiteSet, _) = load_dir_partial(&g.sites_dir);
    let lines = block_on(async {
        let archive = match g.archive.is_file() {
            true => Some(Archive::open(&g.archive).await?),
            false => None,
        };
        let lines = site_lines(archive.as_ref(), &sites, &errors, chrono::Utc::now()).await?;
        if let Some(a) = archive {
            a.close().await?;
        }
        anyhow::Ok(lines)
    })??;
    print!("{}", render_site_table(&lines));
    if !g.archive.is_file() {
        println!("\n(no archive at {} yet: nothing crawled)", g.archive.display());
    }
    let broken = lines.iter().filter(|l| matches!(l.rule, crate::report::sites::RuleState::Broken(_))).count();
    if broken > 0 {
        bail!("{broken} site rule file{} broken (listed above)", if broken == 1 { " is" } else { "s are" });
    }
    Ok(Status::Ok)
}
