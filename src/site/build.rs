//! Reading one site rule file into a validated [`Site`]: every key checked, every problem
//! collected.

use std::path::Path;

use super::detail::{self, family_names, load_family, PartialDetail};
use super::parse;
use super::raw::{self, Ctx, Kind, Node, Obj};
use super::types::{ListRule, Pagination, Rate, RobotsPolicy, Sel, Site, TlsCa, Window};
use crate::Error;

/// Top-level keys of a site rule.
pub(crate) const SITE_KEYS: &[&str] = &[
    "name", "title", "domains", "rate", "concurrency", "schedule", "timezone", "window", "encoding", "extends",
    "robots", "proxy", "legacy_tls", "tls_ca", "lists", "detail",
];
const LIST_KEYS: &[&str] = &["url", "items", "link", "title", "date", "keep", "skip", "gbk_query", "pages"];
const TEMPLATE_KEYS: &[&str] = &["template", "count_regex", "per_page", "max_pages"];
const HANWEB_KEYS: &[&str] = &["hanweb", "column_id", "unit_id", "window", "per_page", "max_pages"];
const NEXT_KEYS: &[&str] = &["next", "max_pages"];

/// Default requests in flight per host.
pub const DEFAULT_CONCURRENCY: usize = 2;
/// Default time zone of `schedule`.
pub const DEFAULT_TIMEZONE: &str = "Asia/Shanghai";

