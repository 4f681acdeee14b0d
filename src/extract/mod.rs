//! Pure, synchronous extraction: decoded HTML + URL + rule → clean text, metadata, tables,
//! attachment links. `scraper::Html` is not `Send`: keep parsing inside these functions.

pub mod list;

use serde::{Deserialize, Serialize};

use crate::decode::EncodingInfo;
use crate::site::DetailRule;

/// A table as a grid of cell texts, rowspan/colspan expanded (a merged cell's text repeats in
/// every grid position it covers).
pub type Table = Vec<Vec<String>>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Absolute URL.
    pub url: String,
    /// The visible name (anchor text, `title`, `download`, or image `alt`).
    pub name: String,
}

/// The result of extracting one detail page: the JSON contract of `nianbao extract`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Extracted {
    pub url: String,
    pub site: Option<String>,
    pub title: String,
    /// Clean body text: paragraphs separated by one blank line, tables rendered readably.
    pub text: String,
    /// 发布日期 / PubDate, YYYY-MM-DD.
    pub published_at: Option<String>,
    /// 成文日期 / 生成日期, YYYY-MM-DD.
    #[serde(default)]
    pub written_at: Option<String>,
    /// 发布机构 / 发文机关 / ContentSource.
    pub publisher: Option<String>,
    /// 索引号.
    pub index_no: Option<String>,
    /// 文号 / 发文字号.
    pub doc_no: Option<String>,
    /// 主题分类.
    pub category: Option<String>,
    /// 有效性 / 时效.
    #[serde(default)]
    pub validity: Option<String>,
    /// The year the report covers, from the title ("2023年…年度报告" → 2023).
    pub report_year: Option<i32>,
    pub tables: Vec<Table>,
    pub attachments: Vec<Attachment>,
    pub encoding: EncodingInfo,
    pub warnings: Vec<String>,
}

/// Input to extraction.
pub struct Page<'a> {
    pub html: &'a str,
    pub url: &'a str,
    pub site: Option<&'a str>,
}

/// Extract a detail page. With `rule = None` the generic fallback is used.
pub fn extract(page: &Page<'_>, rule: Option<&DetailRule>) -> Extracted {
    let _ = (page, rule);
    todo!("extract")
}
