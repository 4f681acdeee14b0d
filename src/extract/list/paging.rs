//! Planning the requests for a list's further pages from what its first page revealed.

use url::Url;

use super::{hanweb, ListPage, Method, PageRequest, ResponseFormat, TrsApiParams};
use crate::site::{ListRule, Pagination};

/// Hanweb's usual window: 3 displayed pages of 15 records (SITES-RESEARCH §1.2, nhsa).
const HANWEB_DEFAULT_PER_PAGE: u32 = 15;
const HANWEB_DEFAULT_WINDOW: u32 = 45;

/// The requests for the pages after `first` (fetched from `first_url`), following the rule's
/// pagination style. `max` (the CLI's `--max-pages`) and the rule's `max_pages` cap the total
/// number of pages *including the first*; the smaller wins.
///
/// * `Template`: TRS static pages, 0-based: page 0 is the first page, page `i` is the template
///   with `{n}` = `i` (`{p}` = `i + 1` for 1-based sites) up to `page_count - 1`. When the page
///   declares the TRS list API (`list2.trsapi`), pages from `maxStaticIndex` on are POSTs to it.
/// * `Hanweb`: POST windows to `dataproxy.jsp?startrecord={g*W+1}&endrecord={(g+1)*W}&perpage=P`
///   for g ≥ 1 (window 0 is inline in the column page). Windows after the first repeat one record
///   of the previous window: merge items with [`super::dedup_items`].
/// * `NextLink`: the page's next link (one request); call again on each page fetched.
/// * `None`: what the page itself reveals, as [`auto_page_urls`].
///
/// A missing page count falls back to the page's next links.
pub fn page_urls(rule: &ListRule, first: &ListPage, first_url: &Url, max: Option<u32>) -> Vec<PageRequest> {
    let rule_max = match &rule.pages {
        Pagination::None => None,
        Pagination::Template { max_pages, .. }
        | Pagination::Hanweb { max_pages, .. }
        | Pagination::NextLink { max_pages, .. } => *max_pages,
    };
    let limit = [max, rule_max].into_iter().flatten().min();
    match &rule.pages {
        Pagination::None => auto_page_urls(first, first_url, limit),
        Pagination::Template { template, .. } => match (first.page_count, &first.trs_api) {
            (Some(count), Some(api)) => trs_api_pages(api, Some(template), first, first_url, count, limit),
            (Some(count), None) => template_pages(template, first, first_url, count, limit),
            (None, _) => next_pages(first, first_url, limit),
        },
        Pagination::Hanweb { column_id, unit_id, window, per_page, .. } => {
            match hanweb_pages(first, first_url, column_id.as_deref(), unit_id.as_deref(), Some(*window), Some(*per_page), limit) {
                reqs if !reqs.is_empty() => reqs,
                _ => next_pages(first, first_url, limit),
            }
        }
        Pagination::NextLink { .. } => next_pages(first, first_url, limit),
    }
}

/// The further pages of a list without a rule (or with `pages` unset), judged from the page:
/// Hanweb dataproxy windows, the TRS list API, TRS static pages from `createPageHTML`/`countPage`
/// (named `index_{n}.<ext>` with the first page's extension when the call does not name them), or
/// next links. `max` caps the total number of pages including the first.
pub fn auto_page_urls(first: &ListPage, first_url: &Url, max: Option<u32>) -> Vec<PageRequest> {
    if first.hanweb.is_some() {
        let reqs = hanweb_pages(first, first_url, None, None, None, None, max);
        if !reqs.is_empty() {
            return reqs;
        }
    }
    if let Some(count) = first.page_count {
        if let Some(api) = &first.trs_api {
            return trs_api_pages(api, None, first, first_url, count, max);
        }
        // createPageHTML named the pages; `countPage` alone is TRS too, but a next link, when
        // there is one, is surer than a guessed file name.
        if first.page_name.is_some() || (count > 1 && first.hanweb.is_none() && first.next.is_empty()) {
            return template_pages(&default_template(first, first_url), first, first_url, count, max);
        }
    }
    next_pages(first, first_url, max)
}

/// `index_{n}.html` from `createPageHTML`'s name/extension, else from the first URL's file name.
fn default_template(first: &ListPage, first_url: &Url) -> String {
    if let Some((name, ext)) = &first.page_name {
        return format!("{name}_{{n}}.{ext}");
    }
    let file = first_url.path_segments().and_then(|mut s| s.next_back()).unwrap_or("");
    match file.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{}_{{n}}.{ext}", stem.split('_').next().unwrap_or(stem)),
        _ => "index_{n}.html".to_string(),
    }
}

/// The URL of page `i` (0-based) of a template.
fn template_url(template: &str, i: u32, first_url: &Url) -> Option<Url> {
    let rel = if i == 0 {
        if template.contains("_{n}") {
            template.replace("_{n}", "")
        } else {
            return Some(first_url.clone());
        }
    } else {
        template.replace("{n}", &i.to_string()).replace("{p}", &(i + 1).to_string())
    };
    first_url.join(&rel).ok()
}

