//! Line-level clean-up of rendered text: whitespace normalisation and chrome removal.
//!
//! Chrome is removed as **whole lines** (a line made only of widget words — 打印, 关闭,
//! 分享, 【字体：大 中 小】, 网站地图, 登录 注册 … —, footer lines with ICP备/公网安备/网站标识码/
//! 版权所有, lines starting with 主办单位：/承办单位：/技术支持：, empty 相关附件：/附件： labels)
//! or as **short fragments** with an unambiguous shape (`浏览量：266` and `责任编辑：王某` as
//! separate fields, `【字体：大 中 小】`, `[打印]`, a trailing `字体大小：`, image file names).
//! A body sentence that merely mentions 打印, 网站 or 浏览量 is never touched.
//!
//! Rule regexes (`DetailRule.chrome`) are applied to each line: every match is removed, and a
//! line left with no letters, digits or ideographs is dropped. Write `^…$` to drop whole lines.
//!
//! Whitespace: lines are trimmed (indentation with full-width spaces or nbsp included), runs of
//! spaces become one space, and letter-spaced words (`年 度 报 告`, `索 引 号`) are joined.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use super::clean::is_space;
use super::meta::is_meta_line;

const WIDGET_WORDS: &str = "打印本页|打印此页|打印文章|打印|关闭本页|关闭窗口|关闭|分享到|分享至|分享|收藏本页|加入收藏|收藏|\
返回顶部|返回列表|返回首页|返回|顶部|网站地图|站点地图|登录|注册|官方微信|官方微博|新浪微博|微信|微博|QQ空间|\
无障碍浏览|无障碍|长者模式|繁體|繁体|简体|设为首页|字体大小|文字大小|字体|字号|放大|缩小|正常|默认|大|中|小|\
我要纠错|纠错|手机版|移动版|联系我们|关于我们|网站声明|隐私声明|使用帮助|下载文字版|下载图片版|复制链接|RSS|【|】";

static WHOLE_LINE: LazyLock<RegexSet> = LazyLock::new(|| {
    let sep = r"[\s|｜/／、·•:：\[\]【】()（）<>《》\-]*";
    let patterns = [
        format!(r"^{sep}(?:(?:{WIDGET_WORDS}){sep})+$"),
        r"^(?:用手机)?扫一扫.{0,16}$".to_string(),
        r"^分享到.{0,40}$".to_string(),
        r"^[（(【\[]?(?:主办单位|承办单位|协办单位|技术支持|维护单位|运维单位|网站主办|网站承办)\s*[:：].{0,80}$".to_string(),
        r"^相关(?:附件|文档|链接|文件)\s*[:：]?$".to_string(),
        r"^(?:附件|附件下载|下载附件|文档|下载|附件信息)\s*[:：]$".to_string(),
        r"^附件下载$".to_string(),
        r"^(?:浏览量|浏览次数|点击数|点击量|点击率|阅读量|阅读次数|访问次数|访问量)\s*[:：]?\s*\d*\s*次?$".to_string(),
        r"^[（(]?责任编辑\s*[:：].{0,20}$".to_string(),
        r"^(?:上一篇|下一篇)\s*[:：].{0,80}$".to_string(),
        r"^(?:当前位置|您当前的位置|您的位置|您现在的位置|当前所在位置|所在位置)\s*[:：].{0,100}$".to_string(),
    ];
    RegexSet::new(patterns).expect("chrome regexes")
});

/// The footer pattern, kept out of [`WHOLE_LINE`]: its `.{0,150}` on both sides makes it by far
/// the costliest to run, so it only runs on lines holding one of its literals
/// ([`may_be_footer`]).
static FOOTER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^.{0,150}(?:ICP备\s*\d|ICP证\s*\d|公网安备\s*\d|网站标识码\s*[:：]?\s*[0-9A-Za-z]{6,}|版权所有(?:\s|[:：©(（]|$)|(?i:copyright)|©).{0,150}$")
        .expect("footer regex")
});

