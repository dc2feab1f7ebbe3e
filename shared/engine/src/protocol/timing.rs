//! The write protocol's clocks: how long a writer may run, how long it keeps retrying, when
//! its sidecar counts as a dead writer's, and how much clock skew recovery tolerates. GC's
//! guard is derived from the function timeout (`GcOptions::min_guard`).

use std::time::Duration;

/// The longest function timeout by default (the Lambda maximum, 15 minutes).
pub const DEFAULT_FUNCTION_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// How long a writer keeps retrying after losing the head to an overlapping writer.
pub(crate) const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(10);

/// A sidecar older than this belongs to a dead writer (function timeout plus a margin).
pub(crate) const DEFAULT_SIDECAR_DEADLINE: Duration =
    Duration::from_secs(DEFAULT_FUNCTION_TIMEOUT.as_secs() + 60);

/// Tolerated clock difference between writers, the object store and the recovering process.
pub(crate) const CLOCK_MARGIN_MS: u64 = 15 * 60 * 1000;
