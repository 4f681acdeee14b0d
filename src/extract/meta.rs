//! Metadata: the standard government `<meta>` tags, dates, the report year, and the
//! label/value grammar of the 索引号/发布机构/… metadata block (the block itself is found by
//! `extract::metablock`).

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{ElementRef, Html};

use super::clean::is_space;

/// A metadata field a label maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Title,
    IndexNo,
    Publisher,
    DocNo,
    Category,
    WrittenAt,
    PublishedAt,
    Validity,
    /// A known label carrying nothing we keep (组配分类, 关键词, 废止日期, …): it still ends the
    /// previous value.
    Ignored,
}

/// Labels, longest first within a family so that the alternation prefers them.
const LABELS: &[(&str, Field)] = &[
    ("索引号", Field::IndexNo),
    ("公文生成日期", Field::WrittenAt),
    ("成文日期", Field::WrittenAt),
    ("生成日期", Field::WrittenAt),
    ("发文日期", Field::WrittenAt),
    ("发布日期", Field::PublishedAt),
    ("发布时间", Field::PublishedAt),
    ("公开日期", Field::PublishedAt),
    ("发布机构", Field::Publisher),
    ("发文机关", Field::Publisher),
    ("发文机构", Field::Publisher),
    ("发文单位", Field::Publisher),
    ("发布单位", Field::Publisher),
    ("信息来源", Field::Publisher),
    ("来源", Field::Publisher),
    ("发文字号", Field::DocNo),
    ("发布文号", Field::DocNo),
    ("备注/文号", Field::DocNo),
    ("文号", Field::DocNo),
    ("主题分类", Field::Category),
    ("组配分类", Field::Ignored),
    ("体裁分类", Field::Ignored),
    ("分类", Field::Category),
    ("有效性", Field::Validity),
    ("效力状态", Field::Validity),
    ("时效", Field::Validity),
    ("标题", Field::Title),
    ("名称", Field::Ignored),
    ("信息名称", Field::Ignored),
    ("公开方式", Field::Ignored),
    ("公开范围", Field::Ignored),
    ("公开形式", Field::Ignored),
    ("关键词", Field::Ignored),
    ("主题词", Field::Ignored),
    ("内容概述", Field::Ignored),
    ("废止日期", Field::Ignored),
    ("生效日期", Field::Ignored),
    ("施行日期", Field::Ignored),
    ("失效日期", Field::Ignored),
    ("有效期至", Field::Ignored),
    ("浏览次数", Field::Ignored),
    ("点击数", Field::Ignored),
    ("浏览量", Field::Ignored),
    ("字号", Field::Ignored),
    ("作者", Field::Ignored),
    ("时间", Field::PublishedAt),
    ("日期", Field::PublishedAt),
];

/// Any label, letter-spaced or not (`索 引 号`, `索&ensp;引&ensp;号`, `索　引　号`).
static LABEL_RE: LazyLock<Regex> = LazyLock::new(|| {
    let mut alts: Vec<String> = LABELS
        .iter()
        .map(|(l, _)| l.chars().map(|c| regex::escape(&c.to_string())).collect::<Vec<_>>().join(r"[\s\u{200B}]*"))
        .collect();
    // Longest label first: the leftmost-first alternation then prefers 主题分类 over 分类.
    alts.sort_by_key(|a| std::cmp::Reverse(a.chars().count()));
    Regex::new(&format!("(?:{})", alts.join("|"))).expect("label regex")
});

/// A short unknown label ("关 键 词:") ending a value when preceded by whitespace.
static ANY_LABEL_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s\p{Han}(?:\s*\p{Han}){1,5}\s*[:：]").expect("any label"));

fn field_of(label: &str) -> Field {
    let compact: String = label.chars().filter(|c| !is_space(*c)).collect();
    LABELS.iter().find(|(l, _)| *l == compact).map_or(Field::Ignored, |(_, f)| *f)
}

/// One label occurrence in a segment.
struct LabelHit {
    start: usize,
    /// End of the label and its separator (`：`, `:`), i.e. where the value begins.
    value_start: usize,
    field: Field,
    /// A separator followed the label.
    colon: bool,
}