/// Parse and validate one rule file's text. `path` names the file in errors; its stem is the
/// site name.
pub(crate) fn build_site(path: &Path, src: &str) -> Result<Site, Vec<Error>> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
    let root = raw::parse(src).map_err(|(msg, line)| {
        let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
        vec![Error::rule(path, "syntax", format!("{at}TOML syntax error: {msg}"))]
    })?;
    let mut ctx = Ctx::new(path, src);
    let Some(mut top) = Obj::new(&mut ctx, &root, "") else { return Err(ctx.errors) };

    let name_ok = stem.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        ctx.err("name", &None, format!("file stem `{stem}` is not a usable site name (letters, digits, - and _)"));
    }
    if let Some((name, span)) = top.string(&mut ctx, "name") {
        if name != stem {
            ctx.err("name", &span, format!("`{name}` differs from the file stem `{stem}` (the stem is the site name)"));
        }
    }
    let title = top.string(&mut ctx, "title").map(|(t, _)| t).unwrap_or_else(|| stem.clone());

    let rate = match top.string(&mut ctx, "rate") {
        Some((s, span)) => s.parse::<Rate>().unwrap_or_else(|m| {
            ctx.err("rate", &span, m);
            Rate::default()
        }),
        None => Rate::default(),
    };
    let concurrency = top.int(&mut ctx, "concurrency", 1..=32).map_or(DEFAULT_CONCURRENCY, |n| n as usize);

    let schedule = top.string(&mut ctx, "schedule").and_then(|(s, span)| {
        parse::cron(&s).map_err(|m| ctx.err("schedule", &span, m)).ok().map(|_| s)
    });
    let timezone = match top.string(&mut ctx, "timezone") {
        Some((tz, span)) => {
            if let Err(m) = parse::timezone(&tz) {
                ctx.err("timezone", &span, m);
            }
            tz
        }
        None => DEFAULT_TIMEZONE.to_string(),
    };
    let window = top.get("window").and_then(|n| read_window(&mut ctx, n));
    if window.is_some() && schedule.is_none() && !top.has("schedule") {
        ctx.err("window", &top_span(&root, "window"), "a window needs a `schedule` to apply in its months");
    }

    let encoding = top.string(&mut ctx, "encoding").and_then(|(e, span)| {
        if !crate::decode::is_valid_label(&e) {
            ctx.err("encoding", &span, format!("unknown encoding label `{e}` (use \"auto\" or e.g. \"gbk\", \"utf-8\")"));
            return None;
        }
        (!e.trim().eq_ignore_ascii_case("auto")).then(|| e.trim().to_ascii_lowercase())
    });

    let extends = top.string(&mut ctx, "extends").and_then(|(f, span)| {
        if family_names().contains(&f.as_str()) {
            Some(f)
        } else {
            ctx.err("extends", &span, format!("unknown family `{f}`; known: {}", family_names().join(", ")));
            None
        }
    });

    let robots = top.get("robots").map_or(RobotsPolicy::Obey, |n| read_robots(&mut ctx, n));
    let proxy = top.string(&mut ctx, "proxy").and_then(|(p, span)| {
        parse::proxy(&p).map_err(|m| ctx.err("proxy", &span, m)).ok().map(|_| p)
    });
    let legacy_tls = top.boolean(&mut ctx, "legacy_tls").unwrap_or(false);
    let tls_ca = top.string(&mut ctx, "tls_ca").and_then(|(p, span)| {
        read_tls_ca(path, &p).map_err(|m| ctx.err("tls_ca", &span, m)).ok()
    });

    let (lists, list_origins) = top.get("lists").map(|n| read_lists(&mut ctx, n)).unwrap_or_default();

    let mut domains = Vec::new();
    let domains_given = top.has("domains");
    if let Some((items, _)) = top.strings(&mut ctx, "domains") {
        for (i, (d, span)) in items.iter().enumerate() {
            match parse::domain(d) {
                Ok(d) => domains.push(d),
                Err(m) => ctx.err(&format!("domains[{i}]"), span, m),
            }
        }
    }
    if !domains_given {
        for l in &lists {
            if let Some(h) = l.url.host_str().map(str::to_ascii_lowercase) {
                if !domains.contains(&h) {
                    domains.push(h);
                }
            }
        }
    }
    if domains.is_empty() && ctx.errors.iter().all(|e| !matches!(e, Error::Rule { key, .. } if key.starts_with("domains"))) {
        ctx.err("domains", &top_span(&root, "domains"), "no domains: give `domains = [\"www.example.gov.cn\"]` or a list URL");
    }
    if domains_given {
        for (l, (i, span)) in lists.iter().zip(&list_origins) {
            let host = l.url.host_str().unwrap_or_default();
            if !domains.iter().any(|d| super::set::domain_matches(d, host)) {
                ctx.err(&format!("lists[{i}].url"), span, format!("host `{host}` is not covered by `domains`"));
            }
        }
    }

    let site_detail = top.get("detail").map(|n| detail::read_detail(&mut ctx, n)).unwrap_or_default();
    let family = extends.as_deref().and_then(load_family).unwrap_or_else(PartialDetail::default);
    let detail = detail::merge(family, site_detail);

    top.finish(&mut ctx, SITE_KEYS);
    if !ctx.errors.is_empty() {
        return Err(ctx.errors);
    }
    Ok(Site {
        name: stem,
        title,
        domains,
        rate,
        concurrency,
        schedule,
        timezone,
        window,
        encoding,
        extends,
        lists,
        detail,
        robots,
        proxy,
        legacy_tls,
        tls_ca,
        path: path.to_path_buf(),
    })
}

/// `tls_ca`: a PEM file, relative to the rule file's directory, with at least one certificate.
fn read_tls_ca(rule: &Path, file: &str) -> Result<TlsCa, String> {
    if file.trim().is_empty() {
        return Err("empty path: give a PEM file, e.g. \"_certs/www.example.gov.cn.pem\"".into());
    }
    let path = rule.parent().unwrap_or(Path::new("")).join(file);
    let pem = std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    crate::fetch::tls_ca_certificates(&pem).map_err(|m| format!("`{}` is not a PEM certificate file: {m}", path.display()))?;
    Ok(TlsCa { path, pem: pem.into() })
}

fn top_span(root: &Node, key: &str) -> raw::Span {
    match &root.kind {
        Kind::Table(entries) => entries.iter().find(|e| e.key == key).and_then(|e| e.key_span.clone()),
        _ => None,
    }
}