/// False only when [`FOOTER_LINE`] cannot match: none of its literals is in the line.
fn may_be_footer(line: &str) -> bool {
    line.contains("ICP")
        || line.contains("公网安备")
        || line.contains("网站标识码")
        || line.contains("版权所有")
        || line.contains('©')
        || contains_ascii_ci(line.as_bytes(), b"copyright")
}

/// ASCII case-insensitive substring test (`needle` lower-case).
fn contains_ascii_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

static FRAGMENTS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // 【字体：大 中 小】, 【字体: 】, 【字号：大 中 小】
        r"【\s*(?:字体|字号|文字)\s*[:：]?[^】]{0,16}】",
        // [打印] [关闭] 【打印本页】
        r"[\[【]\s*(?:打印本页|打印|关闭窗口|关闭|收藏|返回顶部|分享)\s*[\]】]",
        // 浏览量：266 / 点击数： as a separate field
        r"(?:^|\s)(?:浏览量|浏览次数|点击数|点击量|点击率|阅读量|阅读次数|访问次数)\s*[:：]\s*\d*\s*次?(?:\s|$)",
        // 责任编辑：王宝新 as a separate field, or （责任编辑：…）
        r"(?:^|\s)[（(]?责任编辑\s*[:：]\s*[^\s（()）]{0,12}[）)]?(?:\s|$)",
        r"[（(]责任编辑\s*[:：][^）)]{0,16}[）)]",
        // a trailing 字体大小： / 文字大小：[大][中][小]
        r"(?:字体|文字|字号)(?:大小)?\s*[:：]\s*(?:[\[【(（]?\s*[大中小]\s*[\]】)）]?\s*){0,3}$",
        // image file names: W020190311.jpg, image001.png, *.gif
        r"(?i)[A-Za-z0-9_\-.()]*[A-Za-z0-9_\-()]\.(?:jpe?g|png|gif|bmp|webp|tiff?)\b",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("fragment regex"))
    .collect()
});

/// True when a line is chrome by the built-in list.
pub fn is_chrome_line(line: &str) -> bool {
    WHOLE_LINE.is_match(line) || (may_be_footer(line) && FOOTER_LINE.is_match(line))
}

/// Cheap literal tests standing before each [`FRAGMENTS`] regex (same order): false only when
/// the regex cannot match `s`. Most body lines pass none, and skip the regexes entirely.
fn fragment_may_match(k: usize, s: &str) -> bool {
    let colon = || s.contains([':', '：']);
    match k {
        0 => s.contains('【'),
        1 => s.contains(['[', '【']),
        2..=5 => colon(),
        6 => may_name_image(s),
        _ => true,
    }
}

/// False only when the image-name fragment cannot match: no `.` followed by the first letter of
/// an extension (any case) or by a non-ASCII byte (left to the regex, for Unicode case folding).
fn may_name_image(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'.'
            && b.get(i + 1).is_some_and(|&n| {
                !n.is_ascii() || matches!(n.to_ascii_lowercase(), b'j' | b'p' | b'g' | b'b' | b'w' | b't')
            })
    })
}

fn has_content(line: &str) -> bool {
    line.chars().any(char::is_alphanumeric)
}

/// Collapse spaces, trim, and join letter-spaced CJK words.
pub(crate) fn normalize_line(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let is_han_at = |k: usize| chars.get(k).is_some_and(|c| is_ideograph(*c));
    let is_sep = |k: Option<usize>| k.is_none_or(|k| chars.get(k).is_none_or(|c| is_space(*c)));
    while i < chars.len() {
        let c = chars[i];
        if !is_space(c) {
            out.push(c);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_space(chars[i]) {
            i += 1;
        }
        if start == 0 || i == chars.len() {
            continue; // leading/trailing whitespace
        }
        let (left, right) = (start - 1, i);
        let joined = is_han_at(left)
            && is_han_at(right)
            && (is_sep(left.checked_sub(1)) || is_sep(Some(right + 1)));
        if !joined {
            out.push(' ');
        }
    }
    out
}

fn is_ideograph(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn remove_all<'a>(line: Cow<'a, str>, re: &Regex) -> Cow<'a, str> {
    if !re.is_match(&line) {
        return line;
    }
    // Fragments that consume their surrounding whitespace may sit next to each other:
    // repeat a few times until nothing matches.
    let mut s = line.into_owned();
    for _ in 0..4 {
        let next = re.replace_all(&s, " ").into_owned();
        if next == s {
            break;
        }
        s = next;
    }
    Cow::Owned(s)
}