/// Labels in `s` that stand as labels: at the start or after a non-Han character, and followed
/// by a colon or by the end of the segment (a label alone in its cell).
fn label_hits(s: &str) -> Vec<LabelHit> {
    let mut hits = Vec::new();
    for m in LABEL_RE.find_iter(s) {
        let before = s[..m.start()].chars().next_back();
        if before.is_some_and(is_han) {
            continue;
        }
        let rest = &s[m.end()..];
        let trimmed = rest.trim_start_matches(is_space);
        let (colon, value_start) = if let Some(after) = trimmed.strip_prefix(['：', ':']) {
            (true, s.len() - after.len())
        } else if trimmed.is_empty() {
            (false, s.len())
        } else {
            continue;
        };
        hits.push(LabelHit { start: m.start(), value_start, field: field_of(m.as_str()), colon });
    }
    hits
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Everyday words that only count as labels with a colon after them: a data table with a
/// "时间" or "来源" column header is not a metadata block.
const WEAK_LABELS: &[&str] = &["时间", "日期", "来源", "分类", "标题", "名称", "作者", "字号", "时效"];

/// Number of labels standing as labels in a text node (used to find metadata blocks).
pub(crate) fn count_labels(s: &str) -> usize {
    let s = s.trim_matches(is_space);
    label_hits(s)
        .iter()
        .filter(|h| {
            h.colon || {
                let label: String = s[h.start..h.value_start].chars().filter(|c| !is_space(*c)).collect();
                !WEAK_LABELS.contains(&label.as_str())
            }
        })
        .count()
}

/// Clean a raw value: trim separators and placeholders away.
fn clean_value(v: &str) -> Option<String> {
    let v: String = collapse_spaces(v.trim_matches(|c: char| is_space(c) || matches!(c, '：' | ':' | '|' | '丨')));
    match v.as_str() {
        "" | "无" | "暂无" | "-" | "—" | "/" | "null" | "NULL" | "undefined" => None,
        _ if is_placeholder(&v) => None,
        _ => Some(v),
    }
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if is_space(c) {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
}

/// Parse label/value pairs from the segments (cells, list items, lines) of a metadata block.
/// A label alone in its segment takes the next segment as its value.
pub(crate) fn parse_pairs(segments: &[String]) -> Vec<(Field, String)> {
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < segments.len() {
        let s = segments[i].as_str();
        let hits = label_hits(s);
        for (k, hit) in hits.iter().enumerate() {
            let end = hits.get(k + 1).map_or(s.len(), |h| h.start);
            let mut raw = &s[hit.value_start..end.max(hit.value_start)];
            if let Some(m) = ANY_LABEL_RE.find(raw) {
                raw = &raw[..m.start()];
            }
            let value = clean_value(raw);
            let last = k + 1 == hits.len();
            if value.is_none() && last && hit.value_start >= s.trim_end().len() {
                // A label alone: the value is the next segment, unless that is a label itself.
                if let Some(next) = segments.get(i + 1) {
                    let next_hits = label_hits(next);
                    if next_hits.first().is_none_or(|h| h.start > 0) && (hit.colon || !next.is_empty()) {
                        if let Some(v) = clean_value(next) {
                            pairs.push((hit.field, v));
                        }
                        i += 1;
                        break;
                    }
                }
            }
            if let Some(v) = value {
                pairs.push((hit.field, v));
            }
        }
        i += 1;
    }
    pairs.retain(|(f, _)| *f != Field::Ignored);
    pairs
}

/// True when a line is nothing but metadata (`索引号: … 发布机构: …`, `发布时间：2019-03-11`):
/// it starts with a label and every label in it is a real one.
pub(crate) fn is_meta_line(line: &str) -> bool {
    let hits = label_hits(line);
    hits.first().is_some_and(|h| h.start == 0 && (h.colon || hits.len() == 1 && h.value_start == line.len()))
}

/// Metadata fields gathered from one source.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Fields {
    pub title: Option<String>,
    pub index_no: Option<String>,
    pub publisher: Option<String>,
    pub doc_no: Option<String>,
    pub category: Option<String>,
    pub written_at: Option<String>,
    pub published_at: Option<String>,
    pub validity: Option<String>,
}

impl Fields {
    /// Set a field unless it already has a value; dates must parse.
    pub(crate) fn offer(&mut self, field: Field, value: &str) {
        let slot = match field {
            Field::Title => &mut self.title,
            Field::IndexNo => &mut self.index_no,
            Field::Publisher => &mut self.publisher,
            Field::DocNo => &mut self.doc_no,
            Field::Category => &mut self.category,
            Field::WrittenAt => &mut self.written_at,
            Field::PublishedAt => &mut self.published_at,
            Field::Validity => &mut self.validity,
            Field::Ignored => return,
        };
        if slot.is_some() {
            return;
        }
        *slot = match field {
            Field::WrittenAt | Field::PublishedAt => parse_date(value),
            _ => clean_value(value),
        };
    }

    /// Fill every empty field from `other`.
    pub(crate) fn fill_from(&mut self, other: &Self) {
        fn fill(a: &mut Option<String>, b: Option<&String>) {
            if a.is_none() {
                *a = b.cloned();
            }
        }
        fill(&mut self.title, other.title.as_ref());
        fill(&mut self.index_no, other.index_no.as_ref());
        fill(&mut self.publisher, other.publisher.as_ref());
        fill(&mut self.doc_no, other.doc_no.as_ref());
        fill(&mut self.category, other.category.as_ref());
        fill(&mut self.written_at, other.written_at.as_ref());
        fill(&mut self.published_at, other.published_at.as_ref());
        fill(&mut self.validity, other.validity.as_ref());
    }
}

static DATE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:19|20)\d{2})\s*(?:[-/.年]\s*)(\d{1,2})\s*(?:[-/.月]\s*)(\d{1,2})(?:\s*日)?")
        .expect("date regex")
});

