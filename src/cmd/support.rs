//! What the archive commands (`search`, `export`, `reextract`, `sites`, `report`) share: a Tokio
//! runtime, opening an archive that must already exist, and checking a `--site` name.

use std::future::Future;
use std::path::Path;

use anyhow::{bail, Context};

use crate::archive::Archive;
use crate::cli::Global;

/// Run `f` to completion on a fresh multi-threaded runtime.
pub fn block_on<F: Future>(f: F) -> anyhow::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    Ok(rt.block_on(f))
}

/// Open the archive at `--archive`, which must exist: reading commands never create an empty
/// archive at a mistyped path.
pub async fn open_existing(g: &Global) -> anyhow::Result<Archive> {
    let path = &g.archive;
    if !path.is_file() {
        bail!(
            "no archive at {}: crawl or capture something first, or point --archive (NIANBAO_ARCHIVE) at an existing archive",
            path.display()
        );
    }
    Archive::open(path).await.with_context(|| format!("cannot open the archive {}", path.display()))
}

/// The site names that exist: a rule file `<sites-dir>/<name>.toml` (loadable or not) or
/// documents and runs in the archive.
pub async fn known_sites(g: &Global, archive: Option<&Archive>) -> anyhow::Result<Vec<String>> {
    let mut names = rule_names(&g.sites_dir);
    if let Some(a) = archive {
        names.extend(a.site_stats().await?.into_iter().map(|s| s.site));
    }
    names.sort();
    names.dedup();
    Ok(names)
}

/// Site names from the rule files' stems (empty when the directory does not exist).
pub fn rule_names(dir: &Path) -> Vec<String> {
    crate::site::rule_files(dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect()
}

/// Fail (exit 2) when `--site NAME` names no rule file and nothing in the archive.
pub async fn check_site(g: &Global, archive: Option<&Archive>, site: Option<&str>) -> anyhow::Result<()> {
    let Some(name) = site else { return Ok(()) };
    let known = known_sites(g, archive).await?;
    if !known.iter().any(|k| k == name) {
        let list = if known.is_empty() { "none".to_string() } else { known.join(", ") };
        bail!(
            "unknown site {name:?}: no rule file {} and nothing archived for it (known sites: {list})",
            g.sites_dir.join(format!("{name}.toml")).display()
        );
    }
    Ok(())
}
