//! `nianbao extract FILE… [--url U] [--site S]`: decode + extract saved files, print JSON.

use std::io::Write;

use anyhow::{bail, Context};

use crate::cli::{ExtractArgs, Global};
use crate::cmd::Status;
use crate::pipeline::extract_bytes;
use crate::site::Site;

pub fn run(g: &Global, a: ExtractArgs) -> anyhow::Result<Status> {
    if a.pretty && a.files.len() > 1 {
        bail!("--pretty takes one file; several files print one JSON object per line");
    }
    let sites = super::load_sites_lenient(&g.sites_dir, a.site.as_deref())?;
    let mut out = std::io::stdout().lock();
    for file in &a.files {
        let bytes = std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?;
        let url = match &a.url {
            Some(u) => u.clone(),
            None => format!("file://{}", std::fs::canonicalize(file).unwrap_or(file.clone()).display()),
        };
        let site: Option<&Site> = match &a.site {
            Some(name) => Some(sites.get(name).with_context(|| {
                format!("no site rule named {name:?} in {}", g.sites_dir.display())
            })?),
            None => url::Url::parse(&url).ok().and_then(|u| sites.for_url(&u)),
        };
        let doc = extract_bytes(&bytes, a.content_type.as_deref(), &url, site);
        if a.pretty {
            serde_json::to_writer_pretty(&mut out, &doc)?;
        } else {
            serde_json::to_writer(&mut out, &doc)?;
        }
        writeln!(out)?;
    }
    Ok(Status::Ok)
}
