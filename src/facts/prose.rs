//! Figures stated in prose, for reports without the template tables (2008–2018 reports, or
//! reports whose tables are only in an attachment). Only clear patterns are used; the first
//! numeric statement of each kind wins, else an explicit "none" statement (`未发生…行政复议`)
//! gives 0. Facts are `table = prose`, `column_key = "total"`, `source = Prose`, and `raw` is
//! the matched text (whitespace removed, full-width digits folded).

use std::sync::LazyLock;

use regex::Regex;

use super::text::fold;
use super::{Fact, FactTable, Source};

struct Pattern {
    key: &'static str,
    label: &'static str,
    number: Regex,
    none: Option<Regex>,
}

/// A gap inside one clause, without digits.
const GAP: &str = r"[^。;；!！?？\d]";

static PATTERNS: LazyLock<Vec<Pattern>> = LazyLock::new(|| {
    let re = |s: String| Regex::new(&s.replace("{GAP}", GAP)).expect("prose pattern");
    vec![
        Pattern {
            key: "active_disclosed",
            label: "主动公开政府信息",
            number: re(r"主动公开{GAP}{0,12}?信息{GAP}{0,6}?(\d+)条".into()),
            none: None,
        },
        Pattern {
            key: "requests_received",
            label: "受理政府信息公开申请",
            number: re(r"(?:受理|收到|接收|接到){GAP}{0,20}?申请{GAP}{0,8}?(\d+)(?:件|条|个|例|份)".into()),
            none: Some(re(r"(?:未|没有)(?:受理|收到|接到|接收)过?{GAP}{0,12}?申请".into())),
        },
        Pattern {
            key: "requests_answered",
            label: "办结/答复政府信息公开申请",
            number: re(r"(?:办结|答复){GAP}{0,12}?申请{GAP}{0,6}?(\d+)(?:件|条|个|例|份)".into()),
            none: None,
        },
        Pattern {
            key: "review_cases",
            label: "行政复议",
            number: re(r"行政复议{GAP}{0,6}?(\d+)(?:件|起|宗|次|例)".into()),
            none: Some(re(r"(?:未|没有|无)(?:发生|收到|出现|受理)?{GAP}{0,20}?行政复议".into())),
        },
        Pattern {
            key: "litigation_cases",
            label: "行政诉讼",
            number: re(r"行政诉讼{GAP}{0,6}?(\d+)(?:件|起|宗|次|例)".into()),
            none: Some(re(r"(?:未|没有|无)(?:发生|收到|出现)?{GAP}{0,30}?行政诉讼".into())),
        },
        Pattern {
            key: "fees_collected",
            label: "收取信息公开费用",
            number: re(r"收取{GAP}{0,10}?费{GAP}{0,4}?(\d+(?:\.\d+)?)(万元|元)".into()),
            none: Some(re(r"(?:未|没有|无)(?:收取|收费)|均未收".into())),
        },
    ]
});

/// Extract prose-derived facts from a report's clean text.
pub(crate) fn extract(text: &str) -> Vec<Fact> {
    // Full-width digits and punctuation folded, whitespace removed, thousands separators dropped.
    let folded = THOUSANDS.replace_all(&fold(text), "$1$2").into_owned();
    let mut facts = Vec::new();
    for p in PATTERNS.iter() {
        let (value, unit, raw) = if let Some(c) = p.number.captures(&folded) {
            let v = c[1].parse::<f64>().ok();
            (v, c.get(2).map(|m| m.as_str().to_string()), c[0].to_string())
        } else if let Some(m) = p.none.as_ref().and_then(|n| n.find(&folded)) {
            (Some(0.0), None, m.as_str().to_string())
        } else {
            continue;
        };
        facts.push(Fact {
            table: FactTable::Prose,
            row_key: p.key.to_string(),
            row_label: p.label.to_string(),
            column_key: "total".to_string(),
            column_label: String::new(),
            value,
            unit,
            raw,
            source: Source::Prose,
            cell: None,
        });
    }
    facts
}

static THOUSANDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d),(\d{3})").unwrap());

#[cfg(test)]
mod tests {
    use super::*;

    fn value(facts: &[Fact], key: &str) -> Option<f64> {
        facts.iter().find(|f| f.row_key == key).and_then(|f| f.value)
    }

    #[test]
    fn seed_000_statements() {
        // From seeds/000 (2018 report): positive count, and "none" statements.
        let t = "一年来,地区行政服务中心主动公开政府信息12111条,其中通过大兴安岭政府网站…\n\
                 (二)依申请公开情况。2018年度,地区行政服务中心没有受理过依申请公开事项。\n\
                 2018年度,地区行政服务中心未发生因政府信息公开申请行政复议、提起行政诉讼的情况。\n\
                 (五)政府信息公开相关费用情况。2018年度,地区行政服务中心政府信息公开均未收费。";
        let f = extract(t);
        assert_eq!(value(&f, "active_disclosed"), Some(12111.0));
        assert_eq!(value(&f, "requests_received"), Some(0.0));
        assert_eq!(value(&f, "review_cases"), Some(0.0));
        assert_eq!(value(&f, "litigation_cases"), Some(0.0));
        assert_eq!(value(&f, "fees_collected"), Some(0.0));
        assert!(f.iter().all(|x| x.source == Source::Prose && x.table == FactTable::Prose));
    }

    #[test]
    fn numbers_full_width_and_thousands() {
        let t = "全年共主动公开各类信息１，２４３条，其中网站公开931条。全年共受理政府信息公开申请０件。\
                 办结依申请公开81件。因政府信息公开引起的行政复议案件2件、行政诉讼案件7件。收取信息处理费1.5万元。";
        let f = extract(t);
        assert_eq!(value(&f, "active_disclosed"), Some(1243.0));
        assert_eq!(value(&f, "requests_received"), Some(0.0));
        assert_eq!(value(&f, "requests_answered"), Some(81.0));
        assert_eq!(value(&f, "review_cases"), Some(2.0));
        assert_eq!(value(&f, "litigation_cases"), Some(7.0));
        let fee = f.iter().find(|x| x.row_key == "fees_collected").unwrap();
        assert_eq!((fee.value, fee.unit.as_deref()), (Some(1.5), Some("万元")));
    }

    #[test]
    fn unrelated_counts_are_not_taken() {
        // seeds/000 and seeds/004: counts of hotline calls and work orders are not requests.
        let t = "全年累计受理群众来电8140件，平均办结率90.1%。我区共受理市热线办下派工单4697件。\
                 避免因回复不当而引起不必要的行政复议和行政诉讼。网上审批平台共办结事项930件。";
        assert!(extract(t).is_empty(), "{:?}", extract(t));
    }
}
