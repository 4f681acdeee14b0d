//! Label normalisation and cell-value parsing for the report tables.
//!
//! Labels are compared after [`label_key`]: full-width ASCII folded to half-width, all whitespace
//! (including `&nbsp;` and the ideographic space) removed, quotes removed, the leading numbering
//! (`一、`, `（三）`, `1.`) and every bracketed hint (`（区分处理的，…）`, `(指2019年事项数)`) stripped.

use std::sync::LazyLock;

use regex::Regex;

/// Fold full-width ASCII (U+FF01–U+FF5E) to ASCII and the ideographic space to a space; drop
/// whitespace and quotes. Brackets and numbering are kept.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            '〔' | '【' => '[',
            '〕' | '】' => ']',
            '—' | '–' | '‐' | '―' => '-',
            _ => c,
        };
        if c.is_whitespace() || matches!(c, '"' | '\'' | '“' | '”' | '‘' | '’' | '「' | '」' | '\u{200B}' | '\u{FEFF}') {
            continue;
        }
        out.push(c);
    }
    out
}

static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[一二三四五六七八九十]+[、.]|\([一二三四五六七八九十]+\)[、.]?|\d{1,2}[.、)](?:\D|$))").unwrap()
});
static HINT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\([^()]*\)").unwrap());

/// The comparison key of a label: [`fold`], then the leading numbering and bracketed hints removed.
///
/// `"（二）部分公开（区分处理的，只计这一情形，不计其他情形）"` → `"部分公开"`;
/// `"3.危及“三安全一稳定”"` → `"危及三安全一稳定"`; `"规章(设区的市…应提供相关数据)"` → `"规章"`.
pub fn label_key(s: &str) -> String {
    let f = fold(s);
    let f = strip_numbering(&f);
    // Remove innermost brackets repeatedly, for nested hints.
    let mut cur = f.to_string();
    loop {
        let next = HINT.replace_all(&cur, "").into_owned();
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}

fn strip_numbering(f: &str) -> &str {
    match NUMBERING.find(f) {
        Some(m) => {
            // `\d[.]` consumed one following non-digit char when present: give it back.
            let s = m.as_str();
            let end = if s.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                let last = s.chars().last().unwrap();
                if matches!(last, '.' | '、' | ')') { m.end() } else { m.end() - last.len_utf8() }
            } else {
                m.end()
            };
            &f[end..]
        }
        None => f,
    }
}

/// What a cell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Empty (or only whitespace / `&nbsp;`): not reported. Parsed as `None`.
    Blank,
    /// A dash, slash or 无 (`—`, `-`, `/`, `无`): an explicit "nothing". Parsed as `0`.
    Dash,
    /// A number, possibly with a unit suffix (`0件`, `５`, `251000元`, `5949.088667`).
    Number,
    /// Anything else (free text): parsed as `None`, reported as a warning.
    Text,
}

/// A parsed cell value.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub kind: CellKind,
    pub value: Option<f64>,
    /// The unit suffix written in the cell (`件`, `元`, `万元`, …), if any.
    pub unit: Option<String>,
}

static NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([+-]?\d+(?:\.\d+)?)(万元|元|件|条|个|次|项|份|篇|家|起|宗|人次|例|人|%)?$").unwrap()
});
static THOUSANDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?").unwrap());

/// Parse one cell. Full-width digits, thousands separators and a unit suffix are accepted.
pub fn parse_value(raw: &str) -> Parsed {
    let mut s = fold(raw);
    if s.is_empty() {
        return Parsed { kind: CellKind::Blank, value: None, unit: None };
    }
    if matches!(s.as_str(), "-" | "--" | "/" | "\\" | "无" | "-件" | "/件") {
        return Parsed { kind: CellKind::Dash, value: Some(0.0), unit: None };
    }
    if THOUSANDS.is_match(&s) {
        s = s.replace(',', "");
    }
    match NUMBER.captures(&s) {
        Some(c) => match c[1].parse::<f64>() {
            Ok(v) => Parsed {
                kind: CellKind::Number,
                value: Some(v),
                unit: c.get(2).map(|m| m.as_str().to_string()),
            },
            Err(_) => Parsed { kind: CellKind::Text, value: None, unit: None },
        },
        None => Parsed { kind: CellKind::Text, value: None, unit: None },
    }
}

