//! `nianbao demo [--out PATH]`: serve the fixture pages bundled with `sites/` on 127.0.0.1 and
//! capture them into a fresh archive: fetch, decode, site rules, archive, all for real, without
//! touching a government server (see `crate::demo`).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::archive::Archive;
use crate::cli::{DemoArgs, Global};
use crate::cmd::Status;
use crate::crawl::{capture, CaptureOptions};
use crate::demo::{bundled_pages, DemoServer};
use crate::fetch::Fetcher;
use crate::site::{Rate, SiteSet};

pub fn run(g: &Global, a: DemoArgs) -> anyhow::Result<Status> {
    let sites = super::load_sites_lenient(&g.sites_dir, None)?;
    let pages = bundled_pages(&sites, &g.sites_dir)?;
    if pages.is_empty() {
        bail!("no detail fixtures under {}: nothing to serve (see sites/FIXTURES.md)", g.sites_dir.display());
    }
    let out = a.out.unwrap_or_else(|| default_out(&g.archive));
    if out.exists() {
        bail!("{} exists: the demo writes a fresh archive (give another --out)", out.display());
    }
    // The rules' rates are for the real servers; the demo server is local.
    let demo_sites = SiteSet::from_sites(sites.iter().cloned().map(|mut s| {
        s.rate = Rate { requests: 50, per: Duration::from_secs(1) };
        s.proxy = None;
        s
    }));
    let mut config = super::crawl::fetch_config()?;
    config.retries = 0;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    runtime.block_on(async move {
        let server = DemoServer::start(&pages).await?;
        config.proxy = Some(server.proxy_url());
        let fetcher = Fetcher::new(config).context("HTTP client")?;
        let archive = Archive::open(&out).await.with_context(|| format!("archive {}", out.display()))?;
        let urls: Vec<String> = pages.iter().map(|p| p.url.clone()).collect();
        println!(
            "nianbao demo: {} bundled pages of {} site rules, served on {} (the fetcher's only proxy)",
            pages.len(),
            demo_sites.iter().count(),
            server.proxy_url()
        );
        let report = capture(&archive, &fetcher, &demo_sites, &urls, &CaptureOptions { depth: 0, site: None }).await?;
        let mut documents = 0;
        for (page, got) in pages.iter().zip(&report.pages) {
            let year = got.report_year.map(|y| format!(", report year {y}")).unwrap_or_default();
            match got.document_id {
                Some(id) => {
                    documents += 1;
                    println!("  {}/{}: {:?}{year} → document {id}", page.site, page.name, got.title);
                }
                None => println!("  {}/{}: {} ({})", page.site, page.name, got.kind, got.url),
            }
            for att in &got.attachments {
                if att.bytes.is_none() {
                    println!("      attachment {:?}: not bundled, recorded as missing", att.name);
                }
            }
        }
        // Attachments that are not bundled are expected (said above); anything else is an error.
        let missing: Vec<&str> = report.pages.iter().flat_map(|p| &p.attachments).filter(|a| a.bytes.is_none()).map(|a| a.url.as_str()).collect();
        for e in report.errors.iter().filter(|e| !missing.iter().any(|u| e.starts_with(u))) {
            eprintln!("error: {e}");
        }
        archive.close().await?;
        println!("{documents} of {} pages archived in {}; try:", pages.len(), out.display());
        let arg = shell_word(&out.display().to_string());
        println!("  nianbao --archive {arg} search 政府信息公开");
        println!("  nianbao --archive {arg} export --format csv --tables");
        println!("  nianbao --archive {arg} report --out demo.html");
        Ok(if documents == pages.len() { Status::Ok } else { Status::Failed })
    })
}

/// `demo-<UTC date and time>.db` beside the archive.
fn default_out(archive: &std::path::Path) -> PathBuf {
    let dir = archive.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), PathBuf::from);
    dir.join(format!("demo-{}.db", chrono::Utc::now().format("%Y%m%d-%H%M%S")))
}

/// Quote a path for the suggested commands when it needs it.
fn shell_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}
