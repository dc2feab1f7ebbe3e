//! `omnigraph recover [--dry-run] [--now <ms | RFC 3339>]`: resolves the sidecars of dead
//! writers (see `Engine::recover`) and prints the report.

use omnigraph_engine::Engine;
use omnigraph_manifest::GraphId;

use crate::output::CliError;

pub(crate) async fn run(
    engine: &Engine,
    graph: &GraphId,
    now: Option<&str>,
    dry_run: bool,
) -> Result<serde_json::Value, CliError> {
    let now_ms = match now {
        Some(text) => parse_instant(text)?,
        None => omnigraph_engine::now_ms(),
    };
    let report = engine.recover(graph, now_ms, dry_run).await?;
    serde_json::to_value(report).map_err(|e| CliError::Usage(e.to_string()))
}

/// Milliseconds since the epoch, or an RFC 3339 instant (`2030-01-02T03:04:05Z`,
/// `…T03:04:05.250+02:00`).
pub(crate) fn parse_instant(text: &str) -> Result<u64, CliError> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<u64>() {
        return Ok(ms);
    }
    rfc3339_ms(text).ok_or_else(|| {
        CliError::Usage(format!(
            "--now `{text}` is neither milliseconds since the epoch nor an RFC 3339 instant"
        ))
    })
}

fn rfc3339_ms(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = s.get(from..to)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let padded = format!("{:0<3}", &frac[..digits.min(3)]);
        millis = padded.parse().ok()?;
        rest = &frac[digits..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            sign * (num(s.len() - 5, s.len() - 3)? * 60 + num(s.len() - 2, s.len())?)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    u64::try_from(secs * 1000 + millis).ok()
}

#[cfg(test)]
mod tests {
    use super::parse_instant;

    #[test]
    fn parses_ms_and_rfc3339() {
        assert_eq!(parse_instant("1700000000000").ok(), Some(1_700_000_000_000));
        assert_eq!(parse_instant("1970-01-01T00:00:00Z").ok(), Some(0));
        assert_eq!(
            parse_instant("2023-11-14T22:13:20Z").ok(),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            parse_instant("2023-11-15T00:13:20.5+02:00").ok(),
            Some(1_700_000_000_500)
        );
        assert!(parse_instant("yesterday").is_err());
        assert!(parse_instant("2023-13-01T00:00:00Z").is_err());
    }
}
