//! `nianbao report [--out FILE.html]`: the self-contained HTML report from the archive and the
//! site rules (broken rule files are listed in the page, not fatal). Prints the file's path.

use anyhow::Context;

use crate::cli::{Global, ReportArgs};
use crate::cmd::support::{block_on, open_existing};
use crate::cmd::Status;
use crate::report::{render_report, report_data};
use crate::site::{load_dir_partial, RuleErrors, SiteSet};

pub fn run(g: &Global, a: ReportArgs) -> anyhow::Result<Status> {
    let (sites, errors) = if g.sites_dir.is_dir() {
        load_dir_partial(&g.sites_dir)
    } else {
        eprintln!("warning: no sites directory at {}: the report shows archived sites only", g.sites_dir.display());
        (SiteSet::default(), RuleErrors(Vec::new()))
    };
    let data = block_on(async {
        let archive = open_existing(g).await?;
        let data = report_data(&archive, &sites, &errors, &g.archive.display().to_string(), chrono::Utc::now()).await?;
        archive.close().await?;
        anyhow::Ok(data)
    })??;
    let html = render_report(&data);
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the directory", dir.display()))?;
    }
    std::fs::write(&a.out, html).with_context(|| format!("{}: cannot write the report", a.out.display()))?;
    if !errors.is_empty() {
        eprintln!("warning: {} problems in site rule files (listed in the report):\n{errors}", errors.errors().len());
    }
    println!("{}", a.out.display());
    Ok(Status::Ok)
}
