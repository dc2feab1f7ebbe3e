//! Execution limits: result rows, traversal/join steps and wall-clock time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::EngineError;

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

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_rows: 10_000,
            max_expansion: 5_000_000,
            timeout: Duration::from_secs(30),
            max_hops: 32,
        }
    }
}

/// Step and time accounting for one execution.
#[derive(Debug)]
pub struct Budget {
    steps: AtomicU64,
    max_steps: u64,
    deadline: Instant,
    timeout: Duration,
}

impl Budget {
    pub fn new(limits: &QueryLimits, started: Instant) -> Self {
        Self {
            steps: AtomicU64::new(0),
            max_steps: limits.max_expansion,
            deadline: started + limits.timeout,
            timeout: limits.timeout,
        }
    }

    /// Counts `n` steps; fails once the step budget or the deadline is exceeded.
    pub fn tick(&self, n: u64) -> Result<(), EngineError> {
        let before = self.steps.fetch_add(n, Ordering::Relaxed);
        let after = before.saturating_add(n);
        if after > self.max_steps {
            return Err(EngineError::bad_request(format!(
                "query exceeded the expansion limit of {} steps; narrow the match or lower hop bounds",
                self.max_steps
            )));
        }
        if before / 4096 != after / 4096 {
            self.check_time()?;
        }
        Ok(())
    }

    pub fn check_time(&self) -> Result<(), EngineError> {
        if Instant::now() > self.deadline {
            return Err(EngineError::bad_request(format!(
                "query exceeded the time limit of {} s",
                self.timeout.as_secs_f64()
            )));
        }
        Ok(())
    }
}
