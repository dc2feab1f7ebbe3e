//! Typed values, their JSON encoding (docs/reference/data.md, "Value encoding"), canonical key text
//! (docs/reference/schema.md, "Ids and keys") and the calendar arithmetic used by `Date` /
//! `DateTime` parsing (docs/reference/queries.md, "Parameter values").
//!
//! * `Date` is stored as days since 1970-01-01 (`i32`), `DateTime` as milliseconds since the
//!   Unix epoch, UTC (`i64`). Both are limited to years 0001–9999.
//! * [`Value::to_json`] produces the encoding of docs/reference/data.md, "Value encoding":
//!   `I64`/`U64` beyond ±(2^53 − 1) become decimal strings, floats use the shortest round-trip text
//!   of their own width (an `F32` `0.8` is written `0.8`), dates are `"YYYY-MM-DD"`, datetimes
//!   `"YYYY-MM-DDTHH:MM:SS.sssZ"`, blobs `{"size": n, "uri": …}`.
//! * [`Value::to_loadable_json`] is the export form (docs/reference/data.md, "Export"): identical
//!   except that blobs are written as `"base64:…"` or their URI.

use serde::Serialize;
use std::fmt::Write as _;

/// Largest integer magnitude that JSON numbers carry exactly (2^53 − 1).
pub const MAX_SAFE_JSON_INT: i64 = 9_007_199_254_740_991;

/// Days since 1970-01-01 of 0001-01-01.
pub const MIN_DATE_DAYS: i32 = -719_162;
/// Days since 1970-01-01 of 9999-12-31.
pub const MAX_DATE_DAYS: i32 = 2_932_896;
/// Milliseconds since the epoch of 0001-01-01T00:00:00.000Z.
pub const MIN_DATETIME_MS: i64 = MIN_DATE_DAYS as i64 * MS_PER_DAY;
/// Milliseconds since the epoch of 9999-12-31T23:59:59.999Z.
pub const MAX_DATETIME_MS: i64 = (MAX_DATE_DAYS as i64 + 1) * MS_PER_DAY - 1;

const MS_PER_DAY: i64 = 86_400_000;

/// A blob value: inline bytes (from `"base64:…"`) or a reference to an external object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Blob {
    /// Decoded bytes of a `"base64:…"` value.
    Bytes(Vec<u8>),
    /// An external object reference such as `s3://bucket/key` or `file:///path`.
    Uri(String),
}

/// A typed scalar, list, vector or blob value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value")]
pub enum Value {
    Null,
    Bool(bool),
    I32(i32),
    I64(i64),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
    String(String),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since 1970-01-01T00:00:00Z.
    DateTime(i64),
    List(Vec<Value>),
    Vector(Vec<f32>),
    Blob(Blob),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// JSON encoding (docs/reference/data.md, "Value encoding").
    pub fn to_json(&self) -> serde_json::Value {
        self.json_inner(false)
    }

    /// Export encoding (docs/reference/data.md, "Export"): blobs in their loadable form.
    pub fn to_loadable_json(&self) -> serde_json::Value {
        self.json_inner(true)
    }