/// The first date in `s` as `YYYY-MM-DD`. Accepts `2019-03-11 08:46:42`, `2019年03月11日`,
/// `2019年3月1日`, `2019/3/1`, `2019.03.11`, full-width digits; rejects impossible dates.
pub fn parse_date(s: &str) -> Option<String> {
    let s = halfwidth_digits(s);
    DATE_RE.captures_iter(&s).find_map(|c| {
        let y: i32 = c[1].parse().ok()?;
        let m: u32 = c[2].parse().ok()?;
        let d: u32 = c[3].parse().ok()?;
        NaiveDate::from_ymd_opt(y, m, d).map(|date| date.format("%Y-%m-%d").to_string())
    })
}

fn halfwidth_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFF10 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

static YEAR_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})\s*年").expect("year regex"));
static CN_YEAR_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([〇○零ОO一二三四五六七八九]{4})\s*年").expect("cn year regex"));

/// The year a report covers, from its title.
///
/// "平潭综合实验区2023年政府信息公开工作年度报告" → 2023, "二〇二三年…" → 2023, "2018年度…" →
/// 2018. The first year in the title wins; `None` when the title names no year (the publication
/// date is deliberately not used: it is usually N+1).
pub fn report_year(title: &str) -> Option<i32> {
    let title = halfwidth_digits(title);
    let arabic = YEAR_RE.captures(&title).and_then(|c| Some((c.get(0)?.start(), c[1].parse::<i32>().ok()?)));
    let chinese = CN_YEAR_RE.captures(&title).and_then(|c| {
        let mut y = 0i32;
        for ch in c[1].chars() {
            let d = match ch {
                '〇' | '○' | '零' | 'О' | 'O' => 0,
                '一' => 1,
                '二' => 2,
                '三' => 3,
                '四' => 4,
                '五' => 5,
                '六' => 6,
                '七' => 7,
                '八' => 8,
                '九' => 9,
                _ => return None,
            };
            y = y * 10 + d;
        }
        Some((c.get(0)?.start(), y))
    });
    let year = match (arabic, chinese) {
        (Some(a), Some(c)) => Some(if a.0 <= c.0 { a.1 } else { c.1 }),
        (a, c) => a.or(c).map(|x| x.1),
    }?;
    (1949..=2100).contains(&year).then_some(year)
}

/// True for template placeholders and dummy values left in pages.
pub(crate) fn is_placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    matches!(lower.as_str(), "null" | "undefined" | "none" | "nan" | "网站名称" | "政府网站标识码" | "栏目名称" | "文章标题" | "标题" | "来源")
        || ["<$[", "${", "{{", "$!", "#{", "<%", "[!--"].iter().any(|p| v.contains(p))
}

/// The government meta tags of a page (names matched case-insensitively, bad values rejected).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MetaTags {
    pub title: Option<String>,
    pub published_at: Option<String>,
    pub publisher: Option<String>,
}


