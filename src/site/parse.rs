//! Parsers for the value syntaxes of a rule: selectors with `@attribute`, rates, chrome lines,
//! cron expressions, time zones, proxies and domains. Each returns a message (without the key or
//! file, which the caller adds) on failure.

use std::str::FromStr;
use std::time::Duration;

use regex::Regex;
use scraper::Selector;

use super::types::{Rate, Sel};

/// Split `s` on `sep` where it is not inside brackets, parentheses or quotes.
pub fn split_top_level(s: &str, sep: char) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) if c == '\\' => {
                chars.next();
            }
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '\\' => {
                    chars.next();
                }
                '[' | '(' => depth += 1,
                ']' | ')' => depth -= 1,
                c if c == sep && depth == 0 => {
                    out.push(&s[start..i]);
                    start = i + c.len_utf8();
                }
                _ => {}
            },
        }
    }
    out.push(&s[start..]);
    out
}

/// Position of the last top-level `@` (outside brackets, parentheses and quotes).
fn attr_at(s: &str) -> Option<usize> {
    let (mut depth, mut quote, mut found) = (0i32, None::<char>, None);
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '[' | '(' => depth += 1,
                ']' | ')' => depth -= 1,
                '@' if depth == 0 => found = Some(i),
                _ => {}
            },
        }
    }
    found
}

/// The informative last line of a multi-line library message (regex and selectors errors draw
/// carets over several lines; scraper prefixes "Unexpected error occurred…").
fn last_line(msg: &str) -> &str {
    let line = msg.lines().map(str::trim).rfind(|l| !l.is_empty()).unwrap_or(msg);
    line.strip_prefix("error: ").unwrap_or(line)
}

fn css(s: &str) -> Result<Selector, String> {
    Selector::parse(s).map_err(|e| format!("invalid CSS selector `{s}`: {}", last_line(&e.to_string())))
}

impl Sel {
    /// One alternative: a CSS selector (a group with commas is allowed here) with an optional
    /// `@attribute` suffix: `meta[name=ArticleTitle]@content`.
    pub fn parse(s: &str) -> Result<Sel, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty selector".into());
        }
        let (sel, attr) = match attr_at(s) {
            Some(i) => {
                let attr = s[i + 1..].trim();
                let valid = attr.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && attr.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'));
                if !valid {
                    return Err(format!("invalid attribute name `{attr}` after `@` in `{s}`"));
                }
                (s[..i].trim(), Some(attr.to_ascii_lowercase()))
            }
            None => (s, None),
        };
        if sel.is_empty() {
            return Err(format!("no selector before `@` in `{s}`"));
        }
        Ok(Sel { css: css(sel)?, attr, source: s.to_string() })
    }

    /// Ordered alternatives from one string, split on top-level commas:
    /// `"meta[name=ArticleTitle]@content, h1"` → two [`Sel`]s.
    pub fn parse_alternatives(s: &str) -> Result<Vec<Sel>, String> {
        split_top_level(s, ',').into_iter().map(Sel::parse).collect()
    }
}

/// A CSS selector without attribute (for `drop`).
pub fn plain_selector(s: &str) -> Result<Selector, String> {
    if attr_at(s).is_some() {
        return Err(format!("`{s}`: an @attribute makes no sense here"));
    }
    css(s.trim())
}

impl FromStr for Rate {
    type Err = String;
    /// `"1/2s"`, `"5/s"`, `"30/min"`, `"1/500ms"`, `"100/h"`: requests per period.
    fn from_str(s: &str) -> Result<Rate, String> {
        let bad = || format!("invalid rate `{s}`: expected REQUESTS/PERIOD such as \"1/2s\", \"5/s\", \"30/min\", \"1/500ms\"");
        let (n, per) = s.split_once('/').ok_or_else(bad)?;
        let requests: u32 = n.trim().parse().map_err(|_| bad())?;
        if requests == 0 {
            return Err(format!("invalid rate `{s}`: zero requests"));
        }
        let per = per.trim();
        let split = per.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(per.len());
        let (num, unit) = per.split_at(split);
        let num: f64 = if num.is_empty() { 1.0 } else { num.parse().map_err(|_| bad())? };
        let unit_ms = match unit.trim() {
            "ms" => 1.0,
            "s" | "sec" => 1_000.0,
            "m" | "min" => 60_000.0,
            "h" => 3_600_000.0,
            _ => return Err(bad()),
        };
        let ms = num * unit_ms;
        if !ms.is_finite() || ms < 1.0 {
            return Err(format!("invalid rate `{s}`: the period must be at least 1ms"));
        }
        Ok(Rate { requests, per: Duration::from_millis(ms.round() as u64) })
    }
}

/// A chrome entry → a regex matched against a whole (trimmed) line. Plain strings are literal;
/// `re:` starts a regular expression. Both are anchored: `^\s*(?:…)\s*$`.
pub fn chrome_regex(s: &str) -> Result<Regex, String> {
    let body = match s.strip_prefix("re:") {
        Some(re) => {
            Regex::new(re).map_err(|e| format!("invalid regex `{re}`: {}", last_line(&e.to_string())))?;
            re.to_string()
        }
        None if s.trim().is_empty() => return Err("empty chrome line".into()),
        None => regex::escape(s.trim()),
    };
    Regex::new(&format!(r"^\s*(?:{body})\s*$")).map_err(|e| format!("invalid regex `{s}`: {e}"))
}

