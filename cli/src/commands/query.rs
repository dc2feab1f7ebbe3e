//! `query` output: a read query's answer as table, json, jsonl or csv (the same in both modes:
//! the answer is the API's `QueryResponse`).

use omnigraph_api::QueryResponse;

use crate::args::Format;
use crate::output::print_line;

fn cell_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Prints `result` in `format` (json is the interface's machine shape).
pub(crate) fn print(result: &QueryResponse, format: Format) {
    match format {
        Format::Json => {
            // Through a JSON value, so keys print in the order every other answer prints in.
            let doc = serde_json::to_value(result).unwrap_or_default();
            print_line(&serde_json::to_string_pretty(&doc).unwrap_or_else(|_| doc.to_string()));
        }
        Format::Jsonl => {
            for row in &result.rows {
                print_line(&serde_json::Value::Object(row.clone()).to_string());
            }
        }
        Format::Csv => {
            let header: Vec<String> = result.columns.iter().map(|c| csv_field(c)).collect();
            print_line(&header.join(","));
            for row in &result.rows {
                let cells: Vec<String> = result
                    .columns
                    .iter()
                    .map(|c| csv_field(&cell_text(row.get(c).unwrap_or(&serde_json::Value::Null))))
                    .collect();
                print_line(&cells.join(","));
            }
        }
        Format::Table => {
            let cells: Vec<Vec<String>> = result
                .rows
                .iter()
                .map(|row| {
                    result
                        .columns
                        .iter()
                        .map(|c| match row.get(c) {
                            None | Some(serde_json::Value::Null) => "null".to_string(),
                            Some(v) => cell_text(v),
                        })
                        .collect()
                })
                .collect();
            let widths: Vec<usize> = result
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    cells
                        .iter()
                        .map(|r| r[i].chars().count())
                        .chain([c.chars().count()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |items: &[String]| {
                items
                    .iter()
                    .zip(&widths)
                    .map(|(s, w)| format!("{s:<w$}"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            };
            print_line(&line(&result.columns));
            print_line(
                &widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("-+-"),
            );
            for row in &cells {
                print_line(&line(row));
            }
            print_line(&format!(
                "({} rows; {} v{} {})",
                result.rows.len(),
                result.snapshot.branch,
                result.snapshot.version,
                result.snapshot.commit
            ));
        }
    }
}
