//! Recognising answers that are not documents: anti-crawler challenges and WAF pages ("blocked"),
//! and "content deleted" pages ("gone"). A pure function over status, headers and body, so it can
//! be tested with realistic bodies and rerun on stored responses.
//!
//! What is recognised (see SITES-RESEARCH §4.1):
//! - 瑞数 (Rivers Security): `$_ts=window['$_ts']`, `$_ts.nsd`/`$_ts.cd`, `r='m'` script/meta tags,
//!   usually on HTTP 412 (some versions 202, and sometimes 200);
//! - 加速乐 (Jiasule / 知道创宇): 521 or 512 with `document.cookie=…`, `__jsl_clearance`;
//! - WZWS (网宿): `wzwschallenge`, `wzws_cid`, "请开启JavaScript并刷新该页";
//! - Aliyun WAF (`acw_sc__v2`), 360 网站卫士 / 访问异常, 安全狗, 云锁 and generic 网站防火墙 pages;
//! - any 403 or 412;
//! - HTML 200s whose visible text is empty or just a title (a failed challenge);
//! - 410, and 404/200 pages that say the content was deleted (页面不存在, 信息已删除, 该信息已撤销 …)
//!   → gone; other 404s → not found.

use serde::{Deserialize, Serialize};

/// What a response turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A normal answer: archive it.
    Ok,
    /// An anti-crawler challenge or WAF page. Never store it as a document.
    Blocked {
        /// What was recognised, e.g. "瑞数 (Rivers) JS challenge".
        reason: String,
        /// Status, the matched marker and the page title, for the run log and the report.
        evidence: String,
    },
    /// The document was removed (410, or a "content deleted" page).
    Gone { reason: String, evidence: String },
    /// A plain 404 without any "deleted" wording.
    NotFound,
}

impl Outcome {
    /// True for [`Outcome::Ok`].
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }
    /// True for [`Outcome::Blocked`].
    pub fn is_blocked(&self) -> bool {
        matches!(self, Outcome::Blocked { .. })
    }
    /// True for [`Outcome::Gone`] and [`Outcome::NotFound`].
    pub fn is_gone(&self) -> bool {
        matches!(self, Outcome::Gone { .. } | Outcome::NotFound)
    }
}

/// Byte markers of JS/cookie challenges, with the name recorded as the reason.
const CHALLENGE_MARKERS: &[(&str, &str)] = &[
    ("$_ts=window['$_ts']", "瑞数 (Rivers) JS challenge"),
    ("$_ts=window[\"$_ts\"]", "瑞数 (Rivers) JS challenge"),
    ("$_ts.nsd", "瑞数 (Rivers) JS challenge"),
    ("$_ts.cd", "瑞数 (Rivers) JS challenge"),
    ("__jsl_clearance", "加速乐 (Jiasule) cookie challenge"),
    ("__jsluid", "加速乐 (Jiasule) cookie challenge"),
    ("wzwschallenge", "WZWS (网宿) challenge"),
    ("wzwsconfirm", "WZWS (网宿) challenge"),
    ("wzws_cid", "WZWS (网宿) challenge"),
    ("acw_sc__v2", "Aliyun WAF challenge"),
    ("_waf_bd8ce2ce37", "Aliyun WAF challenge"),
];

/// Phrases of WAF / block pages (matched in UTF-8 and GBK bytes).
const WAF_PHRASES: &[(&str, &str)] = &[
    ("请开启JavaScript并刷新该页", "WZWS (网宿) challenge"),
    ("访问异常", "WAF block page (访问异常)"),
    ("网站卫士", "360 网站卫士 WAF page"),
    ("网站防火墙", "WAF block page (网站防火墙)"),
    ("安全狗", "安全狗 WAF page"),
    ("云锁", "云锁 WAF page"),
    ("您的访问被阻断", "WAF block page (访问被阻断)"),
    ("您的请求带有不合法参数", "WAF block page (不合法参数)"),
    ("访问请求可能对网站造成安全威胁", "WAF block page (安全威胁)"),
    ("当前访问疑似黑客攻击", "WAF block page (疑似黑客攻击)"),
    ("访问被拒绝", "WAF block page (访问被拒绝)"),
    ("请输入验证码", "CAPTCHA page"),
    ("滑动验证", "CAPTCHA page"),
];