fn get(url: Url, page: u32, first_url: &Url) -> PageRequest {
    PageRequest {
        url,
        method: Method::Get,
        form: Vec::new(),
        headers: vec![("Referer".into(), first_url.to_string())],
        format: ResponseFormat::Html,
        page,
    }
}

/// Pages `0..count` other than the current one, as many as `max` allows.
fn wanted_pages(first: &ListPage, count: u32, max: Option<u32>) -> impl Iterator<Item = u32> {
    let current = first.current_page.unwrap_or(0);
    let further = max.map(|m| m.saturating_sub(1)).unwrap_or(u32::MAX);
    (0..count).filter(move |i| *i != current).take(further as usize)
}

fn template_pages(template: &str, first: &ListPage, first_url: &Url, count: u32, max: Option<u32>) -> Vec<PageRequest> {
    wanted_pages(first, count, max)
        .filter_map(|i| template_url(template, i, first_url).map(|u| get(u, i, first_url)))
        .collect()
}

/// Static pages below `maxStaticIndex`, API POSTs (1-based `page`) from there on.
fn trs_api_pages(
    api: &TrsApiParams,
    template: Option<&str>,
    first: &ListPage,
    first_url: &Url,
    count: u32,
    max: Option<u32>,
) -> Vec<PageRequest> {
    let template = template.map(str::to_string).unwrap_or_else(|| default_template(first, first_url));
    let per_page = api.per_page.or(first.per_page).unwrap_or(10);
    let Some(endpoint) = api.endpoint.clone() else {
        return template_pages(&template, first, first_url, count, max);
    };
    wanted_pages(first, count, max)
        .filter_map(|i| {
            if i < api.max_static_index {
                return template_url(&template, i, first_url).map(|u| get(u, i, first_url));
            }
            let mut form = api.args.clone();
            form.retain(|(k, _)| k != "page" && k != "prepage");
            form.push(("page".into(), (i + 1).to_string()));
            form.push(("prepage".into(), per_page.to_string()));
            Some(PageRequest {
                url: endpoint.clone(),
                method: Method::Post,
                form,
                headers: post_headers(first_url),
                format: ResponseFormat::TrsJson,
                page: i,
            })
        })
        .collect()
}

fn post_headers(referer: &Url) -> Vec<(String, String)> {
    vec![
        ("Referer".into(), referer.to_string()),
        ("X-Requested-With".into(), "XMLHttpRequest".into()),
        ("Content-Type".into(), "application/x-www-form-urlencoded; charset=UTF-8".into()),
    ]
}

/// Dataproxy windows 1.. up to the record total.
fn hanweb_pages(
    first: &ListPage,
    first_url: &Url,
    column_id: Option<&str>,
    unit_id: Option<&str>,
    window: Option<u32>,
    per_page: Option<u32>,
    max: Option<u32>,
) -> Vec<PageRequest> {
    let Some(h) = &first.hanweb else { return Vec::new() };
    let Some(total) = h.total_records.or(first.total_records) else { return Vec::new() };
    let per_page = per_page.filter(|p| *p > 0).or(h.per_page).unwrap_or(HANWEB_DEFAULT_PER_PAGE);
    let window = window
        .filter(|w| *w > 0)
        .or_else(|| Some(h.per_page? * h.group_size?))
        .or_else(|| (h.inline_records > 0 && h.inline_records < total).then_some(h.inline_records))
        .unwrap_or(HANWEB_DEFAULT_WINDOW);
    let groups = total.div_ceil(window);
    let further = max.map(|m| m.saturating_sub(1)).unwrap_or(u32::MAX);
    let proxy = h.proxy_path.as_deref().unwrap_or("/module/web/jpage/dataproxy.jsp");
    let Ok(proxy_url) = first_url.join(proxy) else { return Vec::new() };
    let form = hanweb::form_with_overrides(h, column_id, unit_id);
    (1..groups)
        .take(further as usize)
        .map(|g| {
            let mut url = proxy_url.clone();
            url.set_query(Some(&format!(
                "startrecord={}&endrecord={}&perpage={per_page}",
                g * window + 1,
                (g + 1) * window
            )));
            PageRequest {
                url,
                method: Method::Post,
                form: form.clone(),
                headers: post_headers(first_url),
                format: ResponseFormat::HanwebXml,
                page: g,
            }
        })
        .collect()
}

/// The first next link, if `max` allows another page.
fn next_pages(first: &ListPage, first_url: &Url, max: Option<u32>) -> Vec<PageRequest> {
    if max.is_some_and(|m| m <= 1) {
        return Vec::new();
    }
    let page = first.current_page.unwrap_or(0) + 1;
    first
        .next
        .first()
        .map(|u| vec![get(u.clone(), page, first_url)])
        .unwrap_or_default()
}