fn read_window(ctx: &mut Ctx<'_>, node: &Node) -> Option<Window> {
    let mut obj = Obj::new(ctx, node, "window")?;
    let months = match obj.get("months") {
        Some(Node { kind: Kind::Array(a), span }) => {
            let nums: Vec<i64> = a.iter().filter_map(|n| if let Kind::Int(i) = n.kind { Some(i) } else { None }).collect();
            if nums.len() == 2 && a.len() == 2 && nums.iter().all(|m| (1..=12).contains(m)) {
                Some((nums[0] as u32, nums[1] as u32))
            } else {
                ctx.err("window.months", span, "expected [FIRST, LAST], two months 1–12 (e.g. [1, 4]; [11, 2] wraps the year)");
                None
            }
        }
        Some(n) => {
            ctx.err("window.months", &n.span, format!("expected an array of two months, found {}", n.kind.type_name()));
            None
        }
        None => {
            ctx.err("window.months", &node.span, "missing: `months = [FIRST, LAST]`");
            None
        }
    };
    let otherwise = obj.string(ctx, "otherwise").and_then(|(s, span)| {
        parse::cron(&s).map_err(|m| ctx.err("window.otherwise", &span, m)).ok().map(|_| s)
    });
    obj.finish(ctx, &["months", "otherwise"]);
    months.map(|months| Window { months, otherwise })
}

fn read_robots(ctx: &mut Ctx<'_>, node: &Node) -> RobotsPolicy {
    const HOW: &str = "expected \"obey\" or { ignore = \"why this site's robots.txt is not followed\" }";
    match &node.kind {
        Kind::Str(s) if s == "obey" => RobotsPolicy::Obey,
        Kind::Str(s) if s == "ignore" => {
            ctx.err("robots", &node.span, format!("ignoring robots.txt needs a reason: {HOW}"));
            RobotsPolicy::Obey
        }
        Kind::Table(_) => {
            let Some(mut obj) = Obj::new(ctx, node, "robots") else { return RobotsPolicy::Obey };
            let reason = obj.string(ctx, "ignore");
            obj.finish(ctx, &["ignore"]);
            match reason {
                Some((r, _)) if !r.trim().is_empty() => RobotsPolicy::Ignore { reason: r.trim().to_string() },
                Some((_, span)) => {
                    ctx.err("robots.ignore", &span, "the reason must not be empty");
                    RobotsPolicy::Obey
                }
                None => {
                    ctx.err("robots", &node.span, HOW);
                    RobotsPolicy::Obey
                }
            }
        }
        _ => {
            ctx.err("robots", &node.span, HOW);
            RobotsPolicy::Obey
        }
    }
}

/// The valid lists, and for each its index in the file and the span of its `url`.
fn read_lists(ctx: &mut Ctx<'_>, node: &Node) -> (Vec<ListRule>, Vec<(usize, raw::Span)>) {
    let Kind::Array(items) = &node.kind else {
        ctx.err("lists", &node.span, "expected [[lists]] tables");
        return Default::default();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, n)| read_list(ctx, n, &format!("lists[{i}]")).map(|(l, span)| (l, (i, span))))
        .unzip()
}

/// A single selector value (a comma group is one CSS group here, not alternatives).
fn single_sel(ctx: &mut Ctx<'_>, obj: &mut Obj<'_>, key: &str) -> Option<Sel> {
    let (s, span) = obj.string(ctx, key)?;
    Sel::parse(&s).map_err(|m| ctx.err(&obj.key(key), &span, m)).ok()
}

fn opt_regex(ctx: &mut Ctx<'_>, obj: &mut Obj<'_>, key: &str) -> Option<regex::Regex> {
    let (s, span) = obj.string(ctx, key)?;
    parse::regex(&s).map_err(|m| ctx.err(&obj.key(key), &span, m)).ok()
}

