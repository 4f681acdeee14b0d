//! Table 三 (收到和处理政府信息公开申请情况): 23 (2019) or 25 (2021) rows × 7 applicant columns.
//!
//! Values are read from the seven positions under the header when the row is as wide as the
//! header, else from the last seven cells (a continuation table may lack the outer label column).
//! Row labels are resolved from the innermost label, with the enclosing group (（三）不予公开 …)
//! taken from the row's own label cells or, failing that, from the rows above.

use super::text::{clean_label, dedup_labels, label_key, parse_value, CellKind};
use super::{CellRef, Fact, FactTable, Layout, Parsed, Row, Source};

/// The seven data columns, in template order: (key, default label).
pub const COLUMNS: [(&str, &str); 7] = [
    ("natural_person", "自然人"),
    ("legal.commercial", "法人或其他组织 / 商业企业"),
    ("legal.research", "法人或其他组织 / 科研机构"),
    ("legal.public_interest", "法人或其他组织 / 社会公益组织"),
    ("legal.legal_services", "法人或其他组织 / 法律服务机构"),
    ("legal.other", "法人或其他组织 / 其他"),
    ("total", "总计"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Withheld,
    Unable,
    NotProcessed,
    Other,
}

impl Group {
    fn key(self) -> &'static str {
        match self {
            Group::Withheld => "results.withheld",
            Group::Unable => "results.unable",
            Group::NotProcessed => "results.not_processed",
            Group::Other => "results.other",
        }
    }
}

fn group_of(k: &str) -> Option<Group> {
    if k.starts_with("不予公开") {
        Some(Group::Withheld)
    } else if k.starts_with("无法提供") {
        Some(Group::Unable)
    } else if k.starts_with("不予处理") {
        Some(Group::NotProcessed)
    } else if k.starts_with("其他处理") {
        Some(Group::Other)
    } else {
        None
    }
}

/// Sub-rows: (group, keyword contained in the label key, row key suffix).
const SUB_ROWS: [(Group, &str, &str); 19] = [
    (Group::Withheld, "国家秘密", "state_secret"),
    (Group::Withheld, "禁止公开", "prohibited_by_law"),
    (Group::Withheld, "三安全一稳定", "security_stability"),
    (Group::Withheld, "第三方合法权益", "third_party_rights"),
    (Group::Withheld, "内部事务", "internal_affairs"),
    (Group::Withheld, "过程性信息", "process_information"),
    (Group::Withheld, "行政执法案卷", "enforcement_files"),
    (Group::Withheld, "行政查询事项", "query_matters"),
    (Group::Unable, "不掌握", "not_held"),
    (Group::Unable, "另行制作", "needs_creation"),
    (Group::Unable, "仍不明确", "unclear_after_correction"),
    (Group::NotProcessed, "信访举报投诉", "petition_complaint"),
    (Group::NotProcessed, "重复申请", "repeated"),
    (Group::NotProcessed, "公开出版物", "publications"),
    (Group::NotProcessed, "大量反复申请", "excessive"),
    (Group::NotProcessed, "确认或重新出具", "confirm_or_reissue"),
    (Group::Other, "逾期不补正", "no_correction"),
    (Group::Other, "缴纳费用", "fee_unpaid"),
    (Group::Other, "其他", "other"),
];

/// True for a label key that only table 三 uses (to recognise the table).
pub fn is_requests_label(k: &str) -> bool {
    k.contains("本年新收")
        || k.contains("上年结转")
        || k.contains("本年度办理结果")
        || k.contains("结转下年度")
        || k == "申请人情况"
        || group_of(k).is_some()
        || SUB_ROWS.iter().any(|(_, kw, _)| *kw != "其他" && k.contains(kw))
}

