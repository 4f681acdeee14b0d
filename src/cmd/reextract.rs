//! `nianbao reextract [--site S]`: rerun the current rules over the stored raw responses; new
//! versions only where the output changed. Every rule must load (a broken rule file is an error
//! naming file and key, exit 2, before anything is re-extracted).

use std::fmt::Write as _;

use anyhow::bail;

use crate::archive::ReextractReport;
use crate::cli::{Global, ReextractArgs};
use crate::cmd::support::{block_on, open_existing};
use crate::cmd::Status;

/// One line of the summary: a site and what re-extraction did, or why it was not run.
pub type SiteResult = (String, Result<ReextractReport, String>);

pub fn run(g: &Global, a: ReextractArgs) -> anyhow::Result<Status> {
    let sites = super::load_sites_strict(&g.sites_dir)?;
    if let Some(name) = &a.site {
        if sites.get(name).is_none() {
            bail!("no site rule named {name:?} in {} (reextract needs the rule)", g.sites_dir.display());
        }
    }
    let results = block_on(async {
        let archive = open_existing(g).await?;
        let mut results: Vec<SiteResult> = Vec::new();
        for site in sites.iter().filter(|s| a.site.as_deref().is_none_or(|n| n == s.name)) {
            let r = archive.reextract_site(site).await?;
            results.push((site.name.clone(), Ok(r)));
        }
        if a.site.is_none() {
            for s in archive.site_stats().await? {
                if s.documents > 0 && sites.get(&s.site).is_none() {
                    results.push((s.site, Err(format!("{} documents, no rule file: not re-extracted", s.documents))));
                }
            }
        }
        archive.close().await?;
        anyhow::Ok(results)
    })??;
    print!("{}", render(&results));
    Ok(Status::Ok)
}

/// The per-site table and a total line.
pub fn render(results: &[SiteResult]) -> String {
    let width = results.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
    let mut s = format!("{:<width$}  {:>8}  {:>7}  {:>7}\n", "site", "examined", "changed", "skipped");
    let mut total = ReextractReport::default();
    for (site, r) in results {
        match r {
            Ok(r) => {
                let _ = writeln!(s, "{site:<width$}  {:>8}  {:>7}  {:>7}", r.examined, r.changed, r.skipped);
                total.examined += r.examined;
                total.changed += r.changed;
                total.skipped += r.skipped;
            }
            Err(why) => {
                let _ = writeln!(s, "{site:<width$}  {why}");
            }
        }
    }
    let _ = writeln!(
        s,
        "{} documents examined, {} changed (new versions), {} skipped (extraction came out empty)",
        total.examined, total.changed, total.skipped
    );
    s
}
