//! Printing results and errors, and the exit codes. Every failure is reported as the API's
//! error object (`omnigraph_api::ApiError`, the one mapping from engine errors to public codes)
//! and its exit code follows the public code ([`exit_code`]; the table is in
//! docs/operations.md, "CLI exit codes").

use std::io::IsTerminal;
use std::process::ExitCode;

use omnigraph_api::{ApiError, ErrorCode};
use omnigraph_engine::{EngineError, OpStats};

use crate::args::Format;

/// Exit code of a usage error (bad arguments, unreadable input files).
pub(crate) const EXIT_USAGE: u8 = 2;

/// A command failure: what to print and which exit code to use.
#[derive(Debug)]
pub(crate) enum CliError {
    /// An error with a public code: the engine's, an endpoint's (remote mode) or the service's.
    Api(ApiError),
    /// An error whose human form is already rendered (diagnostics over the source text).
    Rejected {
        human: String,
        error: Box<ApiError>,
    },
    Usage(String),
}

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        CliError::Api(e)
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        CliError::Api(e.into())
    }
}

impl From<omnigraph_manifest::ManifestError> for CliError {
    fn from(e: omnigraph_manifest::ManifestError) -> Self {
        CliError::Api(e.into())
    }
}

/// The exit code of a failure with public code `code`: 1 for what the caller can fix, 3 for
/// what may pass or is a bug.
pub(crate) fn exit_code(code: ErrorCode) -> u8 {
    match code {
        ErrorCode::BadRequest
        | ErrorCode::Unauthorized
        | ErrorCode::Forbidden
        | ErrorCode::NotFound
        | ErrorCode::Conflict
        | ErrorCode::PayloadTooLarge => 1,
        ErrorCode::TooManyRequests | ErrorCode::Unavailable | ErrorCode::Internal => 3,
    }
}

/// The resolved output format.
pub(crate) fn resolve_format(requested: Option<Format>) -> Format {
    requested.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    })
}

/// Prints a JSON value in `format` (table falls back to pretty JSON for documents).
pub(crate) fn print_value(value: &serde_json::Value, format: Format) {
    let text = match format {
        Format::Json | Format::Table | Format::Csv => {
            serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
        }
        Format::Jsonl => value.to_string(),
    };
    print_line(&text);
}

/// Writes one line to stdout; a closed pipe (`omnigraph … | head`) is not an error.
pub(crate) fn print_line(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

pub(crate) fn print_stats(stats: &OpStats) {
    eprintln!("{}", stats.to_json());
}

/// Reports `err` on stderr (the error object with `--format json`, else a sentence) and
/// returns its exit code.
pub(crate) fn report(err: CliError, format: Format) -> ExitCode {
    let (error, human) = match err {
        CliError::Usage(msg) => {
            eprintln!("error: {msg}");
            return ExitCode::from(EXIT_USAGE);
        }
        CliError::Rejected { human, error } => (*error, human),
        CliError::Api(error) => {
            let human = format!("error: {}", error.message);
            (error, human)
        }
    };
    if format == Format::Json {
        eprintln!("{}", error.to_json());
    } else {
        eprintln!("{human}");
    }
    ExitCode::from(exit_code(error.code))
}
