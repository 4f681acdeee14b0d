//! `nianbao capture URL… [--site NAME] [--depth N]`: one-off captures of pages and their
//! attachments into the archive; prints what was captured and where.

use anyhow::Context;

use crate::archive::Archive;
use crate::cli::{CaptureArgs, Global};
use crate::cmd::Status;
use crate::crawl::{capture, CaptureOptions};
use crate::fetch::Fetcher;

pub fn run(g: &Global, a: CaptureArgs) -> anyhow::Result<Status> {
    let sites = super::load_sites_lenient(&g.sites_dir, a.site.as_deref())?;
    if let Some(name) = &a.site {
        sites.get(name).with_context(|| format!("no site rule named {name:?} in {}", g.sites_dir.display()))?;
    }
    let config = super::crawl::fetch_config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    runtime.block_on(async move {
        let fetcher = Fetcher::new(config).context("HTTP client")?;
        let archive = Archive::open(&g.archive).await.with_context(|| format!("archive {}", g.archive.display()))?;
        let opts = CaptureOptions { depth: a.depth, site: a.site.clone() };
        let report = capture(&archive, &fetcher, &sites, &a.urls, &opts).await?;
        for p in &report.pages {
            let indent = "  ".repeat(p.level as usize);
            let rule = p.site.as_deref().unwrap_or("generic");
            match p.kind.as_str() {
                "document" => {
                    let year = p.report_year.map(|y| format!(", report year {y}")).unwrap_or_default();
                    let id = p.document_id.map(|d| format!("document {d}")).unwrap_or_else(|| "stored".into());
                    println!("{indent}{} [{rule}]: {:?}{year} → {id} in {}", p.url, p.title, g.archive.display());
                    for att in &p.attachments {
                        match (&att.bytes, &att.error) {
                            (Some(n), _) => println!("{indent}  attachment {:?} ({n} bytes) {}", att.name, att.url),
                            (None, Some(e)) => println!("{indent}  attachment {:?} NOT stored: {e}", att.name),
                            _ => {}
                        }
                    }
                }
                "list" => println!("{indent}{} [{rule}]: list page, following {} link(s)", p.url, p.followed),
                other => println!("{indent}{} [{rule}]: {other}, recorded (not a document)", p.url),
            }
        }
        for e in &report.errors {
            eprintln!("error: {e}");
        }
        archive.close().await?;
        let bad = !report.errors.is_empty() || report.pages.iter().any(|p| p.kind != "document" && p.kind != "list");
        Ok(if bad { Status::Failed } else { Status::Ok })
    })
}
