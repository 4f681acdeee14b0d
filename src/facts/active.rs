//! Table 二 (主动公开政府信息情况): blocks of `第二十条第（N）项` / `信息内容 | column…` /
//! data rows, in the 2021 format (本年制发件数 …) or the 2019 试行 format (本年新制作数量 …).
//!
//! Columns are mapped per block from its `信息内容` header row: each run of identical header
//! cells (a `colspan`) is one column, and a data row's value is read from that run.

use super::text::{clean_label, fold, label_key, parse_value, CellKind};
use super::{CellRef, Fact, FactTable, Layout, Parsed, Row, Source};

/// Row key of a table 二 row label key (hints already stripped).
pub fn row_key(k: &str) -> Option<&'static str> {
    const ROWS: [(&str, &str); 9] = [
        ("规章", "rules"),
        ("行政规范性文件", "normative_documents"),
        ("规范性文件", "normative_documents"),
        ("行政许可", "licensing"),
        ("其他对外管理服务事项", "other_services"),
        ("行政处罚", "punishment"),
        ("行政强制", "enforcement"),
        ("行政事业性收费", "fees"),
        ("政府集中采购", "procurement"),
    ];
    ROWS.iter().find(|(label, _)| k.starts_with(label)).map(|(_, key)| *key)
}

/// Column key of a header label key, and the layout it implies (if any).
fn column_key(k: &str) -> Option<(&'static str, Option<Layout>)> {
    const COLS: [(&str, &str, Option<Layout>); 12] = [
        ("制发件数", "issued", Some(Layout::Y2021)),
        ("废止件数", "repealed", Some(Layout::Y2021)),
        ("现行有效", "in_force", Some(Layout::Y2021)),
        ("处理决定", "decisions", None),
        ("收费金额", "amount", Some(Layout::Y2021)),
        ("新制作", "made", Some(Layout::Y2019)),
        ("新公开", "published", Some(Layout::Y2019)),
        ("对外公开总", "total_published", Some(Layout::Y2019)),
        ("上一年项目", "prior_year_items", Some(Layout::Y2019)),
        ("增/减", "change", Some(Layout::Y2019)),
        ("采购项目数", "items", Some(Layout::Y2019)),
        ("采购总金额", "amount", Some(Layout::Y2019)),
    ];
    let k = k.replace(['／', '、'], "/");
    let k = if k.contains("增减") { k.replace("增减", "增/减") } else { k };
    COLS.iter().find(|(kw, _, _)| k.contains(kw)).map(|(_, key, l)| (*key, *l))
}

/// The unit a header announces (`（单位：万元）`, `(万元)`).
fn header_unit(label: &str) -> Option<&'static str> {
    let f = fold(label);
    if f.contains("万元") {
        Some("万元")
    } else if f.contains("(元)") || f.contains(":元") {
        Some("元")
    } else {
        None
    }
}

struct Column {
    start: usize,
    end: usize,
    key: &'static str,
    label: String,
    unit: Option<&'static str>,
}

/// Default columns for a data row met before any header (a continuation table), 2021 format.
fn default_columns(row_key: &str, width: usize) -> Vec<Column> {
    let keys: &[(&str, &str)] = match row_key {
        "rules" | "normative_documents" => &[("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")],
        "fees" => &[("amount", "本年收费金额（单位：万元）")],
        _ => &[("decisions", "本年处理决定数量")],
    };
    if keys.len() == 1 {
        let unit = (row_key == "fees").then_some("万元");
        return vec![Column { start: 1, end: width, key: keys[0].0, label: keys[0].1.into(), unit }];
    }
    keys.iter()
        .enumerate()
        .map(|(i, (k, l))| Column { start: i + 1, end: i + 2, key: k, label: (*l).into(), unit: None })
        .collect()
}