    fn json_inner(&self, loadable: bool) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::I32(v) => J::from(*v),
            Value::U32(v) => J::from(*v),
            Value::I64(v) => {
                if (-MAX_SAFE_JSON_INT..=MAX_SAFE_JSON_INT).contains(v) {
                    J::from(*v)
                } else {
                    J::String(v.to_string())
                }
            }
            Value::U64(v) => {
                if *v <= MAX_SAFE_JSON_INT as u64 {
                    J::from(*v)
                } else {
                    J::String(v.to_string())
                }
            }
            Value::F32(v) => f32_json(*v),
            Value::F64(v) => f64_json(*v),
            Value::String(s) => J::String(s.clone()),
            Value::Date(d) => J::String(format_date(*d)),
            Value::DateTime(ms) => J::String(format_datetime(*ms)),
            Value::List(items) => J::Array(items.iter().map(|v| v.json_inner(loadable)).collect()),
            Value::Vector(items) => J::Array(items.iter().map(|v| f32_json(*v)).collect()),
            Value::Blob(b) => {
                if loadable {
                    match b {
                        Blob::Bytes(bytes) => J::String(format!("base64:{}", base64_encode(bytes))),
                        Blob::Uri(u) => J::String(u.clone()),
                    }
                } else {
                    let mut m = serde_json::Map::new();
                    match b {
                        Blob::Bytes(bytes) => {
                            m.insert("size".into(), J::from(bytes.len() as u64));
                            m.insert("uri".into(), J::Null);
                        }
                        Blob::Uri(u) => {
                            // The size of an external object is not known here; the engine
                            // fills it in when it resolves the reference.
                            m.insert("size".into(), J::Null);
                            m.insert("uri".into(), J::String(u.clone()));
                        }
                    }
                    J::Object(m)
                }
            }
        }
    }

    /// Canonical key text (docs/reference/schema.md, "Ids and keys"): strings and enum words
    /// verbatim, integers in decimal, dates `YYYY-MM-DD`, datetimes `YYYY-MM-DDTHH:MM:SS.sssZ`.
    /// `None` for values that cannot be keys.
    pub fn canonical_key_text(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.clone()),
            Value::I32(v) => Some(v.to_string()),
            Value::I64(v) => Some(v.to_string()),
            Value::U32(v) => Some(v.to_string()),
            Value::U64(v) => Some(v.to_string()),
            Value::Date(d) => Some(format_date(*d)),
            Value::DateTime(ms) => Some(format_datetime(*ms)),
            _ => None,
        }
    }

    /// Short description used in messages, e.g. `string "30"`, `number 7`, `date 2024-01-05`.
    pub fn describe(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => format!("boolean {b}"),
            Value::I32(v) => format!("number {v}"),
            Value::I64(v) => format!("number {v}"),
            Value::U32(v) => format!("number {v}"),
            Value::U64(v) => format!("number {v}"),
            Value::F32(v) => format!("number {}", f32_text(*v)),
            Value::F64(v) => format!("number {}", f64_text(*v)),
            Value::String(s) => format!("string {}", quote_truncated(s)),
            Value::Date(d) => format!("date {}", format_date(*d)),
            Value::DateTime(ms) => format!("datetime {}", format_datetime(*ms)),
            Value::List(_) => "list".into(),
            Value::Vector(_) => "vector".into(),
            Value::Blob(_) => "blob".into(),
        }
    }

    /// Text of a value as it appears inside a constraint message (`"Acme"`, `9`, `2024-01-05`).
    pub fn message_text(&self) -> String {
        match self {
            Value::String(s) => quote_truncated(s),
            Value::F32(v) => f32_text(*v),
            Value::F64(v) => f64_text(*v),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::I32(v) => v.to_string(),
            Value::I64(v) => v.to_string(),
            Value::U32(v) => v.to_string(),
            Value::U64(v) => v.to_string(),
            Value::Date(d) => format_date(*d),
            Value::DateTime(ms) => format_datetime(*ms),
            Value::List(items) => {
                let parts: Vec<String> = items.iter().map(|v| v.message_text()).collect();
                truncate(&format!("[{}]", parts.join(", ")))
            }
            Value::Vector(items) => {
                let parts: Vec<String> = items.iter().map(|v| f32_text(*v)).collect();
                truncate(&format!("[{}]", parts.join(", ")))
            }
            Value::Blob(Blob::Uri(u)) => quote_truncated(u),
            Value::Blob(Blob::Bytes(b)) => format!("<{} bytes>", b.len()),
        }
    }
}

/// Truncates text to 80 characters (appending `…`), as required for values in messages.
pub fn truncate(s: &str) -> String {
    if s.chars().count() <= 80 {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(80).collect();
        out.push('…');
        out
    }
}

/// `"text"` with JSON-style escaping, truncated to 80 characters of content.
pub fn quote_truncated(s: &str) -> String {
    let t = truncate(s);
    serde_json::Value::String(t).to_string()
}

/// Shortest round-trip decimal for an `f64`, always with a fraction or exponent.
pub fn f64_text(v: f64) -> String {
    // `Debug` yields the shortest round-trip representation and keeps a `.0` or exponent.
    format!("{v:?}")
}

/// Shortest round-trip decimal for an `f32`, always with a fraction or exponent.
pub fn f32_text(v: f32) -> String {
    format!("{v:?}")
}

fn f64_json(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

fn f32_json(v: f32) -> serde_json::Value {
    // Re-read the shortest f32 text as f64 so that serde_json prints `0.8`, not
    // `0.800000011920929`.
    let widened = f32_text(v).parse::<f64>().unwrap_or(v as f64);
    f64_json(widened)
}

// ---------------------------------------------------------------------------------------------
// Calendar arithmetic (proleptic Gregorian)

/// True for leap years of the proleptic Gregorian calendar.
pub fn is_leap_year(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Number of days of month `m` (1–12) in year `y`.
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => {
            if is_leap_year(y) {
                29
            } else {
                28
            }
        }
        _ => 0,
    }
}

/// Days since 1970-01-01 of the civil date `y-m-d` (no validation).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date `(y, m, d)` of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD` for a day count.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SS.sssZ` for milliseconds since the epoch.
pub fn format_datetime(ms: i64) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let h = rem / 3_600_000;
    let mi = (rem / 60_000) % 60;
    let s = (rem / 1000) % 60;
    let milli = rem % 1000;
    let mut out = String::with_capacity(24);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z"
    );
    out
}