/// A regex (for `keep`, `skip`, `count_regex`).
pub fn regex(s: &str) -> Result<Regex, String> {
    Regex::new(s).map_err(|e| format!("invalid regex `{s}`: {}", last_line(&e.to_string())))
}

/// A 5-field cron expression (minute hour day-of-month month day-of-week), checked by croner.
pub fn cron(s: &str) -> Result<(), String> {
    let fields = s.split_whitespace().count();
    if fields != 5 {
        return Err(format!("invalid cron `{s}`: expected 5 fields (minute hour day month weekday), found {fields}"));
    }
    croner::Cron::new(s).parse().map(|_| ()).map_err(|e| format!("invalid cron `{s}`: {e}"))
}

/// An IANA time zone name known to chrono-tz.
pub fn timezone(s: &str) -> Result<(), String> {
    s.parse::<chrono_tz::Tz>().map(|_| ()).map_err(|_| format!("unknown time zone `{s}` (expected e.g. \"Asia/Shanghai\")"))
}

/// A proxy URL: `http://`, `https://`, `socks5://` or `socks5h://` with a host.
pub fn proxy(s: &str) -> Result<(), String> {
    let u = url::Url::parse(s).map_err(|e| format!("invalid proxy URL `{s}`: {e}"))?;
    if !matches!(u.scheme(), "http" | "https" | "socks5" | "socks5h") {
        return Err(format!("proxy `{s}`: scheme must be http, https, socks5 or socks5h"));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(format!("proxy `{s}`: no host"));
    }
    Ok(())
}

/// An absolute http(s) URL.
pub fn http_url(s: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(s.trim()).map_err(|e| format!("invalid URL `{s}`: {e}"))?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(format!("`{s}` is not an absolute http(s) URL"));
    }
    Ok(u)
}

/// A domain entry: a host name, optionally `*.` for "this domain and every subdomain".
/// Lower-cased, trailing dot removed. Ports, schemes and paths are refused.
pub fn domain(s: &str) -> Result<String, String> {
    let d = s.trim().trim_end_matches('.').to_ascii_lowercase();
    let host = d.strip_prefix("*.").unwrap_or(&d);
    let ok = !host.is_empty()
        && host.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if !ok {
        return Err(format!("invalid domain `{s}`: expected a host name like \"www.pingtan.gov.cn\" or \"*.pingtan.gov.cn\""));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_respects_brackets_quotes_parens() {
        assert_eq!(
            split_top_level("a[title='x, y'], :is(b, c) , d[x=\"1,2\"]@href", ','),
            vec!["a[title='x, y']", " :is(b, c) ", " d[x=\"1,2\"]@href"]
        );
    }

    #[test]
    fn attribute_suffix() {
        let alts = Sel::parse_alternatives("meta[name=ArticleTitle]@content, h1").unwrap();
        assert_eq!(alts.len(), 2);
        assert_eq!(alts[0].attr.as_deref(), Some("content"));
        assert_eq!(alts[0].source, "meta[name=ArticleTitle]@content");
        assert_eq!(alts[1].attr, None);
        assert!(Sel::parse("a[href$='@x']").unwrap().attr.is_none(), "@ inside quotes is not a suffix");
        assert!(Sel::parse("a@").is_err());
        assert!(Sel::parse("@href").is_err());
        assert!(Sel::parse("div[").is_err());
    }

    #[test]
    fn rates() {
        let r = |s: &str| s.parse::<Rate>();
        assert_eq!(r("1/2s").unwrap(), Rate { requests: 1, per: Duration::from_secs(2) });
        assert_eq!(r("5/s").unwrap(), Rate { requests: 5, per: Duration::from_secs(1) });
        assert_eq!(r("30/min").unwrap(), Rate { requests: 30, per: Duration::from_secs(60) });
        assert_eq!(r("1/500ms").unwrap(), Rate { requests: 1, per: Duration::from_millis(500) });
        assert_eq!(r("1/1.5s").unwrap(), Rate { requests: 1, per: Duration::from_millis(1500) });
        for bad in ["", "1", "0/s", "x/s", "1/2", "1/0s", "1/2 fortnights", "-1/s"] {
            assert!(r(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn chrome_literal_and_regex() {
        let lit = chrome_regex("打印本页 (P)").unwrap();
        assert!(lit.is_match("  打印本页 (P) "));
        assert!(!lit.is_match("打印本页 (P) 以后"), "whole line only");
        let re = chrome_regex(r"re:浏览次数[::]\s*\d*").unwrap();
        assert!(re.is_match("浏览次数:123"));
        assert!(!re.is_match("本文浏览次数:123"));
        assert!(chrome_regex("re:(").is_err());
    }

    #[test]
    fn cron_tz_proxy_domain() {
        assert!(cron("0 4 * * 1").is_ok());
        assert!(cron("0 0 4 * * 1").is_err(), "6 fields");
        assert!(cron("61 4 * * 1").is_err());
        assert!(timezone("Asia/Shanghai").is_ok() && timezone("Mars/Olympus").is_err());
        assert!(proxy("socks5://127.0.0.1:1080").is_ok() && proxy("ftp://x").is_err() && proxy("nope").is_err());
        assert_eq!(domain("WWW.Pingtan.gov.cn.").unwrap(), "www.pingtan.gov.cn");
        assert_eq!(domain("*.pingtan.gov.cn").unwrap(), "*.pingtan.gov.cn");
        assert!(domain("https://x.gov.cn/").is_err() && domain("x.gov.cn:8080").is_err());
    }
}
