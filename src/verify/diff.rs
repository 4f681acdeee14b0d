//! Field-by-field comparison of an expected and an actual output (both as JSON values), and a
//! readable rendering of the differences: a line-based unified diff (via `similar`) for long text,
//! one line per row/item for arrays (tables, attachments, list items, warnings), and
//! "expected … / got …" for scalars.

use serde_json::Value;
use similar::TextDiff;

/// One field that differs, with a ready-to-print explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    /// The field's name (`text`, `title`, `tables`, `encoding.label`, …).
    pub field: String,
    /// Human-readable difference (may span several lines).
    pub detail: String,
}

impl std::fmt::Display for FieldDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.detail.contains('\n') {
            write!(f, "{}:\n{}", self.field, self.detail.trim_end())
        } else {
            write!(f, "{}: {}", self.field, self.detail)
        }
    }
}

/// Lines of context around each change in text diffs.
const CONTEXT: usize = 2;

/// Compare `expected` with `actual`. Objects are compared key by key (recursively, keys named with
/// dots); a key present on one side only is a difference. Equal values give an empty list.
pub fn compare(expected: &Value, actual: &Value) -> Vec<FieldDiff> {
    let mut out = Vec::new();
    compare_at("", expected, actual, &mut out);
    out
}

fn compare_at(path: &str, expected: &Value, actual: &Value, out: &mut Vec<FieldDiff>) {
    if expected == actual {
        return;
    }
    let field = if path.is_empty() { "(root)".to_string() } else { path.to_string() };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let mut keys: Vec<&String> = e.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                match (e.get(k), a.get(k)) {
                    (Some(ev), Some(av)) => compare_at(&sub, ev, av, out),
                    (Some(ev), None) => out.push(FieldDiff {
                        field: sub,
                        detail: format!("missing from the output (expected {})", short(ev)),
                    }),
                    (None, Some(av)) => out.push(FieldDiff {
                        field: sub,
                        detail: format!("not in the expected file (got {})", short(av)),
                    }),
                    (None, None) => {}
                }
            }
        }
        (Value::String(e), Value::String(a)) if e.contains('\n') || a.contains('\n') => {
            out.push(FieldDiff { field, detail: text_diff(e, a) });
        }
        (Value::Array(e), Value::Array(a)) => {
            let detail = text_diff(&array_lines(e), &array_lines(a));
            out.push(FieldDiff {
                field,
                detail: format!("{} expected, {} got\n{detail}", plural(e.len()), plural(a.len())),
            });
        }
        _ => out.push(FieldDiff {
            field,
            detail: format!("expected {}, got {}", short(expected), short(actual)),
        }),
    }
}

fn plural(n: usize) -> String {
    if n == 1 { "1 entry".into() } else { format!("{n} entries") }
}

/// A compact one-line rendering of a value (strings quoted, long values cut).
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        let cut: String = s.chars().take(160).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// One line per array element. An element that is itself an array of arrays (a table) becomes one
/// line per row, `[i] cell | cell | …`, so a changed cell shows as a changed row.
fn array_lines(items: &[Value]) -> String {
    let mut s = String::new();
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::Array(rows) if rows.iter().all(Value::is_array) && !rows.is_empty() => {
                for (r, row) in rows.iter().enumerate() {
                    let cells: Vec<String> = row
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|c| c.as_str().map(str::to_string).unwrap_or_else(|| c.to_string()))
                        .collect();
                    s.push_str(&format!("[{i}] row {r}: {}\n", cells.join(" | ")));
                }
            }
            _ => s.push_str(&format!("[{i}] {item}\n")),
        }
    }
    s
}

/// A unified, line-based diff with context, `-` for expected and `+` for the actual output.
pub fn text_diff(expected: &str, actual: &str) -> String {
    let (mut e, mut a) = (expected.to_string(), actual.to_string());
    for s in [&mut e, &mut a] {
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
    }
    TextDiff::from_lines(&e, &a)
        .unified_diff()
        .context_radius(CONTEXT)
        .header("expected", "actual")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_have_no_diff() {
        let v = json!({"title": "t", "text": "a\nb", "tables": [[["x"]]]});
        assert!(compare(&v, &v.clone()).is_empty());
    }

    #[test]
    fn scalar_field_names_field_and_both_values() {
        let d = compare(&json!({"title": "甲", "report_year": 2018}), &json!({"title": "乙", "report_year": 2018}));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, "title");
        assert_eq!(d[0].detail, "expected \"甲\", got \"乙\"");
    }

    #[test]
    fn text_diff_shows_changed_line_with_context() {
        let e = "第一段\n\n第二段\n\n第三段\n\n第四段\n\n第五段";
        let a = "第一段\n\n第二段\n\n第三段改\n\n第四段\n\n第五段";
        let d = compare(&json!({"text": e}), &json!({"text": a}));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].field, "text");
        let detail = &d[0].detail;
        assert!(detail.contains("--- expected") && detail.contains("+++ actual"), "{detail}");
        assert!(detail.contains("\n-第三段\n") && detail.contains("\n+第三段改\n"), "{detail}");
        assert!(detail.contains(" 第二段"), "context line missing: {detail}");
        assert!(!detail.contains("第一段"), "context radius exceeded: {detail}");
    }

    #[test]
    fn table_diff_is_per_row() {
        let e = json!({"tables": [[["指标", "数"], ["收到申请数", "0"]]]});
        let a = json!({"tables": [[["指标", "数"], ["收到申请数", "3"]]]});
        let d = compare(&e, &a);
        assert_eq!(d[0].field, "tables");
        assert!(d[0].detail.contains("-[0] row 1: 收到申请数 | 0"), "{}", d[0].detail);
        assert!(d[0].detail.contains("+[0] row 1: 收到申请数 | 3"), "{}", d[0].detail);
        assert!(!d[0].detail.contains("-[0] row 0"), "{}", d[0].detail);
    }

    #[test]
    fn nested_and_one_sided_keys_are_named() {
        let e = json!({"encoding": {"label": "GBK", "source": "meta"}, "old": 1});
        let a = json!({"encoding": {"label": "UTF-8", "source": "meta"}, "new": 2});
        let d = compare(&e, &a);
        let fields: Vec<_> = d.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["encoding.label", "new", "old"]);
        assert!(d[1].detail.contains("not in the expected file"));
        assert!(d[2].detail.contains("missing from the output"));
    }

    #[test]
    fn attachment_list_diff_shows_added_item() {
        let e = json!({"attachments": []});
        let a = json!({"attachments": [{"url": "https://x.gov.cn/a.pdf", "name": "附件"}]});
        let d = compare(&e, &a);
        assert!(d[0].detail.starts_with("0 entries expected, 1 entry got"), "{}", d[0].detail);
        assert!(d[0].detail.contains("@@ -0,0 +1 @@"), "no phantom empty line: {}", d[0].detail);
        assert!(d[0].detail.contains("+[0] {\"name\":\"附件\",\"url\":\"https://x.gov.cn/a.pdf\"}"), "{}", d[0].detail);
    }
}
