//! The arithmetic identities the template implies. Blank cells count as 0 in sums; an identity is
//! checked only when the stated figure and at least one of its parts were reported.
//!
//! * `requests.row_total`: per row, 自然人 + the five 法人或其他组织 columns = 总计.
//! * `requests.results_total`: per column, 三（一）+（二）+ every sub-row of （三）…（六） = 三（七）总计.
//! * `requests.group_total`: a group subtotal row, when a report prints one, = the sum of its sub-rows.
//! * `requests.balance`: per column, 一 + 二 − 三（七） = 四 (the header's 勾稽关系).
//! * `review_litigation.total`: per proceeding, 维持 + 纠正 + 其他 + 尚未审结 = 总计.

use std::collections::BTreeMap;

use super::{requests, review, CheckFailure, FactSet, FactTable};

type Cells = BTreeMap<(String, String), Option<f64>>;

/// Run every check on `set`, filling `set.checks` and `set.checks_passed`.
pub(crate) fn run(set: &mut FactSet) {
    let mut req: Cells = BTreeMap::new();
    let mut rev: Cells = BTreeMap::new();
    for f in &set.facts {
        let key = (f.row_key.clone(), f.column_key.clone());
        match f.table {
            FactTable::Requests => req.insert(key, f.value),
            FactTable::ReviewLitigation => rev.insert(key, f.value),
            _ => None,
        };
    }
    let mut ctx = Ctx { failures: Vec::new(), passed: 0 };
    requests_checks(&req, &mut ctx);
    review_checks(&rev, &mut ctx);
    set.checks = ctx.failures;
    set.checks_passed = ctx.passed;
}

struct Ctx {
    failures: Vec<CheckFailure>,
    passed: usize,
}

impl Ctx {
    /// Compare `stated` with the sum of `parts`; skipped when nothing was reported.
    #[allow(clippy::too_many_arguments)]
    fn check(
        &mut self,
        check: &str,
        table: FactTable,
        row_key: &str,
        column_key: &str,
        formula: &str,
        parts: &[Option<f64>],
        subtract: &[Option<f64>],
        stated: Option<Option<f64>>,
    ) {
        let Some(stated) = stated else { return };
        if stated.is_none() && parts.iter().chain(subtract).all(Option::is_none) {
            return;
        }
        let expected: f64 = parts.iter().map(|p| p.unwrap_or(0.0)).sum::<f64>()
            - subtract.iter().map(|p| p.unwrap_or(0.0)).sum::<f64>();
        let actual = stated.unwrap_or(0.0);
        if (expected - actual).abs() <= 1e-6 * actual.abs().max(1.0) {
            self.passed += 1;
        } else {
            self.failures.push(CheckFailure {
                check: check.to_string(),
                table,
                row_key: row_key.to_string(),
                column_key: column_key.to_string(),
                formula: formula.to_string(),
                expected,
                actual,
            });
        }
    }
}

fn get(cells: &Cells, row: &str, col: &str) -> Option<Option<f64>> {
    cells.get(&(row.to_string(), col.to_string())).copied()
}

fn rows_of(cells: &Cells) -> Vec<String> {
    let mut rows: Vec<String> = cells.keys().map(|k| k.0.clone()).collect();
    rows.dedup();
    rows
}

const GROUPS: [&str; 4] = ["results.withheld", "results.unable", "results.not_processed", "results.other"];

fn requests_checks(cells: &Cells, ctx: &mut Ctx) {
    if cells.is_empty() {
        return;
    }
    let cols: Vec<&str> = requests::COLUMNS.iter().map(|c| c.0).collect();
    let row_formula = format!("{} = total", cols[..6].join(" + "));
    for row in rows_of(cells) {
        let parts: Vec<Option<f64>> = cols[..6].iter().filter_map(|c| get(cells, &row, c)).collect();
        ctx.check("requests.row_total", FactTable::Requests, &row, "total", &row_formula, &parts, &[], get(cells, &row, "total"));
    }
    let rows = rows_of(cells);
    // Leaf rows of 三: sub-rows where present, else the group's own row.
    let mut leaves: Vec<String> = vec!["results.disclosed".into(), "results.partially_disclosed".into()];
    for g in GROUPS {
        let prefix = format!("{g}.");
        let subs: Vec<String> = rows.iter().filter(|r| r.starts_with(&prefix)).cloned().collect();
        if subs.is_empty() {
            leaves.push(g.to_string());
        } else {
            if rows.iter().any(|r| r == g) {
                let formula = format!("sum({g}.*) = {g}");
                for c in &cols {
                    let parts: Vec<Option<f64>> = subs.iter().filter_map(|s| get(cells, s, c)).collect();
                    ctx.check("requests.group_total", FactTable::Requests, g, c, &formula, &parts, &[], get(cells, g, c));
                }
            }
            leaves.extend(subs);
        }
    }
    let formula = "results.disclosed + results.partially_disclosed + results.withheld.* + results.unable.* + results.not_processed.* + results.other(.*) = results.total";
    for c in &cols {
        let parts: Vec<Option<f64>> = leaves.iter().filter_map(|r| get(cells, r, c)).collect();
        if parts.is_empty() {
            continue;
        }
        ctx.check("requests.results_total", FactTable::Requests, "results.total", c, formula, &parts, &[], get(cells, "results.total", c));
    }
    let formula = "new_requests + carried_over - results.total = carried_forward";
    for c in &cols {
        let (Some(n), Some(o), Some(t)) =
            (get(cells, "new_requests", c), get(cells, "carried_over", c), get(cells, "results.total", c))
        else {
            continue;
        };
        ctx.check("requests.balance", FactTable::Requests, "carried_forward", c, formula, &[n, o], &[t], get(cells, "carried_forward", c));
    }
}

fn review_checks(cells: &Cells, ctx: &mut Ctx) {
    let outcomes: Vec<&str> = review::COLUMNS[..4].iter().map(|c| c.0).collect();
    let formula = format!("{} = total", outcomes.join(" + "));
    for (row, _) in review::ROWS {
        let parts: Vec<Option<f64>> = outcomes.iter().filter_map(|c| get(cells, row, c)).collect();
        ctx.check("review_litigation.total", FactTable::ReviewLitigation, row, "total", &formula, &parts, &[], get(cells, row, "total"));
    }
}