/// Clean one line; `None` when the line is chrome.
fn clean_line(line: &str, extra: &[Regex]) -> Option<String> {
    let line = normalize_line(line);
    if line.is_empty() || is_chrome_line(&line) {
        return None;
    }
    let mut s: Cow<'_, str> = Cow::Borrowed(&line);
    for (k, re) in FRAGMENTS.iter().enumerate() {
        if fragment_may_match(k, &s) {
            s = remove_all(s, re);
        }
    }
    for re in extra {
        s = remove_all(s, re);
    }
    let changed = match s {
        Cow::Borrowed(_) => None,
        Cow::Owned(o) => Some(normalize_line(&o)),
    };
    // Unchanged: not empty, and already found not to be chrome.
    let Some(s) = changed else { return has_content(&line).then_some(line) };
    if s.is_empty() || !has_content(&s) || is_chrome_line(&s) {
        return None;
    }
    Some(s)
}

/// How many lines at the top of the text may be metadata or a repeated title.
const LEADING_LINES: usize = 15;
/// A line this long that is not metadata ends the leading zone.
const PROSE_CHARS: usize = 40;

/// Clean rendered text: normalise every line, drop chrome, drop metadata lines and a repeated
/// title at the top, and keep paragraphs separated by exactly one blank line.
pub fn clean_text(raw: &str, extra: &[Regex], title: Option<&str>) -> String {
    // None marks a paragraph break.
    let mut lines: Vec<Option<String>> = Vec::new();
    for line in raw.split('\n') {
        if line.trim_matches(is_space).is_empty() {
            lines.push(None);
        } else if let Some(l) = clean_line(line, extra) {
            lines.push(Some(l));
        }
    }
    let title_key: Option<String> = title.map(|t| t.chars().filter(|c| !is_space(*c)).collect());
    let mut seen = 0;
    for slot in lines.iter_mut() {
        let Some(line) = slot else { continue };
        seen += 1;
        if seen > LEADING_LINES {
            break;
        }
        let key: String = line.chars().filter(|c| !is_space(*c)).collect();
        if is_meta_line(line) || title_key.as_deref().is_some_and(|t| !t.is_empty() && t == key) {
            *slot = None;
        } else if line.chars().count() >= PROSE_CHARS {
            break;
        }
    }
    let mut out = String::with_capacity(raw.len());
    let mut pending_break = false;
    let mut prev_line = false;
    for slot in lines {
        match slot {
            None => pending_break = prev_line || pending_break,
            Some(l) => {
                if !out.is_empty() {
                    out.push_str(if pending_break { "\n\n" } else { "\n" });
                }
                out.push_str(&l);
                pending_break = false;
                prev_line = true;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_prechecks_only_skip_lines_the_regexes_cannot_match() {
        // The case-insensitive letters of the footer and image patterns match ASCII only, so the
        // ASCII pre-checks are exact.
        let letters = Regex::new(r"(?i)^[copyrightjpegnifbmwt]$").unwrap();
        let non_ascii = (0x80..=0x10FFFFu32).filter_map(char::from_u32).filter(|c| letters.is_match(c.encode_utf8(&mut [0; 4])));
        assert_eq!(non_ascii.collect::<String>(), "");
        for line in ["Copyright 2019 某县", "版权所有：某县人民政府", "闽ICP备05032698号", "© 2020", "网站标识码：3590000001"] {
            assert!(may_be_footer(line) && is_chrome_line(line), "{line}");
        }
        assert!(!may_be_footer("本年度共公开政府信息1243条。"));
        for (k, line) in ["【字体：大 中 小】", "[打印]", "浏览量：266", "责任编辑：王某", "（责任编辑：王某）", "字体大小：", "W02019.JPG"]
            .into_iter()
            .enumerate()
        {
            assert!(fragment_may_match(k, line) && FRAGMENTS[k].is_match(line), "{k} {line}");
        }
        assert!(!may_name_image("增长12.5%，共3.0万次。"));
        assert!(!(0..7).any(|k| fragment_may_match(k, "县政府网站共发布信息1243条。")));
    }

    #[test]
    fn letter_spacing_is_joined_but_words_are_not() {
        assert_eq!(normalize_line("  年 度 报 告 "), "年度报告");
        assert_eq!(normalize_line("索 引 号：0001"), "索引号：0001");
        assert_eq!(normalize_line("张三 李四"), "张三 李四");
        assert_eq!(normalize_line("2007 年末   Windows  10"), "2007 年末 Windows 10");
    }

    #[test]
    fn chrome_lines_go_body_mentions_stay() {
        let raw = "扫一扫在手机打开当前页\n\n打印本页 关闭窗口\n\n【字体：大 中 小】\n\n网站地图\n\n登录 注册\n\n官方微信\n\n\
                   字号: [大] [中] [小] [打印]\n\n浏览量：\n\n点击数：123\n\n（责任编辑：系统管理员）\n\n网站标识码：3590000001 闽ICP备05032698号\n\n\
                   主办单位：某县人民政府办公室\n\n相关附件：\n\n相关文档:\n\n附件：\n\nW020190311.jpg\n\n\
                   各单位可打印本通知并张贴于公告栏。\n\n网站浏览量：123万次，比上年增长10%。\n\n县政府网站共发布信息1243条。";
        let t = clean_text(raw, &[], None);
        assert_eq!(t, "各单位可打印本通知并张贴于公告栏。\n\n网站浏览量：123万次，比上年增长10%。\n\n县政府网站共发布信息1243条。");
    }

    #[test]
    fn chrome_fragments_glued_to_lines_are_cut() {
        let t = clean_text("日期: 2019-03-25 浏览量:266 来源:区政府办 责任编辑:王宝新 文字大小:\n\n来源:区政务中心字体大小:", &[], None);
        // both lines are metadata at the top once the chrome is cut, so nothing is left
        assert_eq!(t, "");
        let t = clean_text("这是一段很长的正文内容，用来结束开头的元数据区域，所以后面的行不再按照元数据处理。\n\n来源:区政务中心字体大小:", &[], None);
        assert!(t.ends_with("\n\n来源:区政务中心"), "{t}");
    }

    #[test]
    fn rule_regexes_remove_matches_and_empty_lines() {
        let extra = vec![Regex::new(r"^本页由.*$").unwrap(), Regex::new(r"\(此件公开发布\)").unwrap()];
        let t = clean_text("正文第一行(此件公开发布)\n\n本页由某某维护", &extra, None);
        assert_eq!(t, "正文第一行");
    }

    #[test]
    fn leading_metadata_and_title_dropped_body_kept() {
        let raw = "索引号: 0001 发布机构: 地区行署办公室\n\n2018年某中心政府信息公开工作年度报告\n\n发布时间:2019-03-11 08:46:42 【字体: 】\n\n\
                   本年度报告依据《中华人民共和国政府信息公开条例》编制，统计日期自2018年1月1日起至2018年12月31日止。\n\n时间：全年";
        let t = clean_text(raw, &[], Some("2018年某中心政府信息公开工作年度报告"));
        assert_eq!(t, "本年度报告依据《中华人民共和国政府信息公开条例》编制，统计日期自2018年1月1日起至2018年12月31日止。\n\n时间：全年");
    }
}