/// Read `ArticleTitle`, `PubDate` (also `publishdate`, `firstpublishedtime`) and `ContentSource`
/// (also `source`).
pub(crate) fn meta_tags(doc: &Html) -> MetaTags {
    let mut tags = MetaTags::default();
    let mut site_name = None;
    let mut fallback_date = None;
    let mut fallback_source = None;
    // `meta[name][content]` in `Html::select` order, without a selector pass over the page.
    let metas = doc.tree.nodes().filter_map(ElementRef::wrap).filter(|el| {
        el.value().name() == "meta" && super::links::has_attr(el, "name") && super::links::has_attr(el, "content")
    });
    for el in metas {
        let (Some(name), Some(content)) = (el.value().attr("name"), el.value().attr("content")) else { continue };
        let content = collapse_spaces(content);
        if content.is_empty() || is_placeholder(&content) {
            continue;
        }
        match name.trim().to_ascii_lowercase().as_str() {
            "articletitle" if tags.title.is_none() => tags.title = Some(content),
            "pubdate" if tags.published_at.is_none() => tags.published_at = parse_date(&content),
            "publishdate" | "firstpublishedtime" if fallback_date.is_none() => fallback_date = parse_date(&content),
            "contentsource" if tags.publisher.is_none() => tags.publisher = Some(content),
            "source" if fallback_source.is_none() => fallback_source = Some(content),
            "sitename" => site_name = Some(content),
            _ => {}
        }
    }
    // A title equal to the site name is a template default, not the article's title.
    if tags.title.is_some() && tags.title == site_name {
        tags.title = None;
    }
    if tags.published_at.is_none() {
        tags.published_at = fallback_date;
    }
    if tags.publisher.is_none() {
        tags.publisher = fallback_source;
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_shape() {
        for s in ["2019-03-11 08:46:42", "2019年03月11日", "2019/3/11", "2019.03.11", "发布时间：２０１９-０３-１１"] {
            assert_eq!(parse_date(s).as_deref(), Some("2019-03-11"), "{s}");
        }
        assert_eq!(parse_date("2019年3月1日").as_deref(), Some("2019-03-01"));
        assert_eq!(parse_date("2019-13-45"), None);
        assert_eq!(parse_date("无"), None);
    }

    #[test]
    fn report_years() {
        assert_eq!(report_year("平潭综合实验区2023年政府信息公开工作年度报告"), Some(2023));
        assert_eq!(report_year("某县二〇二三年政府信息公开工作年度报告"), Some(2023));
        assert_eq!(report_year("某县二○一九年政府信息公开年报"), Some(2019));
        assert_eq!(report_year("东丰县2018年度政府信息公开工作年度报告"), Some(2018));
        assert_eq!(report_year("政府信息公开工作年度报告"), None);
        assert_eq!(report_year("关于印发第3号文件的通知"), None);
    }

    #[test]
    fn pairs_in_one_line_and_split_cells() {
        let segs: Vec<String> = ["索 引 号: 000000000-2019-03710 发布机构: 地区行署办公室", "发布日期: 2019-03-11 废止日期:", "文 号: 主题分类: 地直部门"]
            .iter().map(ToString::to_string).collect();
        let pairs = parse_pairs(&segs);
        assert!(pairs.contains(&(Field::IndexNo, "000000000-2019-03710".into())), "{pairs:?}");
        assert!(pairs.contains(&(Field::Publisher, "地区行署办公室".into())));
        assert!(pairs.contains(&(Field::PublishedAt, "2019-03-11".into())));
        assert!(pairs.contains(&(Field::Category, "地直部门".into())));
        assert!(!pairs.iter().any(|(f, _)| *f == Field::DocNo), "{pairs:?}");

        let cells: Vec<String> = ["索引号", "113325000026455663/2023-43887", "文号", "丽政发〔2023〕30号", "组配分类", "市政府文件"]
            .iter().map(ToString::to_string).collect();
        let pairs = parse_pairs(&cells);
        assert_eq!(pairs, vec![(Field::IndexNo, "113325000026455663/2023-43887".into()), (Field::DocNo, "丽政发〔2023〕30号".into())]);
    }

    #[test]
    fn labels_inside_words_are_not_labels() {
        assert_eq!(count_labels("资金来源于财政拨款"), 0);
        assert_eq!(count_labels("组配分类："), 1);
        assert_eq!(count_labels("时间"), 0, "a bare everyday word is not a label");
        assert_eq!(count_labels("时 间："), 1);
        assert_eq!(count_labels("索 引 号"), 1);
        assert!(!is_meta_line("本报告的数据来源：统计局"));
        assert!(is_meta_line("发布时间:2019-03-11 08:46:42"));
    }

    #[test]
    fn meta_source_is_the_last_publisher_fallback() {
        let tags = |head: &str| meta_tags(&Html::parse_document(&format!("<html><head>{head}</head></html>")));
        assert_eq!(tags(r#"<meta name="source" content="新华社">"#).publisher.as_deref(), Some("新华社"));
        let both = r#"<meta name="source" content="新华社"><meta name="ContentSource" content="县政府办">"#;
        assert_eq!(tags(both).publisher.as_deref(), Some("县政府办"), "ContentSource first, wherever it stands");
    }
}
