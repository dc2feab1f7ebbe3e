//! Execution limits of one read query: result rows, traversal/join steps and wall-clock time,
//! each with a default and a stable error code when exceeded:
//!
//! | code | limit |
//! |---|---|
//! | `E-L001` | the result has more rows than `max_rows` |
//! | `E-L002` | the query took more than `max_expansion` traversal and join steps |
//! | `E-L003` | the query ran longer than `timeout` |
//!
//! All three are `bad_request` errors carrying one diagnostic (at the query's name) with the
//! code; nothing is returned and nothing changes. The step budget is what keeps a query from
//! running out of memory: every candidate row visited, edge followed and solution produced
//! counts one step, so materialised rows are bounded by it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use omnigraph_lang::diagnostic::Diagnostic;
use omnigraph_lang::span::Span;

use super::compile::diagnostics_error;
use crate::EngineError;

/// Code of a result with more rows than `max_rows`.
pub const E_ROW_LIMIT: &str = "E-L001";
/// Code of a query that exceeded its expansion (step) budget.
pub const E_EXPANSION_LIMIT: &str = "E-L002";
/// Code of a query that exceeded its wall-clock budget.
pub const E_TIME_LIMIT: &str = "E-L003";

/// Bounds on one query execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryLimits {
    /// Most rows a result may have (after `limit`).
    pub max_rows: usize,
    /// Most traversal and join steps (candidate rows visited, edges followed, rows produced).
    pub max_expansion: u64,
    /// Wall-clock budget of one execution.
    pub timeout: Duration,
    /// Largest allowed upper hop bound of a variable-length traversal (E-T015 above it).
    pub max_hops: u32,
}

impl QueryLimits {
    /// Default `max_rows`.
    pub const DEFAULT_MAX_ROWS: usize = 10_000;
    /// Default `max_expansion`.
    pub const DEFAULT_MAX_EXPANSION: u64 = 5_000_000;
    /// Default `timeout` in milliseconds.
    pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
    /// Default `max_hops`: the typechecker's bound (E-T015), defined once in the front end.
    pub const DEFAULT_MAX_HOPS: u32 = omnigraph_lang::query::typecheck::DEFAULT_MAX_HOPS;
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_rows: Self::DEFAULT_MAX_ROWS,
            max_expansion: Self::DEFAULT_MAX_EXPANSION,
            timeout: Duration::from_millis(Self::DEFAULT_TIMEOUT_MS),
            max_hops: Self::DEFAULT_MAX_HOPS,
        }
    }
}

/// Step and time accounting for one execution.
#[derive(Debug)]
pub(super) struct Budget {
    steps: AtomicU64,
    max_steps: u64,
    deadline: Instant,
    timeout: Duration,
    source: String,
    anchor: Span,
}

impl Budget {
    /// A budget starting at `started`; errors point at `anchor` (the query's name) of `source`.
    pub(super) fn new(limits: &QueryLimits, started: Instant, source: &str, anchor: Span) -> Self {
        Self {
            steps: AtomicU64::new(0),
            max_steps: limits.max_expansion,
            deadline: started.checked_add(limits.timeout).unwrap_or(started),
            timeout: limits.timeout,
            source: source.to_string(),
            anchor,
        }
    }

    fn error(&self, code: &'static str, message: String) -> EngineError {
        diagnostics_error(
            &self.source,
            &[Diagnostic::error(code, self.anchor, message)],
        )
    }

    /// Counts `n` steps; fails once the step budget or the deadline is exceeded.
    pub(super) fn tick(&self, n: u64) -> Result<(), EngineError> {
        let before = self.steps.fetch_add(n, Ordering::Relaxed);
        let after = before.saturating_add(n);
        if after > self.max_steps {
            return Err(self.error(
                E_EXPANSION_LIMIT,
                format!(
                    "query exceeded the expansion limit of {} steps; narrow the match, lower hop \
                     bounds or raise the limit",
                    self.max_steps
                ),
            ));
        }
        if before / 4096 != after / 4096 {
            self.check_time()?;
        }
        Ok(())
    }

    /// Fails once the deadline has passed.
    pub(super) fn check_time(&self) -> Result<(), EngineError> {
        if crate::clock::monotonic_now() > self.deadline {
            return Err(self.time_error());
        }
        Ok(())
    }

    /// The error of a query past its deadline.
    pub(super) fn time_error(&self) -> EngineError {
        self.error(
            E_TIME_LIMIT,
            format!(
                "query exceeded the time limit of {} ms",
                self.timeout.as_millis()
            ),
        )
    }

    /// Fails when a result of `rows` rows exceeds `max_rows`.
    pub(super) fn check_rows(&self, rows: usize, max_rows: usize) -> Result<(), EngineError> {
        if rows > max_rows {
            return Err(self.error(
                E_ROW_LIMIT,
                format!(
                    "the result has more than {max_rows} rows; add `limit`, narrow the match or \
                     raise the row limit"
                ),
            ));
        }
        Ok(())
    }
}
