//! Table 四 (行政复议、行政诉讼): one data row of 15 numbers in a fixed order —
//! 行政复议 (5), 行政诉讼 未经复议直接起诉 (5), 行政诉讼 复议后起诉 (5); each block
//! 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计. Read by position (the narrow headers are
//! often garbled), labels taken from the header when it lines up.

use super::text::{clean_label, dedup_labels, label_key, parse_value, CellKind};
use super::{CellRef, Fact, FactTable, Parsed, Row, Source};

/// The three proceedings (row keys) with default labels.
pub const ROWS: [(&str, &str); 3] = [
    ("review", "行政复议"),
    ("litigation.direct", "行政诉讼 / 未经复议直接起诉"),
    ("litigation.after_review", "行政诉讼 / 复议后起诉"),
];

/// The five outcomes (column keys) with default labels.
pub const COLUMNS: [(&str, &str); 5] = [
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
];

fn is_data_row(cells: &[String]) -> bool {
    cells.len() >= 15 && cells[cells.len() - 15..].iter().all(|c| parse_value(c).kind != CellKind::Text)
}

/// Parse table 四 (possibly joined from several tables).
pub(crate) fn parse(rows: &[Row<'_>]) -> Parsed {
    let mut out = Parsed::default();
    let data: Vec<&Row<'_>> = rows.iter().filter(|r| is_data_row(r.cells)).collect();
    let Some(row) = data.first() else {
        out.warnings.push("review_litigation: no row of 15 values found".into());
        return out;
    };
    if data.len() > 1 {
        out.warnings.push(format!(
            "review_litigation: {} rows of 15 values; only the first (table {} row {}) is read",
            data.len(),
            row.table,
            row.row
        ));
    }
    let header: Vec<&Row<'_>> = rows
        .iter()
        .take_while(|r| !(r.table == row.table && r.row == row.row))
        .filter(|r| r.cells.len() == row.cells.len())
        .collect();
    let offset = row.cells.len() - 15;
    check_header_order(&header, offset, &mut out);
    for i in 0..15 {
        let pos = offset + i;
        let (rk, rl) = ROWS[i / 5];
        let (ck, cl) = COLUMNS[i % 5];
        let labels = dedup_labels(&header.iter().filter_map(|r| r.cells.get(pos).cloned()).collect::<Vec<_>>());
        let (row_label, column_label) = if labels.len() >= 2 {
            let (outer, inner) = labels.split_at(labels.len() - 1);
            (outer.iter().map(|l| clean_label(l)).collect::<Vec<_>>().join(" / "), clean_label(&inner[0]))
        } else {
            (rl.to_string(), cl.to_string())
        };
        let raw = row.cells[pos].trim().to_string();
        out.facts.push(Fact {
            table: FactTable::ReviewLitigation,
            row_key: rk.to_string(),
            row_label,
            column_key: ck.to_string(),
            column_label,
            value: parse_value(&raw).value,
            unit: None,
            raw,
            source: Source::Table,
            cell: Some(CellRef { table: row.table, row: row.row, col: pos }),
        });
    }
    out
}

/// Warn when the header's proceeding or outcome labels are not in template order.
fn check_header_order(header: &[&Row<'_>], offset: usize, out: &mut Parsed) {
    if header.is_empty() {
        out.warnings.push("review_litigation: no header above the data row; template order assumed".into());
        return;
    }
    for i in 0..15 {
        let keys: Vec<String> = header.iter().filter_map(|r| r.cells.get(offset + i)).map(|c| label_key(c)).collect();
        let outcome = COLUMNS[i % 5].1;
        let outcome_ok = keys.iter().any(|k| k == outcome || (outcome == "总计" && k == "合计"));
        let block_ok = match i / 5 {
            0 => keys.iter().any(|k| k.contains("行政复议")),
            1 => keys.iter().any(|k| k.contains("未经复议")),
            _ => keys.iter().any(|k| k.contains("复议后")),
        };
        if !(outcome_ok && block_ok) {
            out.warnings.push(format!(
                "review_litigation: header at column {} is {:?}, expected {} / {}; values read in template order",
                offset + i,
                keys,
                ROWS[i / 5].1,
                outcome
            ));
            return;
        }
    }
}
