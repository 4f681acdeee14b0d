//! Fidelity metrics of an extraction against a hand-checked expected output, shared by the
//! nianbao side and the trafilatura side of `benches/extract.rs` so both are scored by the same
//! code.
//!
//! - **Text F1** (character level, order-aware): both texts are normalised by dropping every
//!   whitespace character and the table-cell separator `|` (each tool lays tables and paragraphs
//!   out differently; the characters are what matter). `matched` is the length of a longest common
//!   subsequence of the two character sequences (Myers diff, `similar`). Precision =
//!   matched / |extracted|, recall = matched / |expected|, F1 = 2PR / (P + R). Two empty texts
//!   score 1, one empty text scores 0. Chrome leaking in lowers precision; text lost lowers recall;
//!   text out of order lowers both.
//! - **Prose F1**: the same on the text without its table rows (lines holding a `|`, the cell
//!   separator both tools use, whose cells are all shorter than [`MAX_CELL`] characters; a long
//!   run of text joined by a `|` is not a table row). Merged table cells are rendered differently (nianbao repeats a
//!   rowspan/colspan cell's text in every grid position, trafilatura leaves the covered cells
//!   empty), which the text F1 counts; the prose F1 does not.
//! - **Chrome left**: occurrences of the chrome strings listed in DESIGN.md ([`CHROME`], matched
//!   with whitespace removed), of empty `相关附件:`/`相关文档:` lines and of image file names, in
//!   the extracted text beyond those in the expected text (a report may legitimately mention
//!   网站地图). The list is written here from DESIGN.md, independently of the extractor's own
//!   chrome rules, so the metric is not circular.
//! - **Metadata right**: title, published_at, publisher, index_no, doc_no, each counted where the
//!   expected output has a value; a field is right when it equals the expected value with
//!   whitespace removed.

use std::time::{Duration, Instant};

use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};

/// Chrome strings from DESIGN.md ("Chrome to strip"), compared with whitespace removed.
pub const CHROME: &[&str] = &[
    "扫一扫在手机打开当前页",
    "打印本页",
    "关闭窗口",
    "【字体",
    "字体大小",
    "网站地图",
    "分享到",
    "返回列表",
    "登录注册",
    "官方微信",
    "浏览量",
    "点击数",
    "浏览次数",
    "责任编辑",
    "网站标识码",
    "ICP备",
    "公安备",
    "版权所有",
    "主办单位",
];

/// The metadata fields scored, in the order printed.
pub const META_FIELDS: &[&str] = &["title", "published_at", "publisher", "index_no", "doc_no"];

/// How long one LCS may take before the diff settles for a (still valid, possibly shorter)
/// common subsequence; the score is then a lower bound and marked approximate.
const LCS_DEADLINE: Duration = Duration::from_secs(10);

/// The characters that count: everything but whitespace and the table separator `|`.
pub fn normalise(text: &str) -> Vec<char> {
    text.chars().filter(|c| !c.is_whitespace() && *c != '|').collect()
}

/// A table cell is shorter than this (in characters); see [`prose`].
pub const MAX_CELL: usize = 200;

/// The text without its table rows: lines holding the cell separator `|` whose cells are all
/// shorter than [`MAX_CELL`].
pub fn prose(text: &str) -> String {
    let is_row = |l: &str| l.contains('|') && l.split('|').all(|c| c.chars().count() < MAX_CELL);
    text.lines().filter(|l| !is_row(l)).collect::<Vec<_>>().join("\n")
}

/// Character-level precision, recall and F1 of an extracted text against the expected one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextScore {
    /// Characters of the common subsequence.
    pub matched: usize,
    /// Normalised length of the extracted text.
    pub extracted: usize,
    /// Normalised length of the expected text.
    pub expected: usize,
    /// True when the diff hit its deadline: `matched` is then a lower bound.
    pub approximate: bool,
}

impl TextScore {
    /// matched / extracted (1 when both are empty, 0 when only the extraction is).
    pub fn precision(&self) -> f64 {
        ratio(self.matched, self.extracted, self.expected == 0)
    }

    /// matched / expected (1 when both are empty, 0 when only the expected text is).
    pub fn recall(&self) -> f64 {
        ratio(self.matched, self.expected, self.extracted == 0)
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(num: usize, den: usize, other_empty: bool) -> f64 {
    match (den, other_empty) {
        (0, true) => 1.0,
        (0, false) => 0.0,
        _ => num as f64 / den as f64,
    }
}

/// Score `extracted` against `expected` (see the module docs).
pub fn text_score(extracted: &str, expected: &str) -> TextScore {
    let (a, b) = (normalise(expected), normalise(extracted));
    let deadline = Instant::now() + LCS_DEADLINE;
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a, &b, Some(deadline));
    let matched = ops
        .iter()
        .map(|op| match op {
            DiffOp::Equal { len, .. } => *len,
            _ => 0,
        })
        .sum();
    TextScore { matched, extracted: b.len(), expected: a.len(), approximate: Instant::now() >= deadline }
}

/// Chrome occurrences in `extracted` beyond those in `expected`, as (what, extra count), most
/// frequent first.
pub fn chrome_left(extracted: &str, expected: &str) -> Vec<(String, usize)> {
    let (got, want) = (chrome_counts(extracted), chrome_counts(expected));
    let mut left: Vec<(String, usize)> = got
        .into_iter()
        .filter_map(|(what, n)| {
            let base = want.iter().find(|(w, _)| *w == what).map_or(0, |(_, m)| *m);
            (n > base).then(|| (what, n - base))
        })
        .collect();
    left.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    left
}

fn chrome_counts(text: &str) -> Vec<(String, usize)> {
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut counts: Vec<(String, usize)> = CHROME
        .iter()
        .map(|s| (s.to_string(), squeezed.matches(s).count()))
        .collect();
    let empty_label = text
        .lines()
        .map(|l| l.trim().trim_end_matches([':', '：']).trim())
        .filter(|l| *l == "相关附件" || *l == "相关文档")
        .count();
    counts.push(("empty 相关附件/相关文档 line".to_string(), empty_label));
    counts.push(("image file name".to_string(), image_names(text)));
    counts.retain(|(_, n)| *n > 0);
    counts
}

/// Image file names such as `1552282036384.png` or `W020190311.jpg`.
fn image_names(text: &str) -> usize {
    use std::sync::OnceLock;
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    RE.get_or_init(|| regex::Regex::new(r"(?i)[A-Za-z0-9_\-]+\.(?:jpe?g|png|gif|bmp|webp)\b").unwrap())
        .find_iter(text)
        .count()
}

/// Compare two metadata values: equal once whitespace is removed.
pub fn meta_equal(got: Option<&str>, want: &str) -> bool {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    got.is_some_and(|g| squeeze(g) == squeeze(want))
}

// `cargo check --bench` compiles this module without its tests (harness = false): hence the allow.
#[cfg(test)]
#[allow(dead_code, unused_imports)]
mod tests {
    use super::*;