/// Resolve a row from its label path (outer → inner label keys). Updates the current group.
fn resolve(path: &[String], current: &mut Option<Group>) -> Option<String> {
    let leaf = path.last()?;
    let own_group = path.iter().rev().find_map(|k| group_of(k));
    if own_group.is_some() {
        *current = own_group;
    }
    let top = |k: &str| -> Option<&'static str> {
        if k.contains("本年新收") {
            Some("new_requests")
        } else if k.contains("上年结转") {
            Some("carried_over")
        } else if k.contains("结转下年度") {
            Some("carried_forward")
        } else if k.starts_with("予以公开") {
            Some("results.disclosed")
        } else if k.starts_with("部分公开") {
            Some("results.partially_disclosed")
        } else if k == "总计" || k == "合计" || k.starts_with("总计") {
            Some("results.total")
        } else {
            None
        }
    };
    if let Some(key) = top(leaf) {
        *current = None;
        return Some(key.to_string());
    }
    if let Some(g) = group_of(leaf) {
        // A group row carrying numbers: the 2019 single （六）其他处理 row, or a subtotal.
        return Some(g.key().to_string());
    }
    // Distinctive keywords first, anywhere; then the ambiguous 其他 within its group.
    let hit = SUB_ROWS
        .iter()
        .find(|(_, kw, _)| *kw != "其他" && leaf.contains(kw))
        .or_else(|| {
            SUB_ROWS.iter().find(|(g, kw, _)| *kw == "其他" && leaf == kw && *current == Some(*g))
        })?;
    Some(format!("{}.{}", hit.0.key(), hit.2))
}

/// The header: the grid width and, per data column, (position, key, label).
struct Header {
    width: usize,
    columns: Vec<(usize, &'static str, String)>,
}

fn column_key(k: &str) -> Option<&'static str> {
    Some(match k {
        _ if k.starts_with("自然人") => "natural_person",
        _ if k.starts_with("商业企业") => "legal.commercial",
        _ if k.starts_with("科研机构") => "legal.research",
        _ if k.starts_with("社会公益组织") => "legal.public_interest",
        _ if k.starts_with("法律服务机构") => "legal.legal_services",
        "其他" | "其它" | "其他组织" => "legal.other",
        "总计" | "合计" => "total",
        _ => return None,
    })
}