/// Parse table 二 (possibly joined from several tables).
pub(crate) fn parse(rows: &[Row<'_>]) -> Parsed {
    let mut out = Parsed::default();
    let mut columns: Option<Vec<Column>> = None;
    let mut section = String::new();
    for row in rows {
        let cells = row.cells;
        let Some(first) = cells.first() else { continue };
        let first_key = label_key(first);
        let folded = fold(first);
        if folded.contains("第二十条") {
            section = clean_label(first);
            columns = None;
            continue;
        }
        if first_key.starts_with("信息内容") {
            columns = Some(header_columns(cells, &mut out));
            continue;
        }
        let Some(rk) = row_key(&first_key) else {
            if cells.iter().skip(1).any(|c| parse_value(c).kind == CellKind::Number) {
                out.warnings.push(format!(
                    "active: unrecognised row {:?} (table {} row {})",
                    clean_label(first),
                    row.table,
                    row.row
                ));
            }
            continue;
        };
        let defaults;
        let cols: &[Column] = match &columns {
            Some(c) => c,
            None => {
                out.warnings.push(format!("active: row {:?} has no 信息内容 header above it; 2021 columns assumed", clean_label(first)));
                defaults = default_columns(rk, cells.len());
                &defaults
            }
        };
        let row_label = if section.is_empty() {
            clean_label(first)
        } else {
            format!("{} / {}", section, clean_label(first))
        };
        for col in cols {
            if col.start >= cells.len() {
                continue;
            }
            let end = col.end.min(cells.len());
            let span: Vec<&str> = cells[col.start..end].iter().map(|c| c.trim()).collect();
            let mut distinct: Vec<&str> = span.iter().copied().filter(|c| !c.is_empty()).collect();
            distinct.dedup();
            if distinct.len() > 1 {
                out.warnings.push(format!(
                    "active: {rk}.{}: several values {:?} under one header; the first is kept",
                    col.key, distinct
                ));
            }
            let raw = distinct.first().copied().unwrap_or("").to_string();
            let p = parse_value(&raw);
            if p.kind == CellKind::Text {
                out.warnings.push(format!("active: {rk}.{}: not a number: {raw:?}", col.key));
            }
            let (value, unit) = convert_unit(p.value, p.unit.as_deref(), col.unit);
            out.facts.push(Fact {
                table: FactTable::Active,
                row_key: rk.to_string(),
                row_label: row_label.clone(),
                column_key: col.key.to_string(),
                column_label: col.label.clone(),
                value,
                unit,
                raw,
                source: Source::Table,
                cell: Some(CellRef { table: row.table, row: row.row, col: col.start }),
            });
        }
    }
    out
}

/// Express a cell in its column's unit: `251000元` under a `万元` header is 25.1 万元.
fn convert_unit(value: Option<f64>, cell_unit: Option<&str>, col_unit: Option<&'static str>) -> (Option<f64>, Option<String>) {
    match (cell_unit, col_unit) {
        (Some("元"), Some("万元")) => (value.map(|v| v / 10_000.0), Some("万元".into())),
        (Some("万元"), Some("元")) => (value.map(|v| v * 10_000.0), Some("元".into())),
        (_, Some(u)) => (value, Some(u.into())),
        (Some(u @ ("元" | "万元")), None) => (value, Some(u.into())),
        _ => (value, None),
    }
}

fn header_columns(cells: &[String], out: &mut Parsed) -> Vec<Column> {
    let mut cols = Vec::new();
    let mut i = 1;
    while i < cells.len() {
        let mut j = i + 1;
        while j < cells.len() && cells[j].trim() == cells[i].trim() {
            j += 1;
        }
        let text = cells[i].trim();
        match column_key(&label_key(text)) {
            Some((key, layout)) => {
                if layout.is_some() && out.layout.is_none() {
                    out.layout = layout;
                }
                cols.push(Column { start: i, end: j, key, label: clean_label(text), unit: header_unit(text) });
            }
            None if text.is_empty() => {}
            None => out.warnings.push(format!("active: unrecognised column {:?}", clean_label(text))),
        }
        i = j;
    }
    cols
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_and_column_keys() {
        assert_eq!(row_key(&label_key("规章(设区的市、自治州人民政府应提供相关数据)")), Some("rules"));
        assert_eq!(row_key(&label_key("规范性文件")), Some("normative_documents"));
        assert_eq!(row_key(&label_key("行政事业性收费")), Some("fees"));
        assert_eq!(row_key(&label_key("信息内容")), None);
        assert_eq!(column_key(&label_key("本年收费金额（单位：万元）")).map(|c| c.0), Some("amount"));
        assert_eq!(column_key(&label_key("本年增／减")).map(|c| c.0), Some("change"));
        assert_eq!(column_key(&label_key("上一年项目数量(指2019年事项数)")), Some(("prior_year_items", Some(Layout::Y2019))));
        assert_eq!(header_unit("本年收费金额（单位：万元）"), Some("万元"));
    }

    #[test]
    fn yuan_in_a_wan_yuan_column_is_converted() {
        assert_eq!(convert_unit(Some(251000.0), Some("元"), Some("万元")), (Some(25.1), Some("万元".into())));
        assert_eq!(convert_unit(Some(3.5), None, Some("万元")), (Some(3.5), Some("万元".into())));
        assert_eq!(convert_unit(Some(3.0), Some("件"), None), (Some(3.0), None));
    }
}
