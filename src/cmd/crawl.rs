//! `nianbao crawl [--site NAME]… [--max-pages N] [--since YEAR] [--full]`: crawl the sites in
//! `sites/` (all, or those named) into the archive; an interrupted run resumes where it stopped.
//!
//! Exit codes: 0 all good, 1 some pages or sites failed (the run finished), 2 configuration error
//! (unknown site, broken rule files, bad `NIANBAO_RESOLVE`).

use std::net::SocketAddr;
use std::path::Path;

use anyhow::{bail, Context};

use crate::archive::Archive;
use crate::cli::{CrawlArgs, Global};
use crate::cmd::Status;
use crate::crawl::{progress::summary_line, CrawlOptions, Crawler, ProgressMode};
use crate::fetch::{FetchConfig, Fetcher};
use crate::schedule::{shutdown_on_signals, CancelToken, SiteLock};
use crate::site::{Site, SiteSet};

/// Environment variable mapping host names to addresses, `host=ip:port[,host=ip:port…]`: pinned
/// servers, and tests pointing real-looking hosts at a mock on 127.0.0.1.
pub const RESOLVE_ENV: &str = "NIANBAO_RESOLVE";
/// Environment variable naming how a webmaster reaches the operator (sent in the User-Agent).
pub const CONTACT_ENV: &str = "NIANBAO_CONTACT";
/// Environment variable with the proxy for every request whose site rule names none
/// (`http://`, `https://`, `socks5://` or `socks5h://`): an institution's outgoing proxy.
pub const PROXY_ENV: &str = "NIANBAO_PROXY";

/// Parse `host=ip:port,host2=ip:port`.
pub fn parse_resolve(spec: &str) -> anyhow::Result<Vec<(String, SocketAddr)>> {
    spec.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (host, addr) = pair.split_once('=').with_context(|| format!("{RESOLVE_ENV}: {pair:?} is not host=ip:port"))?;
            let addr: SocketAddr = addr.trim().parse().with_context(|| format!("{RESOLVE_ENV}: {addr:?} is not ip:port"))?;
            Ok((host.trim().to_ascii_lowercase(), addr))
        })
        .collect()
}

/// The fetch settings of the commands that fetch (`crawl`, `capture`, `schedule`): defaults,
/// plus the contact, resolve and proxy settings from the environment.
pub fn fetch_config() -> anyhow::Result<FetchConfig> {
    let mut config = FetchConfig::default();
    if let Ok(contact) = std::env::var(CONTACT_ENV) {
        config.contact = contact;
    }
    if let Ok(spec) = std::env::var(RESOLVE_ENV) {
        config.resolve = parse_resolve(&spec)?;
    }
    if let Some(proxy) = std::env::var(PROXY_ENV).ok().filter(|p| !p.trim().is_empty()) {
        if let Err(e) = crate::fetch::check_proxy(proxy.trim(), PROXY_ENV) {
            let why = match e {
                crate::fetch::FetchError::Proxy { message, .. } => message,
                other => other.to_string(),
            };
            bail!("{PROXY_ENV}={proxy}: {why}");
        }
        config.proxy = Some(proxy.trim().to_string());
    }
    Ok(config)
}

/// The sites a command asked for by name (all when none), or a configuration error naming the
/// unknown one.
pub fn select<'a>(sites: &'a SiteSet, names: &[String], dir: &Path) -> anyhow::Result<Vec<&'a Site>> {
    if names.is_empty() {
        return Ok(sites.iter().collect());
    }
    names
        .iter()
        .map(|n| {
            sites.get(n).with_context(|| {
                let known: Vec<&str> = sites.names().collect();
                format!("no site rule named {n:?} in {} (known: {})", dir.display(), known.join(", "))
            })
        })
        .collect()
}

pub fn run(g: &Global, a: CrawlArgs) -> anyhow::Result<Status> {
    let sites = super::load_sites_strict(&g.sites_dir)?;
    let selected = select(&sites, &a.sites, &g.sites_dir)?;
    if selected.is_empty() {
        bail!("no site rules in {}", g.sites_dir.display());
    }
    let config = fetch_config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("tokio runtime")?;
    runtime.block_on(async move {
        let fetcher = Fetcher::new(config).context("HTTP client")?;
        let archive = Archive::open(&g.archive).await.with_context(|| format!("archive {}", g.archive.display()))?;
        // One crawl per site across processes (a manual crawl and the scheduler).
        let lock_dir = SiteLock::dir_for_archive(&g.archive);
        let mut locks = Vec::new();
        let mut runnable: Vec<&Site> = Vec::new();
        let mut status = Status::Ok;
        for site in selected {
            match SiteLock::acquire(&lock_dir, &site.name) {
                Ok(lock) => {
                    locks.push(lock);
                    runnable.push(site);
                }
                Err(e) => {
                    eprintln!("{}: skipped: {e}", site.name);
                    status = Status::Failed;
                }
            }
        }
        let cancel = CancelToken::new();
        shutdown_on_signals(cancel.clone()).context("signal handlers")?;
        let opts = CrawlOptions {
            max_pages: a.max_pages,
            since: a.since,
            full: a.full,
            progress: ProgressMode::Auto,
            cancel: Some(cancel),
        };
        let crawler = Crawler::new(archive.clone(), fetcher);
        let started = chrono::Utc::now();
        let report = crawler.crawl(&runnable, &opts).await?;
        drop(locks);
        // Record each site's run with its rule-health flags, as the scheduler does.
        let finished = chrono::Utc::now();
        let health = crate::schedule::SchedulerConfig::default();
        let mut flagged = Vec::new();
        for rep in &report.sites {
            let outcome = crate::crawl::run_outcome(rep);
            let record = crate::schedule::record_run(
                &archive,
                rep.site.clone(),
                crate::schedule::DueReason::Manual,
                started,
                finished,
                outcome,
                health.health_window,
                health.thresholds,
            )
            .await;
            for flag in &record.flags {
                flagged.push(format!("{}: rule may be broken: {flag}", rep.site));
            }
        }
        let t = report.totals();
        eprintln!(
            "run {}: {} site(s), {} fetched, {} new, {} changed, {} taken down, {} blocked, {} failed{}",
            report.run_id,
            report.sites.len(),
            t.fetched,
            t.new,
            t.changed,
            t.taken_down,
            t.blocked,
            t.failed,
            if report.interrupted { " (interrupted: run again to resume)" } else { "" }
        );
        for site in report.sites.iter().filter(|s| !s.is_ok()) {
            eprintln!("  {}", summary_line(site));
            for e in &site.errors {
                eprintln!("    {e}");
            }
        }
        for line in &flagged {
            eprintln!("  {line}");
        }
        archive.close().await?;
        if !report.is_ok() || report.interrupted {
            status = Status::Failed;
        }
        Ok(status)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_spec_parses_and_names_bad_parts() {
        let r = parse_resolve("www.a.gov.cn=127.0.0.1:8080, B.gov.cn=127.0.0.1:81").unwrap();
        assert_eq!(r, vec![("www.a.gov.cn".into(), "127.0.0.1:8080".parse().unwrap()), ("b.gov.cn".into(), "127.0.0.1:81".parse().unwrap())]);
        let e = parse_resolve("www.a.gov.cn:8080").unwrap_err().to_string();
        assert!(e.contains("host=ip:port"), "{e}");
        let e = parse_resolve("a=localhost").unwrap_err().to_string();
        assert!(e.contains("localhost"), "{e}");
    }
}