/// Find the header rows (those with 自然人) and map positions to column keys, deepest label wins.
fn header(rows: &[Row<'_>]) -> Option<Header> {
    let first = rows.iter().position(|r| r.cells.iter().any(|c| label_key(c) == "自然人"))?;
    // Include the 申请人情况 row above, unless it is a data row of something else.
    let start = match first.checked_sub(1) {
        Some(prev) if !is_data_row(rows[prev].cells) => prev,
        _ => first,
    };
    let hdr: Vec<&Row<'_>> = rows[start..]
        .iter()
        .take_while(|r| !is_data_row(r.cells))
        .take(4)
        .collect();
    let width = hdr.iter().map(|r| r.cells.len()).max()?;
    let mut columns = Vec::new();
    for pos in 0..width {
        let labels: Vec<String> =
            dedup_labels(&hdr.iter().filter_map(|r| r.cells.get(pos).cloned()).collect::<Vec<_>>());
        if let Some(key) = labels.iter().rev().find_map(|l| column_key(&label_key(l))) {
            let text: Vec<String> = labels
                .iter()
                .filter(|l| label_key(l) != "申请人情况" && !label_key(l).is_empty())
                .map(|l| clean_label(l))
                .collect();
            columns.push((pos, key, text.join(" / ")));
        }
    }
    let keys: Vec<&str> = columns.iter().map(|c| c.1).collect();
    let expected: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    (keys == expected).then_some(Header { width, columns })
}

/// A row whose last seven cells are values and which has a label before them.
fn is_data_row(cells: &[String]) -> bool {
    cells.len() > 7
        && cells[cells.len() - 7..].iter().all(|c| parse_value(c).kind != CellKind::Text)
        && cells[..cells.len() - 7].iter().any(|c| !label_key(c).is_empty())
}

/// Parse table 三 (possibly joined from several tables).
pub(crate) fn parse(rows: &[Row<'_>]) -> Parsed {
    let mut out = Parsed::default();
    let hdr = header(rows);
    if hdr.is_none() {
        out.warnings.push("requests: header (自然人 … 总计) not found; columns read by position".into());
    }
    let mut current: Option<Group> = None;
    let mut other_rows = (false, false); // (single （六） row seen, （六） sub-rows seen)
    for row in rows {
        let cells = row.cells;
        if !is_data_row(cells) {
            continue;
        }
        let positions: Vec<usize> = match &hdr {
            Some(h) if cells.len() == h.width => h.columns.iter().map(|c| c.0).collect(),
            _ => (cells.len() - 7..cells.len()).collect(),
        };
        let label_end = positions[0];
        let labels = dedup_labels(&cells[..label_end]);
        let path: Vec<String> = labels.iter().map(|l| label_key(l)).filter(|k| !k.is_empty()).collect();
        let Some(row_key) = resolve(&path, &mut current) else {
            out.warnings.push(format!(
                "requests: unrecognised row {:?} (table {} row {})",
                labels.join(" / "),
                row.table,
                row.row
            ));
            continue;
        };
        if row_key == "results.other" {
            other_rows.0 = true;
        } else if row_key.starts_with("results.other.") {
            other_rows.1 = true;
        }
        let row_label = labels.iter().map(|l| clean_label(l)).collect::<Vec<_>>().join(" / ");
        for (i, &pos) in positions.iter().enumerate() {
            let raw = cells[pos].trim().to_string();
            let column_label = match &hdr {
                Some(h) => h.columns[i].2.clone(),
                None => COLUMNS[i].1.to_string(),
            };
            out.facts.push(Fact {
                table: FactTable::Requests,
                row_key: row_key.clone(),
                row_label: row_label.clone(),
                column_key: COLUMNS[i].0.to_string(),
                column_label,
                value: parse_value(&raw).value,
                unit: None,
                raw,
                source: Source::Table,
                cell: Some(CellRef { table: row.table, row: row.row, col: pos }),
            });
        }
    }
    out.layout = match other_rows {
        (_, true) => Some(Layout::Y2021),
        (true, false) => Some(Layout::Y2019),
        _ => None,
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|l| label_key(l)).collect()
    }

    #[test]
    fn resolves_every_2021_row_label() {
        let mut g = None;
        let cases: &[(&[&str], &str)] = &[
            (&["一、本年新收政府信息公开申请数量"], "new_requests"),
            (&["二、上年结转政府信息公开申请数量"], "carried_over"),
            (&["三、本年度办理结果", "（一）予以公开"], "results.disclosed"),
            (&["三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"], "results.partially_disclosed"),
            (&["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"], "results.withheld.state_secret"),
            (&["三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"], "results.withheld.security_stability"),
            (&["（四）无法提供", "3.补正后申请内容仍不明确"], "results.unable.unclear_after_correction"),
            (&["（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"], "results.not_processed.confirm_or_reissue"),
            (&["（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"], "results.other.no_correction"),
            (&["（六）其他处理", "3.其他"], "results.other.other"),
            (&["三、本年度办理结果", "（七）总计"], "results.total"),
            (&["四、结转下年度继续办理"], "carried_forward"),
        ];
        for (labels, key) in cases {
            assert_eq!(resolve(&path(labels), &mut g).as_deref(), Some(*key), "{labels:?}");
        }
    }

    #[test]
    fn bare_sub_row_uses_group_from_rows_above() {
        let mut g = None;
        assert_eq!(resolve(&path(&["（六）其他处理", "1.申请人无正当理由逾期不补正"]), &mut g).as_deref(), Some("results.other.no_correction"));
        // A continuation table lost the group cell: "3.其他" still resolves inside （六）.
        assert_eq!(resolve(&path(&["3.其他"]), &mut g).as_deref(), Some("results.other.other"));
        // Outside any group, a bare 其他 is not guessed.
        let mut none = None;
        assert_eq!(resolve(&path(&["3.其他"]), &mut none), None);
    }

    #[test]
    fn single_other_row_of_2019() {
        let mut g = None;
        assert_eq!(resolve(&path(&["三、本年度办理结果", "（六）其他处理"]), &mut g).as_deref(), Some("results.other"));
    }
}
