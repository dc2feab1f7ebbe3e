//! The load progress bar: one line on stderr, redrawn at most ten times a second, showing
//! records, bytes (with the share of the input when its size is known) and the record rate.
//! Shown only when stderr is a terminal; silent otherwise.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use omnigraph_engine::{LoadProgress, ProgressFn};

const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// A progress callback drawing on stderr, or `None` when stderr is not a terminal.
pub(crate) fn load_bar(total_bytes: Option<u64>) -> Option<ProgressFn> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let started = omnigraph_manifest::clock::monotonic_now();
    let last: Mutex<Option<Instant>> = Mutex::new(None);
    Some(Arc::new(move |p: &LoadProgress| {
        let Ok(mut last) = last.lock() else { return };
        let now = omnigraph_manifest::clock::monotonic_now();
        if !p.done && last.is_some_and(|t| now.duration_since(t) < REDRAW_EVERY) {
            return;
        }
        *last = Some(now);
        let line = render(p, total_bytes, now.duration_since(started));
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        if p.done {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }))
}

/// `loading  12,345 records  3.4 MB / 10.0 MB (34%)  8,123 records/s`.
fn render(p: &LoadProgress, total_bytes: Option<u64>, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let rate = (p.records as f64 / secs).round() as u64;
    let bytes = match total_bytes.filter(|t| *t > 0) {
        Some(total) => format!(
            "{} / {} ({}%)",
            size(p.bytes),
            size(total),
            (p.bytes.min(total) * 100) / total
        ),
        None => size(p.bytes),
    };
    let verb = if p.done { "read" } else { "loading" };
    format!(
        "{verb}  {} records  {bytes}  {} records/s",
        grouped(p.records),
        grouped(rate)
    )
}

fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

/// `1234567` → `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_share_and_rate() {
        let p = LoadProgress {
            lines: 1500,
            records: 1234567,
            bytes: 3_400_000,
            done: false,
        };
        assert_eq!(
            render(&p, Some(10_000_000), Duration::from_secs(2)),
            "loading  1,234,567 records  3.4 MB / 10.0 MB (34%)  617,284 records/s"
        );
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(size(512), "512 B");
    }
}
