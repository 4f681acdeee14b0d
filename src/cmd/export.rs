//! `nianbao export --format jsonl|csv [--site S] [--since D] [--tables | --facts]
//! [--attachments DIR] [--out FILE]`.
//!
//! * Default: the current version of every document; `--tables`: every table cell in long format;
//!   `--facts`: report statistics in long format (see `docs/facts.md`).
//! * With `--facts`, failed template checks go to `FILE.checks.csv` beside `--out` (header only
//!   when none failed); without `--out` they are listed on stderr.
//! * `--attachments DIR` also writes the downloaded attachment files to
//!   `DIR/<site>/<document id>/`. Given alone (no `--out`, `--tables`, `--facts`) it writes only the
//!   files, not the documents to stdout.
//! * Counts go to stderr, data to `--out` or stdout.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::cli::{ExportArgs, Format, Global};
use crate::cmd::support::{block_on, check_site, open_existing};
use crate::cmd::Status;
use crate::export::{export_attachments, export_documents, export_tables, ExportFilter, ExportFormat};
use crate::facts::stored::{export_facts, write_failed_checks, DocChecks};

/// Failed checks listed on stderr when there is no `--out` to put the CSV beside.
const CHECKS_SHOWN: usize = 20;

pub fn run(g: &Global, a: ExportArgs) -> anyhow::Result<Status> {
    if a.tables && a.facts {
        bail!("--tables and --facts cannot be combined: export one at a time");
    }
    let filter = ExportFilter { site: a.site.clone(), since: a.since.clone() };
    // Validate --since before touching anything.
    filter.since_date()?;
    let format = match a.format {
        Format::Jsonl => ExportFormat::Jsonl,
        Format::Csv => ExportFormat::Csv,
    };
    let data = a.out.is_some() || a.tables || a.facts || a.attachments.is_none();
    block_on(async {
        let archive = open_existing(g).await?;
        check_site(g, Some(&archive), a.site.as_deref()).await?;
        if data {
            let out: Box<dyn Write + Send> = match &a.out {
                Some(p) => Box::new(BufWriter::new(create(p)?)),
                None => Box::new(BufWriter::new(std::io::stdout())),
            };
            let dest = a.out.as_ref().map(|p| format!(" to {}", p.display())).unwrap_or_default();
            if a.tables {
                let n = export_tables(&archive, &filter, format, out).await?;
                eprintln!("exported {n} table cells{dest}");
            } else if a.facts {
                let r = export_facts(&archive, &filter, format, out).await?;
                eprintln!("exported {} facts of {} reports{dest}", r.facts, r.documents);
                report_checks(a.out.as_deref(), &r.failed)?;
            } else {
                let n = export_documents(&archive, &filter, format, out).await?;
                eprintln!("exported {n} documents{dest}");
            }
        }
        if let Some(dir) = &a.attachments {
            let r = export_attachments(&archive, &filter, dir).await?;
            let bytes: u64 = r.files.iter().map(|f| f.size).sum();
            eprintln!("wrote {} attachment files ({bytes} bytes) to {}", r.files.len(), dir.display());
            if r.not_downloaded > 0 {
                eprintln!("{} attachments were never downloaded (not written)", r.not_downloaded);
            }
        }
        archive.close().await?;
        anyhow::Ok(())
    })??;
    Ok(Status::Ok)
}

fn create(path: &Path) -> anyhow::Result<File> {
    File::create(path).with_context(|| format!("{}: cannot create the output file", path.display()))
}

/// `facts.csv` → `facts.checks.csv`, `out/facts` → `out/facts.checks.csv`.
pub fn checks_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "facts".into());
    out.with_file_name(format!("{stem}.checks.csv"))
}

/// Write the failed checks beside `out`, or list them on stderr.
fn report_checks(out: Option<&Path>, failed: &[DocChecks]) -> anyhow::Result<()> {
    let n: usize = failed.iter().map(|d| d.checks.len()).sum();
    match out {
        Some(out) => {
            let path = checks_path(out);
            write_failed_checks(BufWriter::new(create(&path)?), failed)
                .and_then(|mut w| w.flush())
                .with_context(|| format!("{}: cannot write", path.display()))?;
            eprintln!("{n} failed checks in {} reports written to {}", failed.len(), path.display());
        }
        None if n == 0 => eprintln!("all template checks passed"),
        None => {
            eprintln!("{n} failed checks in {} reports (give --out FILE to get them as FILE.checks.csv):", failed.len());
            let lines = failed.iter().flat_map(|d| d.checks.iter().map(move |c| (d, c)));
            for (d, c) in lines.clone().take(CHECKS_SHOWN) {
                let year = d.report_year.map(|y| format!(" {y}")).unwrap_or_default();
                eprintln!(
                    "  {} ({}{year}): {} {}/{}: {}: parts add up to {}, the report states {}",
                    d.url,
                    d.site.as_deref().unwrap_or("no site"),
                    c.check,
                    c.row_key,
                    c.column_key,
                    c.formula,
                    c.expected,
                    c.actual
                );
            }
            if n > CHECKS_SHOWN {
                eprintln!("  … and {} more", n - CHECKS_SHOWN);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_file_sits_beside_the_output() {
        assert_eq!(checks_path(Path::new("out/facts.csv")), PathBuf::from("out/facts.checks.csv"));
        assert_eq!(checks_path(Path::new("facts.jsonl")), PathBuf::from("facts.checks.csv"));
        assert_eq!(checks_path(Path::new("dir/facts")), PathBuf::from("dir/facts.checks.csv"));
    }
}
