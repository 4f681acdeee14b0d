//! List cases: decode + `extract::list::parse_list` with the site's list rule, and the further
//! page requests the crawler would make, as a stable JSON shape.

use serde::Serialize;

use crate::decode::{self, EncodingInfo};
use crate::extract::list::{self, ListPage, Method, PageRequest};
use crate::site::{ListRule, Site};

use super::case::CaseSpec;

/// One document link of a list page.
#[derive(Debug, Serialize)]
pub struct ListItemOut {
    pub url: String,
    pub title: String,
    pub date: Option<String>,
    pub year: Option<i32>,
}

/// What a list case's expected JSON holds.
#[derive(Debug, Serialize)]
pub struct ListOutput {
    pub url: String,
    pub items: Vec<ListItemOut>,
    pub page_count: Option<u32>,
    pub current_page: Option<u32>,
    pub total_records: Option<u32>,
    pub per_page: Option<u32>,
    pub next: Vec<String>,
    /// The further requests (`GET url`, `POST url form`) the crawler would make.
    pub pages: Vec<String>,
    pub filtered_out: usize,
    pub encoding: EncodingInfo,
    pub warnings: Vec<String>,
}

/// The list rule a case uses: `list = N` in the spec, else the one whose URL is the case's URL.
pub fn rule_for<'s>(site: &'s Site, spec: &CaseSpec) -> Result<&'s ListRule, String> {
    match spec.list {
        Some(i) => site
            .lists
            .get(i)
            .ok_or_else(|| format!("list = {i}, but {} has {} [[lists]]", site.path.display(), site.lists.len())),
        None => site.lists.iter().find(|l| l.url.as_str() == spec.url).ok_or_else(|| {
            format!("no [[lists]] rule in {} has url {}; set `list = N` in the case", site.path.display(), spec.url)
        }),
    }
}

/// Decode and parse a list page, then plan its further pages.
pub fn run_list(site: &Site, rule: &ListRule, spec: &CaseSpec, bytes: &[u8]) -> Result<ListOutput, String> {
    let url = url::Url::parse(&spec.url).map_err(|e| format!("{}: {e}", spec.url))?;
    let forced = site.encoding.as_deref();
    let decoded = decode::decode(bytes, spec.content_type(), forced);
    let page: ListPage = list::parse_list(&decoded.text, &url, Some(rule));
    let pages = list::page_urls(rule, &page, &url, None).iter().map(request_line).collect();
    let mut warnings = decoded.notes;
    warnings.extend(page.warnings);
    Ok(ListOutput {
        url: spec.url.clone(),
        items: page
            .items
            .into_iter()
            .map(|i| ListItemOut { url: i.url.to_string(), title: i.title, date: i.date, year: i.year })
            .collect(),
        page_count: page.page_count,
        current_page: page.current_page,
        total_records: page.total_records,
        per_page: page.per_page,
        next: page.next.iter().map(|u| u.to_string()).collect(),
        pages,
        filtered_out: page.filtered_out,
        encoding: decoded.info,
        warnings,
    })
}

fn request_line(r: &PageRequest) -> String {
    match r.method {
        Method::Get => format!("GET {}", r.url),
        Method::Post => {
            let form = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&r.form).finish();
            format!("POST {} {form}", r.url)
        }
    }
}
