//! Printing results and errors, and exit codes: 0 ok, 1 user error (bad input, conflict,
//! not found), 2 usage, 3 internal or unavailable.

use std::io::IsTerminal;
use std::process::ExitCode;

use omnigraph_engine::{EngineError, OpStats};

use crate::args::Format;

/// A command failure: what to print and which exit code to use.
#[derive(Debug)]
pub enum CliError {
    Engine(EngineError),
    /// A user error already rendered for humans (e.g. diagnostics), with its JSON form.
    Rejected {
        human: String,
        json: serde_json::Value,
    },
    Usage(String),
    /// An error answered by an endpoint (remote mode) or the service.
    Api(omnigraph_api::ApiError),
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        CliError::Engine(e)
    }
}

impl From<omnigraph_manifest::ManifestError> for CliError {
    fn from(e: omnigraph_manifest::ManifestError) -> Self {
        CliError::Engine(e.into())
    }
}

/// The resolved output format.
pub fn resolve_format(requested: Option<Format>) -> Format {
    requested.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    })
}

/// Prints a JSON value in `format` (table falls back to pretty JSON for documents).
pub fn print_value(value: &serde_json::Value, format: Format) {
    let text = match format {
        Format::Json | Format::Table | Format::Csv => {
            serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
        }
        Format::Jsonl => value.to_string(),
    };
    print_line(&text);
}

/// Writes one line to stdout; a closed pipe (`omnigraph … | head`) is not an error.
pub fn print_line(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

pub fn print_stats(stats: &OpStats) {
    eprintln!("{}", stats.to_json());
}

/// Reports `err` on stderr and returns its exit code.
pub fn report(err: CliError, format: Format) -> ExitCode {
    match err {
        CliError::Usage(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        CliError::Rejected { human, json } => {
            if format == Format::Json {
                eprintln!("{json}");
            } else {
                eprintln!("{human}");
            }
            ExitCode::from(1)
        }
        CliError::Api(e) => {
            use omnigraph_api::ErrorCode;
            let code = match e.code {
                ErrorCode::TooManyRequests | ErrorCode::Unavailable | ErrorCode::Internal => 3,
                _ => 1,
            };
            if format == Format::Json {
                eprintln!("{}", e.to_json());
            } else {
                eprintln!("error: {}", e.message);
            }
            ExitCode::from(code)
        }
        CliError::Engine(e) => {
            let code = match &e {
                EngineError::BadRequest { .. }
                | EngineError::NotFound { .. }
                | EngineError::Conflict { .. } => 1,
                EngineError::Unavailable(_) | EngineError::Internal(_) => 3,
            };
            if format == Format::Json {
                eprintln!("{}", error_json(&e));
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(code)
        }
    }
}

/// The public error object for `err`.
pub fn error_json(err: &EngineError) -> serde_json::Value {
    let details = match err {
        EngineError::BadRequest { diagnostics, .. } if !diagnostics.is_empty() => {
            serde_json::json!({ "diagnostics": diagnostics })
        }
        EngineError::Conflict {
            manifest_conflict: Some(c),
            ..
        } => serde_json::json!({ "manifest_conflict": c }),
        _ => serde_json::json!({}),
    };
    serde_json::json!({"error": {"code": err.code(), "message": err.to_string(), "details": details}})
}