/// Why a date or datetime text was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    /// Not of the accepted shape, or not a real calendar date / time (E-V005 / E-P006).
    Malformed,
    /// Outside years 0001–9999 (E-V004).
    OutOfRange,
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = b.get(at..at + n)?;
    let mut v: u32 = 0;
    for c in part {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

fn parse_ymd(b: &[u8]) -> Result<i64, DateError> {
    // b must start with YYYY-MM-DD
    let y = digits(b, 0, 4).ok_or(DateError::Malformed)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(DateError::Malformed);
    }
    let m = digits(b, 5, 2).ok_or(DateError::Malformed)?;
    let d = digits(b, 8, 2).ok_or(DateError::Malformed)?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y as i64, m) {
        return Err(DateError::Malformed);
    }
    if y == 0 {
        return Err(DateError::OutOfRange);
    }
    Ok(days_from_civil(y as i64, m, d))
}

/// Parses `YYYY-MM-DD` (a real calendar date in years 0001–9999) into days since the epoch.
pub fn parse_date(s: &str) -> Result<i32, DateError> {
    let b = s.as_bytes();
    if b.len() != 10 {
        return Err(DateError::Malformed);
    }
    let days = parse_ymd(b)?;
    i32::try_from(days).map_err(|_| DateError::OutOfRange)
}

/// Parses RFC 3339 text as accepted by docs/reference/queries.md, "Parameter values":
/// `YYYY-MM-DDTHH:MM:SS` (`T`, `t` or a space), an optional fraction of 1–9 digits (truncated to
/// milliseconds) and an optional offset `Z` or `±HH:MM` (none = UTC). Returns milliseconds since
/// the epoch, UTC.
pub fn parse_datetime(s: &str) -> Result<i64, DateError> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return Err(DateError::Malformed);
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return Err(DateError::Malformed);
    }
    let hh = digits(b, 11, 2).ok_or(DateError::Malformed)?;
    let mm = digits(b, 14, 2).ok_or(DateError::Malformed)?;
    let ss = digits(b, 17, 2).ok_or(DateError::Malformed)?;
    if b[13] != b':' || b[16] != b':' || hh > 23 || mm > 59 || ss > 59 {
        return Err(DateError::Malformed);
    }
    // date part validated after the time so a bad time is always "malformed"
    let days = match parse_ymd(b) {
        Ok(d) => Some(d),
        Err(DateError::OutOfRange) => None,
        Err(e) => return Err(e),
    };
    let mut i = 19;
    let mut millis: i64 = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let n = i - start;
        if n == 0 || n > 9 {
            return Err(DateError::Malformed);
        }
        let mut scale = 100;
        for c in &b[start..start + n.min(3)] {
            millis += (c - b'0') as i64 * scale;
            scale /= 10;
        }
    }
    let mut offset_min: i64 = 0;
    match b.get(i) {
        None => {}
        Some(b'Z') | Some(b'z') => {
            i += 1;
        }
        Some(c @ (b'+' | b'-')) => {
            let sign = if *c == b'-' { -1 } else { 1 };
            let oh = digits(b, i + 1, 2).ok_or(DateError::Malformed)?;
            if b.get(i + 3) != Some(&b':') {
                return Err(DateError::Malformed);
            }
            let om = digits(b, i + 4, 2).ok_or(DateError::Malformed)?;
            if oh > 23 || om > 59 {
                return Err(DateError::Malformed);
            }
            offset_min = sign * (oh as i64 * 60 + om as i64);
            i += 6;
        }
        Some(_) => return Err(DateError::Malformed),
    }
    if i != b.len() {
        return Err(DateError::Malformed);
    }
    let days = days.ok_or(DateError::OutOfRange)?;
    let local = days * MS_PER_DAY + (hh as i64 * 3600 + mm as i64 * 60 + ss as i64) * 1000 + millis;
    let utc = local - offset_min * 60_000;
    if !(MIN_DATETIME_MS..=MAX_DATETIME_MS).contains(&utc) {
        return Err(DateError::OutOfRange);
    }
    Ok(utc)
}

/// URI schemes accepted for external blob references.
pub const BLOB_URI_SCHEMES: &[&str] = &["s3://", "file://"];

