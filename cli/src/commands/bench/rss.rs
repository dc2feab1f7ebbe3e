//! Peak resident memory of this process (Linux `VmHWM` in `/proc/self/status`), and the
//! one-line report a child `omnigraph` prints on exit when `OMNIGRAPH_REPORT_PEAK_RSS` is set,
//! so `bench run` can attribute peaks to each fresh process it spawns.

/// Environment variable that makes `omnigraph` print its peak RSS on stderr at exit.
pub(crate) const REPORT_ENV: &str = "OMNIGRAPH_REPORT_PEAK_RSS";

/// Prefix of the stderr line carrying the peak RSS in bytes.
pub(crate) const REPORT_PREFIX: &str = "omnigraph-peak-rss-bytes: ";

/// The peak resident set size of this process in bytes (`None` where `/proc` is missing).
pub(crate) fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// Prints the report line if the environment asks for it.
pub(crate) fn report_if_asked() {
    if std::env::var_os(REPORT_ENV).is_some() {
        if let Some(bytes) = peak_rss_bytes() {
            eprintln!("{REPORT_PREFIX}{bytes}");
        }
    }
}

/// The peak a child reported on its stderr.
pub(crate) fn parse_report(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix(REPORT_PREFIX))
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_own_peak_and_parses_reports() {
        let own = peak_rss_bytes().unwrap();
        assert!(own > 1 << 20, "{own}");
        let text = format!("warning: x\n{REPORT_PREFIX}12345\n");
        assert_eq!(parse_report(&text), Some(12345));
        assert_eq!(parse_report("nothing"), None);
    }
}