    fn chrome_left_total(extracted: &str, expected: &str) -> usize {
        chrome_left(extracted, expected).iter().map(|(_, n)| n).sum()
    }

    #[test]
    fn identical_texts_score_one() {
        let s = text_score("一、总体情况\n\n本年度共公开 13561 条。", "一、总体情况\n\n本年度共公开 13561 条。");
        assert_eq!((s.matched, s.extracted, s.expected), (19, 19, 19));
        assert_eq!(s.f1(), 1.0);
        assert!(!s.approximate);
    }

    #[test]
    fn disjoint_texts_score_zero() {
        let s = text_score("网站地图", "年度报告");
        assert_eq!(s.matched, 0);
        assert_eq!(s.f1(), 0.0);
    }

    #[test]
    fn empty_texts() {
        assert_eq!(text_score("", "").f1(), 1.0);
        assert_eq!(text_score("", "年报").f1(), 0.0);
        assert_eq!(text_score("年报", "").f1(), 0.0);
        assert_eq!(text_score(" \n|", "").f1(), 1.0, "only ignored characters");
    }

    #[test]
    fn known_partial_case() {
        // Expected 6 characters; the extraction lost 2 of them and added 4 of chrome.
        let s = text_score("打印本页一二三四", "一二三四五六");
        assert_eq!((s.matched, s.extracted, s.expected), (4, 8, 6));
        assert!((s.precision() - 0.5).abs() < 1e-12);
        assert!((s.recall() - 4.0 / 6.0).abs() < 1e-12);
        // 2PR/(P+R) = 2·(1/2)(2/3)/(7/6) = 4/7
        assert!((s.f1() - 4.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn order_matters_whitespace_and_separators_do_not() {
        let same = text_score("规章 | 0 | 0\n行政许可 | 2629", "规章\t0 0 行政许可 2629");
        assert_eq!(same.f1(), 1.0);
        // Two halves swapped: a bag of characters would say 1.0, the LCS keeps only one half.
        let swapped = text_score("五六七八一二三四", "一二三四五六七八");
        assert_eq!(swapped.matched, 4);
        assert!((swapped.f1() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn prose_leaves_table_rows_out() {
        let expected = "一、总体情况\n\n规章 | 0 | 0\n三、本年度办理结果 | 22\n\n五、存在的问题";
        let other_layout = "一、总体情况\n| 规章 | 0 | 0 |\n|  | 22 |\n五、存在的问题";
        assert_eq!(prose(expected), "一、总体情况\n\n\n五、存在的问题");
        assert!(text_score(other_layout, expected).f1() < 1.0, "the merged cell is missing from the table");
        assert_eq!(text_score(&prose(other_layout), &prose(expected)).f1(), 1.0);
        // Navigation glued to the body by a `|` is not a table row: it stays, and counts.
        let glued = format!("首页 | {}", "本报告".repeat(100));
        assert_eq!(prose(&glued), glued);
    }

    #[test]
    fn chrome_beyond_the_expected_text_is_counted() {
        let expected = "本机关网站地图栏目已更新。";
        let extracted = "打印本页 关闭窗口\n本机关网站地图栏目已更新。\n网站 地图\n相关附件：\n登录 注册\n1552282036384.png";
        let left = chrome_left(extracted, expected);
        let get = |k: &str| left.iter().find(|(w, _)| w == k).map(|(_, n)| *n);
        assert_eq!(get("打印本页"), Some(1));
        assert_eq!(get("关闭窗口"), Some(1));
        assert_eq!(get("网站地图"), Some(1), "one beyond the expected text's own mention");
        assert_eq!(get("登录注册"), Some(1));
        assert_eq!(get("empty 相关附件/相关文档 line"), Some(1));
        assert_eq!(get("image file name"), Some(1));
        assert_eq!(chrome_left_total(extracted, expected), 6);
        assert_eq!(chrome_left_total(expected, expected), 0);
        // A 相关附件 line with a file name is content, not chrome.
        assert_eq!(chrome_left_total("相关附件：2023年报.pdf", ""), 0);
    }

    #[test]
    fn metadata_compares_without_whitespace() {
        assert!(meta_equal(Some("平潭综合实验区 管委会办公室 "), "平潭综合实验区管委会办公室"));
        assert!(!meta_equal(Some("平潭综合实验区管委会"), "平潭综合实验区管委会办公室"));
        assert!(!meta_equal(None, "2024-03-08"));
    }
}