/// True when a cell could be a data value (number, dash or blank), as opposed to a label.
pub fn is_value_like(raw: &str) -> bool {
    parse_value(raw).kind != CellKind::Text
}

/// Collapse runs of identical consecutive strings (rowspan/colspan expansion repeats a merged
/// cell's text), dropping empty ones.
pub fn dedup_labels(cells: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in cells {
        let c = c.trim();
        if c.is_empty() {
            continue;
        }
        if out.last().map(String::as_str) != Some(c) {
            out.push(c.to_string());
        }
    }
    out
}

/// The text of a label for the `*_label` fields: whitespace runs collapsed to nothing between CJK
/// characters (`"商业\n企业"` → `"商业企业"`), trimmed.
pub fn clean_label(s: &str) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            let prev_ascii = out.chars().last().is_some_and(|p| p.is_ascii_alphanumeric());
            if prev_ascii && c.is_ascii_alphanumeric() {
                out.push(' ');
            }
            pending_space = false;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_key_strips_numbering_hints_and_width() {
        assert_eq!(label_key("（二）部分公开（区分处理的，只计这一情形，不计其他情形）"), "部分公开");
        assert_eq!(label_key("3.危及“三安全一稳定”"), "危及三安全一稳定");
        assert_eq!(label_key("规章(设区的市、自治州人民政府应提供相关数据)"), "规章");
        assert_eq!(label_key("一、本年新收政府信息公开申请数量"), "本年新收政府信息公开申请数量");
        assert_eq!(label_key("商业\n企业"), "商业企业");
        assert_eq!(label_key("本年收费金额（单位：万元）"), "本年收费金额");
        assert_eq!(label_key("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"), "");
        assert_eq!(label_key("8.属于行政查询事项"), "属于行政查询事项");
        assert_eq!(label_key("１．属于国家秘密"), "属于国家秘密");
        assert_eq!(label_key("2019年"), "2019年");
    }

    #[test]
    fn parse_value_forms() {
        let v = |s: &str| parse_value(s).value;
        assert_eq!(v("0件"), Some(0.0));
        assert_eq!(v("１２３"), Some(123.0));
        assert_eq!(v(" 81 "), Some(81.0));
        assert_eq!(v("5949.088667"), Some(5949.088667));
        assert_eq!(v("251000元"), Some(251000.0));
        assert_eq!(parse_value("251000元").unit.as_deref(), Some("元"));
        assert_eq!(v("1,234"), Some(1234.0));
        assert_eq!(v("-3"), Some(-3.0));
        assert_eq!(v("+2"), Some(2.0));
        assert_eq!(v("１２．５"), Some(12.5));
        for dash in ["—", "-", "/", "——", "－", "／", "无"] {
            let p = parse_value(dash);
            assert_eq!((p.kind, p.value), (CellKind::Dash, Some(0.0)), "{dash}");
        }
        for blank in ["", " ", "\u{a0}", "\u{3000}"] {
            let p = parse_value(blank);
            assert_eq!((p.kind, p.value), (CellKind::Blank, None), "{blank:?}");
        }
        let t = parse_value("详见附件");
        assert_eq!((t.kind, t.value), (CellKind::Text, None));
    }

    #[test]
    fn dedup_and_clean() {
        let cells: Vec<String> = ["三、本年度办理结果", "（三）不予公开", "（三）不予公开", "", "1.属于国家秘密"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(dedup_labels(&cells), vec!["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"]);
        assert_eq!(clean_label(" 结果\n纠正 "), "结果纠正");
        assert_eq!(clean_label("H5 page"), "H5 page");
    }
}