/// "Content deleted / page does not exist" wording.
const GONE_PHRASES: &[&str] = &[
    "页面不存在",
    "页面未找到",
    "信息已删除",
    "内容已删除",
    "已被删除",
    "已删除或不存在",
    "该信息已撤销",
    "信息已撤销",
    "该文章已撤稿",
    "文章不存在",
    "信息不存在",
    "找不到",
    "无法找到该页",
    "您访问的页面不存在",
];

/// A body whose visible text (tags, scripts and styles removed) is shorter than this many
/// characters is considered empty / title-only.
pub const MIN_VISIBLE_CHARS: usize = 20;

/// Soft-404 wording only counts on pages whose visible text is shorter than this (a long
/// report may well contain "找不到").
pub const SOFT_404_MAX_CHARS: usize = 2000;

/// Classify a response. `content_type` is the Content-Type header (if any); `set_cookie` the
/// concatenated Set-Cookie header values (WAFs name themselves there).
pub fn classify(status: u16, content_type: Option<&str>, set_cookie: &str, body: &[u8]) -> Outcome {
    let html = is_html(content_type, body);
    let text = if html || status >= 400 { Some(decode_lossy(body)) } else { None };
    let title = text.as_deref().and_then(title_of).unwrap_or_default();
    let evidence = |marker: &str| -> String {
        let mut e = format!("HTTP {status}");
        if !marker.is_empty() {
            e.push_str(&format!("; marker {marker:?}"));
        }
        if !title.is_empty() {
            e.push_str(&format!("; title {title:?}"));
        }
        e.push_str(&format!("; {} bytes", body.len()));
        e
    };

    // 1. Challenge markers, whatever the status (瑞数 is seen on 200 too).
    if html || status >= 400 || status == 202 {
        if let Some((marker, reason)) = CHALLENGE_MARKERS.iter().find(|(m, _)| contains(body, m.as_bytes())) {
            return Outcome::Blocked { reason: (*reason).into(), evidence: evidence(marker) };
        }
        let rm = contains(body, b"r='m'") || contains(body, b"r=\"m\"");
        if rm && matches!(status, 412 | 202 | 200) {
            return Outcome::Blocked { reason: "瑞数 (Rivers) JS challenge".into(), evidence: evidence("r='m'") };
        }
        if matches!(status, 521 | 512) && contains(body, b"document.cookie") {
            return Outcome::Blocked {
                reason: "加速乐 (Jiasule) cookie challenge".into(),
                evidence: evidence("document.cookie"),
            };
        }
        if let Some(text) = text.as_deref() {
            let visible = visible_len(text);
            // WAF wording: on error statuses anywhere, on 200s only in short pages or the title.
            if let Some((phrase, reason)) = WAF_PHRASES.iter().find(|(p, _)| {
                title.contains(p) || ((status >= 400 || visible < SOFT_404_MAX_CHARS) && text.contains(p))
            }) {
                return Outcome::Blocked { reason: (*reason).into(), evidence: evidence(phrase) };
            }
        }
    }
    let cookie = set_cookie.to_ascii_lowercase();
    if (status == 403 || status == 412) && (cookie.contains("wzws") || cookie.contains("acw_tc")) {
        let waf = if cookie.contains("wzws") { "WZWS (网宿)" } else { "Aliyun WAF" };
        return Outcome::Blocked { reason: format!("HTTP {status} from {waf}"), evidence: evidence("Set-Cookie") };
    }
    match status {
        403 => return Outcome::Blocked { reason: "HTTP 403 Forbidden".into(), evidence: evidence("") },
        412 => return Outcome::Blocked { reason: "HTTP 412 challenge".into(), evidence: evidence("") },
        521 | 512 => return Outcome::Blocked { reason: format!("HTTP {status} challenge"), evidence: evidence("") },
        410 => return Outcome::Gone { reason: "HTTP 410 Gone".into(), evidence: evidence("") },
        _ => {}
    }

    // 2. Deleted content: 404 with the wording → gone; 200 soft-404s → gone.
    if let Some(text) = text.as_deref() {
        let visible = visible_len(text);
        let phrase =
            GONE_PHRASES.iter().find(|p| title.contains(*p) || (visible < SOFT_404_MAX_CHARS && text.contains(*p)));
        if status == 404 {
            return match phrase {
                Some(p) => Outcome::Gone { reason: "content deleted (HTTP 404)".into(), evidence: evidence(p) },
                None => Outcome::NotFound,
            };
        }
        if (200..300).contains(&status) && html {
            if let Some(p) = phrase {
                return Outcome::Gone { reason: "content deleted (soft 404)".into(), evidence: evidence(p) };
            }
            if visible < MIN_VISIBLE_CHARS && !is_redirect_shell(text) {
                let reason = if body.iter().all(|b| b.is_ascii_whitespace()) {
                    "empty body"
                } else {
                    "empty or title-only body (failed challenge?)"
                };
                return Outcome::Blocked { reason: reason.into(), evidence: evidence("") };
            }
        }
    } else if status == 404 {
        return Outcome::NotFound;
    }
    if (200..300).contains(&status) && !html && body.is_empty() {
        return Outcome::Blocked { reason: "empty body".into(), evidence: evidence("") };
    }
    Outcome::Ok
}

