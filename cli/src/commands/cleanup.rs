//! `omnigraph cleanup [--keep N] [--older-than 7d] [--confirm] [--now T] [--guard D]`: garbage
//! collection of one graph (see `Engine::gc`). Without `--confirm` it is a dry run: it prints
//! what would be deleted and deletes nothing.

use std::time::Duration;

use omnigraph_engine::{Engine, GcOptions};
use omnigraph_manifest::GraphId;

use crate::commands::recover::parse_instant;
use crate::output::CliError;

/// The parsed flags of `cleanup`.
pub(crate) struct CleanupArgs<'a> {
    pub keep: Option<usize>,
    pub older_than: Option<&'a str>,
    pub confirm: bool,
    pub now: Option<&'a str>,
    pub guard: Option<&'a str>,
    pub function_timeout: Option<&'a str>,
}

pub(crate) async fn run(
    engine: &Engine,
    graph: &GraphId,
    args: CleanupArgs<'_>,
) -> Result<serde_json::Value, CliError> {
    let now_ms = match args.now {
        Some(text) => parse_instant(text)?,
        None => omnigraph_engine::now_ms(),
    };
    let mut opts = GcOptions::new(now_ms);
    opts.keep_commits = args.keep;
    opts.keep_for = args
        .older_than
        .map(|t| parse_duration("--older-than", t))
        .transpose()?;
    opts.guard = args
        .guard
        .map(|t| parse_duration("--guard", t))
        .transpose()?;
    if let Some(t) = args.function_timeout {
        opts.function_timeout = parse_duration("--function-timeout", t)?;
    }
    opts.dry_run = !args.confirm;
    let report = engine.gc(graph, &opts).await?;
    serde_json::to_value(report).map_err(|e| CliError::Usage(e.to_string()))
}

/// `90s`, `30m`, `12h`, `7d`, `2w`, or a plain number of seconds.
pub(crate) fn parse_duration(flag: &str, text: &str) -> Result<Duration, CliError> {
    let text = text.trim();
    let bad = || {
        CliError::Usage(format!(
            "{flag} `{text}` is not a duration (a number with s, m, h, d or w, e.g. 7d)"
        ))
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(secs).map(Duration::from_secs).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn parses_durations() {
        assert_eq!(
            parse_duration("x", "7d").ok(),
            Some(Duration::from_secs(604_800))
        );
        assert_eq!(
            parse_duration("x", "90").ok(),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_duration("x", "30m").ok(),
            Some(Duration::from_secs(1800))
        );
        for bad in ["", "d", "7y", "-1d", "1.5h"] {
            assert!(parse_duration("x", bad).is_err(), "{bad}");
        }
    }
}
