//! `query`: run a read query and print it as table, json, jsonl or csv.

use omnigraph_engine::{Engine, QueryLimits, QueryResult, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId};

use crate::args::Format;
use crate::output::{print_line, CliError};

/// The read target from `--branch` / `--commit` / `--version`.
pub fn target(
    branch: Option<&str>,
    commit: Option<&str>,
    version: Option<u64>,
) -> Result<ReadTarget, CliError> {
    let branch = BranchName::new(branch.unwrap_or("main"))?;
    Ok(match (commit, version) {
        (Some(id), _) => ReadTarget::Commit(id.to_string()),
        (None, Some(v)) => ReadTarget::Version { branch, version: v },
        (None, None) => ReadTarget::Branch(branch),
    })
}

pub async fn run(
    engine: &Engine,
    graph: &GraphId,
    target: &ReadTarget,
    source: &str,
    name: Option<&str>,
    params: Option<&str>,
    limits: &QueryLimits,
) -> Result<QueryResult, CliError> {
    let params: Option<serde_json::Value> = match params {
        Some(text) => Some(
            serde_json::from_str(text)
                .map_err(|e| CliError::Usage(format!("--params is not JSON: {e}")))?,
        ),
        None => None,
    };
    Ok(engine
        .query(graph, target, source, name, params.as_ref(), limits)
        .await?)
}

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
pub fn print(result: &QueryResult, format: Format) {
    match format {
        Format::Json => {
            let doc = serde_json::json!({
                "columns": result.columns,
                "rows": result.rows,
                "row_count": result.rows.len(),
                "snapshot": result.snapshot,
            });
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
