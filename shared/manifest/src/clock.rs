//! The one clock of the workspace: wall time, monotonic time and ids (ULIDs for commits,
//! operations, requests and writer markers). Everything else reads time through here —
//! `clippy.toml` disallows `SystemTime::now`, `Instant::now` and `Ulid::new` elsewhere — so
//! the places that depend on time are few and visible to the simulation and the tests.
#![allow(clippy::disallowed_methods)]

use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ulid::Ulid;

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The wall clock (for signatures and timestamps a protocol prescribes).
pub fn system_now() -> SystemTime {
    SystemTime::now()
}

/// The monotonic clock (for durations, deadlines and rates).
pub fn monotonic_now() -> Instant {
    Instant::now()
}

static LAST: Mutex<Option<Ulid>> = Mutex::new(None);

/// A new ULID, strictly greater than every ULID this process made before and than `after`
/// (so a commit always sorts after its parents, even across processes with skewed clocks).
pub fn next_ulid(after: Option<&str>) -> String {
    let floor = after.and_then(|s| Ulid::from_string(s).ok());
    let mut candidate = Ulid::from_parts(now_ms(), rand_bits());
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    for bound in [*last, floor].into_iter().flatten() {
        if candidate <= bound {
            candidate = bound.increment().unwrap_or(bound);
        }
    }
    *last = Some(candidate);
    candidate.to_string()
}

fn rand_bits() -> u128 {
    // ULID randomness: 80 bits from the process-seeded hasher and the clock.
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let hi = h.finish() as u128;
    h.write_u64(hi as u64);
    let lo = h.finish() as u128;
    ((hi << 64) | lo) & ((1u128 << 80) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulids_are_strictly_increasing_and_respect_a_floor() {
        let a = next_ulid(None);
        let b = next_ulid(None);
        assert!(b > a);
        let future = Ulid::from_parts(now_ms() + 3_600_000, 5).to_string();
        let c = next_ulid(Some(&future));
        assert!(c > future, "{c} must sort after {future}");
        assert_eq!(c.len(), 26);
    }
}