/// Parses a blob value text: `"base64:<padded base64>"` or a URI with a supported scheme
/// (`s3://`, `file://`; the engine may restrict `file://` to local deployments).
pub fn parse_blob(s: &str) -> Option<Blob> {
    if let Some(b64) = s.strip_prefix("base64:") {
        return base64_decode(b64).map(Blob::Bytes);
    }
    for scheme in BLOB_URI_SCHEMES {
        if let Some(rest) = s.strip_prefix(scheme) {
            if !rest.is_empty() && !rest.chars().any(char::is_whitespace) {
                return Some(Blob::Uri(s.to_string()));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Base64 (RFC 4648, standard alphabet, padded)

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard padded base64 encoding.
pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0] as u32;
        let b1 = chunk.get(1).copied().unwrap_or(0) as u32;
        let b2 = chunk.get(2).copied().unwrap_or(0) as u32;
        let n = (b0 << 16) | (b1 << 8) | b2;
        out.push(B64[(n >> 18) as usize & 63] as char);
        out.push(B64[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

fn b64_val(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some((c - b'A') as u32),
        b'a'..=b'z' => Some((c - b'a' + 26) as u32),
        b'0'..=b'9' => Some((c - b'0' + 52) as u32),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Strict standard padded base64 decoding (length a multiple of 4, canonical padding bits).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let groups = b.len() / 4;
    for (gi, g) in b.chunks(4).enumerate() {
        let last = gi + 1 == groups;
        let pad = g.iter().rev().take_while(|c| **c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n: u32 = 0;
        for (k, c) in g.iter().enumerate() {
            let v = if k >= 4 - pad { 0 } else { b64_val(*c)? };
            n = (n << 6) | v;
        }
        out.push((n >> 16) as u8);
        if pad < 2 {
            out.push((n >> 8) as u8);
        } else if n & 0xFFFF != 0 {
            return None;
        }
        if pad < 1 {
            out.push(n as u8);
        } else if n & 0xFF != 0 {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_roundtrip() {
        for days in [MIN_DATE_DAYS, -1, 0, 1, 19_723, MAX_DATE_DAYS] {
            let (y, m, d) = civil_from_days(days as i64);
            assert_eq!(days_from_civil(y, m, d), days as i64);
        }
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(MIN_DATE_DAYS), "0001-01-01");
        assert_eq!(format_date(MAX_DATE_DAYS), "9999-12-31");
        assert_eq!(parse_date("2024-02-29"), Ok(19_782));
        assert_eq!(parse_date("2023-02-29"), Err(DateError::Malformed));
        assert_eq!(parse_date("2024-1-5"), Err(DateError::Malformed));
        assert_eq!(parse_date("0000-01-01"), Err(DateError::OutOfRange));
    }

    #[test]
    fn datetime_parse_and_format() {
        let ms = parse_datetime("2024-02-20T08:00:00+01:00").unwrap();
        assert_eq!(format_datetime(ms), "2024-02-20T07:00:00.000Z");
        let ms = parse_datetime("2024-03-02T14:00:00.250999Z").unwrap();
        assert_eq!(format_datetime(ms), "2024-03-02T14:00:00.250Z");
        let ms = parse_datetime("2024-03-02 14:00:00").unwrap();
        assert_eq!(format_datetime(ms), "2024-03-02T14:00:00.000Z");
        assert_eq!(parse_datetime("2024-01-05"), Err(DateError::Malformed));
        assert_eq!(parse_datetime("yesterday"), Err(DateError::Malformed));
        assert_eq!(
            parse_datetime("2024-01-05T00:00:00.Z"),
            Err(DateError::Malformed)
        );
        assert_eq!(
            parse_datetime("0001-01-01T00:00:00+01:00"),
            Err(DateError::OutOfRange)
        );
        assert_eq!(format_datetime(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn json_encoding() {
        assert_eq!(Value::F64(41.0).to_json().to_string(), "41.0");
        assert_eq!(Value::F32(0.8).to_json().to_string(), "0.8");
        assert_eq!(
            Value::I64(MAX_SAFE_JSON_INT + 1).to_json().to_string(),
            "\"9007199254740992\""
        );
        assert_eq!(
            Value::I64(-MAX_SAFE_JSON_INT).to_json().to_string(),
            "-9007199254740991"
        );
        assert_eq!(
            Value::U64(u64::MAX).to_json().to_string(),
            "\"18446744073709551615\""
        );
        assert_eq!(Value::Date(0).to_json().to_string(), "\"1970-01-01\"");
        assert_eq!(
            Value::Vector(vec![0.8, 0.6, 0.0]).to_json().to_string(),
            "[0.8,0.6,0.0]"
        );
        assert_eq!(
            Value::Blob(Blob::Bytes(vec![1, 2, 3]))
                .to_json()
                .to_string(),
            "{\"size\":3,\"uri\":null}"
        );
        assert_eq!(
            Value::Blob(Blob::Bytes(b"hi".to_vec()))
                .to_loadable_json()
                .to_string(),
            "\"base64:aGk=\""
        );
        assert_eq!(Value::I64(-5).canonical_key_text().as_deref(), Some("-5"));
    }

    #[test]
    fn base64() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            let e = base64_encode(data);
            assert_eq!(base64_decode(&e).as_deref(), Some(data));
        }
        assert_eq!(base64_decode("%%%"), None);
        assert_eq!(base64_decode("aGk"), None);
        assert_eq!(base64_decode("aGl="), None);
        assert_eq!(base64_decode("a==="), None);
    }
}
