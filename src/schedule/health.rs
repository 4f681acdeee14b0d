//! Run-health flags: signs that a site rule broke. A site whose list suddenly yields nothing,
//! whose pages extract empty text, or whose text is much shorter than usual is flagged in the run
//! log and in the HTML report. Pure functions of this run's stats and the site's recent runs.

/// Items one list yielded in a run (all its pages together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListStats {
    /// The list's URL as in the rule: it identifies the list across runs.
    pub url: String,
    pub items: u32,
}

/// Extraction statistics of one run of one site.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SiteRunStats {
    /// Items per list.
    pub lists: Vec<ListStats>,
    /// Detail pages extracted in this run.
    pub documents: u32,
    /// Of those, pages whose text came out empty although they had no attachment (a report
    /// published only as an attachment is not a broken rule).
    pub empty_text: u32,
    /// Median text length (characters) of the non-empty texts; 0 if none.
    pub median_text_len: u32,
    /// Mean text length (characters) of the non-empty texts; 0 if none.
    pub mean_text_len: f64,
}

impl SiteRunStats {
    /// Stats from per-list item counts, the text lengths (characters) of the pages extracted,
    /// and how many of the empty ones had no attachment.
    pub fn from_lengths(lists: Vec<ListStats>, text_lens: &[usize], empty_without_attachment: u32) -> SiteRunStats {
        let mut nonempty: Vec<u32> = text_lens.iter().filter(|&&n| n > 0).map(|&n| n.min(u32::MAX as usize) as u32).collect();
        nonempty.sort_unstable();
        let mean = if nonempty.is_empty() {
            0.0
        } else {
            nonempty.iter().map(|&n| f64::from(n)).sum::<f64>() / nonempty.len() as f64
        };
        SiteRunStats {
            lists,
            documents: text_lens.len().min(u32::MAX as usize) as u32,
            empty_text: empty_without_attachment,
            median_text_len: median(&nonempty),
            mean_text_len: mean,
        }
    }
}

/// Flag thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Text is "much shorter" below this share of the usual median length.
    pub shorter_ratio: f64,
    /// Text is "empty" when at least this share of the run's documents extracted empty.
    pub empty_share: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { shorter_ratio: 0.4, empty_share: 0.5 }
    }
}

/// A sign that a site's rule broke.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthFlag {
    /// A list yielded no items although it did in recent runs (its item selector broke, or the
    /// column moved).
    ListEmpty {
        list: String,
        /// The usual item count (median of its recent non-zero counts).
        usual: u32,
    },
    /// Half or more of this run's documents extracted empty text (the content selector broke).
    EmptyText { empty: u32, documents: u32 },
    /// The median text length fell below 40% of the site's usual (the content selector now picks
    /// a fragment, or chrome stripping ate the body).
    ShorterText { median: u32, usual: u32 },
}

impl HealthFlag {
    /// A stable short name (`list-empty`, `empty-text`, `shorter-text`).
    pub fn kind(&self) -> &'static str {
        match self {
            HealthFlag::ListEmpty { .. } => "list-empty",
            HealthFlag::EmptyText { .. } => "empty-text",
            HealthFlag::ShorterText { .. } => "shorter-text",
        }
    }
    /// A one-line explanation in Chinese, for the HTML report.
    pub fn describe_zh(&self) -> String {
        match self {
            HealthFlag::ListEmpty { list, usual } => {
                format!("列表无条目（以往约 {usual} 条）：{list}")
            }
            HealthFlag::EmptyText { empty, documents } => {
                format!("正文为空：{documents} 篇中 {empty} 篇未提取到正文")
            }
            HealthFlag::ShorterText { median, usual } => {
                format!("正文明显变短：中位长度 {median} 字，以往 {usual} 字")
            }
        }
    }
}

impl std::fmt::Display for HealthFlag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HealthFlag::ListEmpty { list, usual } => {
                write!(f, "list yielded no items (usually {usual}): {list}")
            }
            HealthFlag::EmptyText { empty, documents } => {
                write!(f, "{empty} of {documents} documents extracted empty text")
            }
            HealthFlag::ShorterText { median, usual } => {
                write!(f, "median text length {median} chars, usually {usual}")
            }
        }
    }
}

/// The flags for `current` given the site's `previous` runs (newest first; pass ~10). Without
/// history only the empty-text flag can fire; a run with no documents (nothing new to fetch)
/// raises no text flags.
pub fn flags(previous: &[SiteRunStats], current: &SiteRunStats) -> Vec<HealthFlag> {
    flags_with(previous, current, Thresholds::default())
}

/// [`flags`] with explicit thresholds.
pub fn flags_with(previous: &[SiteRunStats], current: &SiteRunStats, t: Thresholds) -> Vec<HealthFlag> {
    let mut out = Vec::new();

    for list in current.lists.iter().filter(|l| l.items == 0) {
        let mut before: Vec<u32> = previous
            .iter()
            .flat_map(|s| s.lists.iter())
            .filter(|l| l.url == list.url && l.items > 0)
            .map(|l| l.items)
            .collect();
        if !before.is_empty() {
            before.sort_unstable();
            out.push(HealthFlag::ListEmpty { list: list.url.clone(), usual: median(&before) });
        }
    }

    if current.documents > 0 {
        let share = |s: &SiteRunStats| f64::from(s.empty_text) / f64::from(s.documents.max(1));
        let mut usual_shares: Vec<f64> = previous.iter().filter(|s| s.documents > 0).map(share).collect();
        usual_shares.sort_by(f64::total_cmp);
        let usually_empty = usual_shares.get(usual_shares.len() / 2).is_some_and(|&s| s >= t.empty_share);
        if current.empty_text > 0 && share(current) >= t.empty_share && !usually_empty {
            out.push(HealthFlag::EmptyText { empty: current.empty_text, documents: current.documents });
        }

        let mut usual_lens: Vec<u32> =
            previous.iter().filter(|s| s.median_text_len > 0).map(|s| s.median_text_len).collect();
        usual_lens.sort_unstable();
        let usual = median(&usual_lens);
        if usual > 0
            && current.median_text_len > 0
            && f64::from(current.median_text_len) < t.shorter_ratio * f64::from(usual)
        {
            out.push(HealthFlag::ShorterText { median: current.median_text_len, usual });
        }
    }
    out
}

/// The median of sorted values (lower middle for even counts); 0 for none.
fn median(sorted: &[u32]) -> u32 {
    if sorted.is_empty() {
        0
    } else {
        sorted[(sorted.len() - 1) / 2]
    }
}
