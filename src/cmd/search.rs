//! `nianbao search QUERY [--site S] [--limit N]`: ranked hits with site, date, title, snippet
//! and URL. Matches are bold red on a terminal, between 【】 otherwise (pipes, files, `NO_COLOR`).

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use anyhow::bail;

use crate::archive::{Hit, HIT_END, HIT_START};
use crate::cli::{Global, SearchArgs};
use crate::cmd::support::{block_on, check_site, open_existing};
use crate::cmd::Status;

/// How matches are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marks {
    /// ANSI bold red (a terminal).
    Ansi,
    /// 【match】 (plain text).
    Brackets,
}

impl Marks {
    /// ANSI on a terminal unless `NO_COLOR` is set, brackets otherwise.
    pub fn detect() -> Marks {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if std::io::stdout().is_terminal() && !no_color {
            Marks::Ansi
        } else {
            Marks::Brackets
        }
    }
    fn open(self) -> &'static str {
        match self {
            Marks::Ansi => "\x1b[1;31m",
            Marks::Brackets => "【",
        }
    }
    fn close(self) -> &'static str {
        match self {
            Marks::Ansi => "\x1b[0m",
            Marks::Brackets => "】",
        }
    }
}

pub fn run(g: &Global, a: SearchArgs) -> anyhow::Result<Status> {
    if a.query.trim().is_empty() {
        bail!("empty search query: give one or more words, e.g. nianbao search 依申请公开");
    }
    let hits = block_on(async {
        let archive = open_existing(g).await?;
        check_site(g, Some(&archive), a.site.as_deref()).await?;
        let hits = archive.search(&a.query, a.limit, a.site.as_deref()).await?;
        archive.close().await?;
        anyhow::Ok(hits)
    })??;
    let mut out = std::io::stdout().lock();
    out.write_all(render_hits(&hits, &a.query, a.limit, Marks::detect()).as_bytes())?;
    Ok(Status::Ok)
}

/// The hits as numbered blocks (title, site · date, snippet, URL), or a "no hits" line.
pub fn render_hits(hits: &[Hit], query: &str, limit: u32, marks: Marks) -> String {
    let mut s = String::new();
    if hits.is_empty() {
        let _ = writeln!(s, "no hits for {query:?}");
        return s;
    }
    let bold = |t: &str| match marks {
        Marks::Ansi => format!("\x1b[1m{t}\x1b[0m"),
        Marks::Brackets => t.to_string(),
    };
    for (i, h) in hits.iter().enumerate() {
        let title = if h.title.trim().is_empty() { "(no title)" } else { h.title.trim() };
        let _ = writeln!(s, "{}. {}", i + 1, bold(title));
        let mut meta = vec![h.site.clone().unwrap_or_else(|| "(no site)".into())];
        meta.push(h.published_at.clone().unwrap_or_else(|| "no date".into()));
        if h.taken_down {
            meta.push("taken down 已撤下".into());
        }
        let _ = writeln!(s, "   {}", meta.join(" · "));
        let snippet = flatten(&h.snippet).replace(HIT_START, marks.open()).replace(HIT_END, marks.close());
        if !snippet.is_empty() {
            let _ = writeln!(s, "   {snippet}");
        }
        let _ = writeln!(s, "   {}", h.url);
        s.push('\n');
    }
    let n = hits.len();
    let _ = write!(s, "{n} hit{}", if n == 1 { "" } else { "s" });
    if n as u64 >= u64::from(limit) {
        let _ = write!(s, " (the first {limit}; --limit N for more)");
    }
    s.push('\n');
    s
}

/// Collapse whitespace (paragraph breaks included) to single spaces.
fn flatten(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(snippet: &str, down: bool) -> Hit {
        Hit {
            document_id: 1,
            site: Some("pingtan".into()),
            url: "https://www.pingtan.gov.cn/a.htm".into(),
            title: "平潭县2023年政府信息公开工作年度报告".into(),
            published_at: Some("2024-03-08".into()),
            snippet: snippet.into(),
            rank: -1.0,
            taken_down: down,
        }
    }

    #[test]
    fn plain_output_marks_matches_with_brackets() {
        let s = render_hits(&[hit("…受理«依申请公开»38例,\n\n按时回复", false)], "依申请公开", 20, Marks::Brackets);
        assert_eq!(
            s,
            "1. 平潭县2023年政府信息公开工作年度报告\n   pingtan · 2024-03-08\n   …受理【依申请公开】38例, 按时回复\n   https://www.pingtan.gov.cn/a.htm\n\n1 hit\n"
        );
    }

    #[test]
    fn terminal_output_uses_ansi_and_taken_down_is_shown() {
        let s = render_hits(&[hit("«申请»", true)], "申请", 1, Marks::Ansi);
        assert!(s.contains("\x1b[1;31m申请\x1b[0m"), "{s:?}");
        assert!(s.contains("\x1b[1m平潭县"), "{s:?}");
        assert!(s.contains("taken down 已撤下"));
        assert!(s.ends_with("1 hit (the first 1; --limit N for more)\n"), "{s:?}");
    }

    #[test]
    fn no_hits_says_so() {
        assert_eq!(render_hits(&[], "不存在", 20, Marks::Brackets), "no hits for \"不存在\"\n");
    }
}