/// HTML by Content-Type, or, without one, by a leading `<`.
fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    match content_type {
        Some(ct) => {
            let ct = ct.to_ascii_lowercase();
            ct.contains("html") || ct.contains("xml") || ct.starts_with("text/")
        }
        None => body.iter().find(|b| !b.is_ascii_whitespace()).is_none_or(|b| *b == b'<'),
    }
}

/// A tiny page whose only job is to send the browser elsewhere (Beijing "跳转壳"): not blocked.
fn is_redirect_shell(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("location.replace")
        || t.contains("location.href")
        || t.contains("window.location")
        || (t.contains("http-equiv") && t.contains("refresh"))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// UTF-8 if valid, else GB18030 (a superset of GBK/GB2312) — enough to look for phrases.
fn decode_lossy(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(body).0.into_owned(),
    }
}

/// The text of the first `<title>`, whitespace-collapsed, at most 80 characters.
pub(crate) fn title_of(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let end = open_end + lower[open_end..].find("</title")?;
    let t: String = text[open_end..end].split_whitespace().collect::<Vec<_>>().join(" ");
    Some(t.chars().take(80).collect())
}

/// Number of visible characters: markup, comments, scripts and styles removed, whitespace and
/// the `<title>` ignored.
pub(crate) fn visible_len(text: &str) -> usize {
    let lower = text.to_ascii_lowercase();
    let mut n = 0usize;
    let mut i = 0usize;
    let bytes = lower.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'<' {
            let rest = &lower[i..];
            let skip_to = if rest.starts_with("<!--") {
                rest.find("-->").map(|e| e + 3)
            } else if let Some(tag) = ["<script", "<style", "<title"].iter().find(|t| rest.starts_with(**t)) {
                let close = format!("</{}", &tag[1..]);
                rest.find(&close).and_then(|e| rest[e..].find('>').map(|g| e + g + 1))
            } else {
                rest.find('>').map(|e| e + 1)
            };
            match skip_to {
                Some(k) => i += k,
                None => break,
            }
            continue;
        }
        // Count one character (UTF-8 aware) unless it is whitespace.
        let ch = lower[i..].chars().next().unwrap_or(' ');
        if !ch.is_whitespace() && ch != '\u{3000}' {
            n += 1;
        }
        i += ch.len_utf8();
    }
    n
}

#[cfg(test)]
#[path = "challenge_tests.rs"]
mod tests;