fn read_list(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Option<(ListRule, raw::Span)> {
    let mut obj = Obj::new(ctx, node, path)?;
    let mut url_span = None;
    let url = match obj.string(ctx, "url") {
        Some((u, span)) => {
            url_span = span.clone();
            parse::http_url(&u).map_err(|m| ctx.err(&obj.key("url"), &span, m)).ok()
        }
        None => {
            ctx.err(&obj.key("url"), &node.span, "missing: the list page URL");
            None
        }
    };
    let had_items = obj.has("items");
    let items = single_sel(ctx, &mut obj, "items");
    if !had_items {
        ctx.err(&obj.key("items"), &node.span, "missing: a selector matching one element per document");
    }
    let link = if obj.has("link") {
        single_sel(ctx, &mut obj, "link")
    } else {
        Some(Sel::parse("a[href]").expect("static selector"))
    }
    .map(|mut s| {
        s.attr.get_or_insert_with(|| "href".to_string());
        s
    });
    let title = single_sel(ctx, &mut obj, "title");
    let date = single_sel(ctx, &mut obj, "date");
    let keep = opt_regex(ctx, &mut obj, "keep");
    let skip = opt_regex(ctx, &mut obj, "skip");
    let gbk_query = obj.boolean(ctx, "gbk_query").unwrap_or(false);
    let pages = obj.get("pages").map_or(Pagination::None, |n| read_pages(ctx, n, &obj.key("pages")));
    obj.finish(ctx, LIST_KEYS);
    Some((ListRule { url: url?, items: items?, link: link?, title, date, pages, keep, skip, gbk_query }, url_span))
}

fn read_pages(ctx: &mut Ctx<'_>, node: &Node, path: &str) -> Pagination {
    let Some(mut obj) = Obj::new(ctx, node, path) else { return Pagination::None };
    let styles: Vec<&str> = ["template", "hanweb", "next"].into_iter().filter(|k| obj.has(k)).collect();
    let max_pages = obj.int(ctx, "max_pages", 1..=100_000);
    let out = match styles.as_slice() {
        ["template"] => {
            let template = obj.string(ctx, "template").map(|(t, span)| {
                if !t.contains("{n}") {
                    ctx.err(&obj.key("template"), &span, format!("`{t}` has no `{{n}}` placeholder (e.g. \"index_{{n}}.html\")"));
                }
                t
            });
            let count_regex = obj.string(ctx, "count_regex").and_then(|(s, span)| match parse::regex(&s) {
                Ok(re) if re.captures_len() >= 2 => Some(re),
                Ok(_) => {
                    ctx.err(&obj.key("count_regex"), &span, format!("`{s}` needs a capture group around the number"));
                    None
                }
                Err(m) => {
                    ctx.err(&obj.key("count_regex"), &span, m);
                    None
                }
            });
            let per_page = obj.int(ctx, "per_page", 1..=10_000);
            obj.finish(ctx, TEMPLATE_KEYS);
            template.map_or(Pagination::None, |template| Pagination::Template { template, count_regex, per_page, max_pages })
        }
        ["hanweb"] => {
            if obj.boolean(ctx, "hanweb") == Some(false) {
                ctx.err(&obj.key("hanweb"), &node.span, "`hanweb = false` makes no sense; leave `pages` out instead");
            }
            let id = |ctx: &mut Ctx<'_>, obj: &mut Obj<'_>, key: &str| {
                obj.string(ctx, key).and_then(|(s, span)| {
                    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
                        Some(s)
                    } else {
                        ctx.err(&obj.key(key), &span, format!("`{s}` is not a numeric id"));
                        None
                    }
                })
            };
            let column_id = id(ctx, &mut obj, "column_id");
            let unit_id = id(ctx, &mut obj, "unit_id");
            let window = obj.int(ctx, "window", 1..=5_000).unwrap_or(45);
            let per_page = obj.int(ctx, "per_page", 1..=5_000).unwrap_or(15);
            obj.finish(ctx, HANWEB_KEYS);
            Pagination::Hanweb { column_id, unit_id, window, per_page, max_pages }
        }
        ["next"] => {
            let sel = single_sel(ctx, &mut obj, "next").map(|mut s| {
                s.attr.get_or_insert_with(|| "href".to_string());
                s
            });
            obj.finish(ctx, NEXT_KEYS);
            sel.map_or(Pagination::None, |selector| Pagination::NextLink { selector, max_pages })
        }
        [] => {
            ctx.err(path, &node.span, "one of `template`, `hanweb` or `next` is required");
            Pagination::None
        }
        many => {
            ctx.err(path, &node.span, format!("only one pagination style at a time, found {}", many.join(" and ")));
            Pagination::None
        }
    };
    out
}
