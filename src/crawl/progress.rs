//! Progress of a crawl: indicatif bars (one per active site and one overall) when stderr is a
//! terminal, plain log lines otherwise (one `tracing` info line per page, a summary line per site
//! always).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::SiteReport;

/// How a crawl shows progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// Bars when stderr is a terminal, else log lines.
    Auto,
    /// indicatif bars on stderr.
    Bars,
    /// A `tracing` info line per page and a summary line per site on stderr.
    Log,
    /// Nothing (library use, tests).
    #[default]
    Quiet,
}

impl ProgressMode {
    /// `Auto` made concrete.
    pub fn resolve(self) -> ProgressMode {
        match self {
            ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bars,
            ProgressMode::Auto => ProgressMode::Log,
            m => m,
        }
    }
}

#[derive(Default)]
struct Bars {
    multi: Option<MultiProgress>,
    overall: Option<ProgressBar>,
    sites: HashMap<String, ProgressBar>,
}

/// A shared progress reporter (clones report to the same display).
#[derive(Clone)]
pub struct Progress {
    mode: ProgressMode,
    bars: Arc<Mutex<Bars>>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").field("mode", &self.mode).finish()
    }
}

fn site_style() -> ProgressStyle {
    ProgressStyle::with_template("{prefix:>14.bold} [{bar:30.cyan/blue}] {pos}/{len} {wide_msg}")
        .expect("progress template")
        .progress_chars("=> ")
}

impl Progress {
    /// A reporter for a crawl of `sites` sites.
    pub fn new(mode: ProgressMode, sites: usize) -> Progress {
        let mode = mode.resolve();
        let mut bars = Bars::default();
        if mode == ProgressMode::Bars {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall = multi.add(ProgressBar::new(0));
            overall.set_style(
                ProgressStyle::with_template("{prefix:>14.bold} [{bar:30.green/white}] {pos}/{len} pages, {msg} [{elapsed_precise}]")
                    .expect("progress template")
                    .progress_chars("=> "),
            );
            overall.set_prefix("all sites");
            overall.set_message(format!("0/{sites} sites done"));
            bars.overall = Some(overall);
            bars.multi = Some(multi);
        }
        Progress { mode, bars: Arc::new(Mutex::new(bars)) }
    }

    /// A reporter that shows nothing.
    pub fn quiet() -> Progress {
        Progress::new(ProgressMode::Quiet, 0)
    }

    /// The concrete mode.
    pub fn mode(&self) -> ProgressMode {
        self.mode
    }

    /// A site's crawl begins.
    pub fn site_started(&self, site: &str) {
        match self.mode {
            ProgressMode::Bars => {
                let mut b = self.bars.lock().expect("progress lock");
                if let Some(multi) = b.multi.clone() {
                    let bar = multi.add(ProgressBar::new(0));
                    bar.set_style(site_style());
                    bar.set_prefix(site.to_string());
                    b.sites.insert(site.to_string(), bar);
                }
            }
            ProgressMode::Log => tracing::info!(site, "crawl started"),
            _ => {}
        }
    }

    /// `n` more requests are planned for `site`.
    pub fn add_work(&self, site: &str, n: u64) {
        if self.mode != ProgressMode::Bars || n == 0 {
            return;
        }
        let b = self.bars.lock().expect("progress lock");
        if let Some(bar) = b.sites.get(site) {
            bar.inc_length(n);
        }
        if let Some(o) = &b.overall {
            o.inc_length(n);
        }
    }

    /// One request of `site` finished; `what` says how (`"list 3 items"`, `"new"`, `"HTTP 404"` …).
    pub fn page_done(&self, site: &str, kind: &str, url: &str, what: &str) {
        match self.mode {
            ProgressMode::Bars => {
                let b = self.bars.lock().expect("progress lock");
                if let Some(bar) = b.sites.get(site) {
                    bar.inc(1);
                    bar.set_message(format!("{kind} {what}"));
                }
                if let Some(o) = &b.overall {
                    o.inc(1);
                }
            }
            ProgressMode::Log => tracing::info!(site, kind, url, "{what}"),
            _ => {}
        }
    }

    /// A site's crawl ended: its summary line (always shown unless quiet).
    pub fn site_finished(&self, report: &SiteReport) {
        let line = summary_line(report);
        match self.mode {
            ProgressMode::Bars => {
                let mut b = self.bars.lock().expect("progress lock");
                if let Some(bar) = b.sites.remove(&report.site) {
                    bar.finish_and_clear();
                    if let Some(multi) = &b.multi {
                        multi.remove(&bar);
                        let _ = multi.println(&line);
                    }
                }
                let left = b.sites.len();
                if let Some(o) = &b.overall {
                    o.set_message(format!("{left} sites running"));
                }
            }
            ProgressMode::Log => eprintln!("{line}"),
            _ => {}
        }
    }

    /// The crawl ended: clear the overall bar.
    pub fn finish(&self) {
        let b = self.bars.lock().expect("progress lock");
        if let Some(o) = &b.overall {
            o.finish_and_clear();
        }
    }
}

/// `county1: 12 fetched, 4 new, 0 changed, 1 taken down, 0 blocked, 0 failed`, plus the state.
pub fn summary_line(r: &SiteReport) -> String {
    let c = &r.counts;
    let state = if r.interrupted {
        " (interrupted)"
    } else if r.blocked {
        " (stopped: blocked)"
    } else if !r.is_ok() {
        " (with errors)"
    } else {
        ""
    };
    format!(
        "{}: {} fetched, {} new, {} changed, {} taken down, {} blocked, {} failed{state}",
        r.site, c.fetched, c.new, c.changed, c.taken_down, c.blocked, c.failed
    )
}
