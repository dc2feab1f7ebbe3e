//! Strict JSON → typed value coercion (docs/reference/queries.md, "Parameter values"), shared by
//! query parameters and JSONL property values, and parameter binding (E-V001 … E-V009).
//!
//! * [`coerce`] converts one non-null JSON value to a [`Value`] of a [`PropType`]'s core
//!   shape, or returns a [`CoerceError`] holding the code and the message *detail*
//!   (`expected I32, got string "30"`). Callers add their prefix:
//!   [`param_message`] (``parameter `$min`: …``) or [`field_message`] (``line 4, `data.age`: …``).
//! * [`bind_params`] checks a whole parameter object against the declarations of a query and
//!   returns the bound values by name (without `$`), with missing nullable parameters bound to
//!   [`Value::Null`].

use crate::diagnostics::diagnostic::{did_you_mean, Diagnostic};
use crate::diagnostics::span::Span;
use crate::schema::types::{Core, PropType, ScalarType};
use crate::schema::value::{
    parse_blob, parse_date, parse_datetime, quote_truncated, truncate, DateError, Value,
    MAX_DATETIME_MS, MAX_DATE_DAYS, MIN_DATETIME_MS, MIN_DATE_DAYS,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// A rejected value: the code (E-V003…E-V008 or E-D006) and the message detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoerceError {
    pub code: &'static str,
    pub detail: String,
}

impl CoerceError {
    fn new(code: &'static str, detail: impl Into<String>) -> Self {
        CoerceError {
            code,
            detail: detail.into(),
        }
    }
}

/// ``parameter `$name`: detail``.
pub fn param_message(name: &str, detail: &str) -> String {
    format!("parameter `${name}`: {detail}")
}

/// ``line N, `path`: detail``.
pub fn field_message(line: usize, path: &str, detail: &str) -> String {
    format!("line {line}, `{path}`: {detail}")
}

/// Describes a JSON value for messages: `string "30"`, `number 2.0`, `boolean true`, `null`,
/// `array`, `object`.
pub fn describe_json(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Null => "null".into(),
        J::Bool(b) => format!("boolean {b}"),
        J::Number(n) => format!("number {}", truncate(&n.to_string())),
        J::String(s) => format!("string {}", quote_truncated(s)),
        J::Array(a) => {
            if a.is_empty() {
                "empty array".into()
            } else {
                "array".into()
            }
        }
        J::Object(_) => "object".into(),
    }
}

/// The spelling of a type in messages: `I32`, `[String]`, `Vector(3)`, `enum(a, b)`.
pub fn type_text(core: &Core) -> String {
    PropType {
        core: core.clone(),
        nullable: false,
    }
    .pg()
}

fn wrong_type(core: &Core, v: &serde_json::Value) -> CoerceError {
    CoerceError::new(
        "E-V003",
        format!("expected {}, got {}", type_text(core), describe_json(v)),
    )
}

/// Converts a JSON value to a typed value of shape `core` (docs/reference/queries.md, "Parameter
/// values"). JSON `null` is rejected with E-V003 here; callers decide what null means (E-V002,
/// E-D005 or a null value).
pub fn coerce(v: &serde_json::Value, core: &Core) -> Result<Value, CoerceError> {
    use serde_json::Value as J;
    match core {
        Core::Scalar(s) => coerce_scalar(v, *s, core),
        Core::Enum(values) => match v {
            J::String(s) => {
                if values.iter().any(|x| x == s) {
                    Ok(Value::String(s.clone()))
                } else {
                    Err(CoerceError::new(
                        "E-D006",
                        format!(
                            "{} is not a value of {}",
                            quote_truncated(s),
                            truncate(&type_text(core))
                        ),
                    ))
                }
            }
            _ => Err(wrong_type(core, v)),
        },
        Core::List(elem) => match v {
            J::Array(items) => {
                let ecore = Core::Scalar(*elem);
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    if item.is_null() {
                        return Err(CoerceError::new(
                            "E-V003",
                            format!(
                                "expected {}, got null at index {i} (list elements cannot be null)",
                                type_text(core)
                            ),
                        ));
                    }
                    match coerce_scalar(item, *elem, &ecore) {
                        Ok(x) => out.push(x),
                        Err(e) => {
                            return Err(CoerceError::new(
                                e.code,
                                format!("element {i}: {}", e.detail),
                            ))
                        }
                    }
                }
                Ok(Value::List(out))
            }
            _ => Err(wrong_type(core, v)),
        },
        Core::Vector(n) => match v {
            J::Array(items) => {
                if items.len() != *n as usize {
                    return Err(CoerceError::new(
                        "E-V006",
                        format!(
                            "expected {} ({n} numbers), got {} elements",
                            type_text(core),
                            items.len()
                        ),
                    ));
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let Some(x) = item.as_f64() else {
                        return Err(CoerceError::new(
                            "E-V006",
                            format!(
                                "expected {}, got {} at index {i}",
                                type_text(core),
                                describe_json(item)
                            ),
                        ));
                    };
                    match f32_in_range(x) {
                        Some(f) => out.push(f),
                        None => {
                            return Err(CoerceError::new(
                                "E-V006",
                                format!(
                                    "component {i} of {} is outside the F32 range",
                                    type_text(core)
                                ),
                            ))
                        }
                    }
                }
                Ok(Value::Vector(out))
            }
            _ => Err(wrong_type(core, v)),
        },
    }
}

/// `x` rounded to the nearest `f32`, unless that overflows. (Comparing `x` with `f32::MAX`
/// would reject `3.4028235e38`, the shortest text of `f32::MAX` that export writes.)
fn f32_in_range(x: f64) -> Option<f32> {
    let f = x as f32;
    (x.is_finite() && f.is_finite()).then_some(f)
}

fn out_of_range(ty: ScalarType, text: &str) -> CoerceError {
    CoerceError::new(
        "E-V004",
        format!("value {} is out of range for {ty}", truncate(text)),
    )
}

/// Parses a plain decimal integer string (`-?[0-9]+`) for I64/U64.
fn plain_decimal(s: &str) -> Option<i128> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i128>().ok()
}

fn json_integer(n: &serde_json::Number) -> Option<i128> {
    if let Some(i) = n.as_i64() {
        Some(i as i128)
    } else {
        n.as_u64().map(|u| u as i128)
    }
}

fn int_value(ty: ScalarType, i: i128, text: &str) -> Result<Value, CoerceError> {
    let v = match ty {
        ScalarType::I32 => i32::try_from(i).ok().map(Value::I32),
        ScalarType::I64 => i64::try_from(i).ok().map(Value::I64),
        ScalarType::U32 => u32::try_from(i).ok().map(Value::U32),
        _ => u64::try_from(i).ok().map(Value::U64),
    };
    v.ok_or_else(|| out_of_range(ty, text))
}

fn coerce_scalar(v: &serde_json::Value, ty: ScalarType, core: &Core) -> Result<Value, CoerceError> {
    use serde_json::Value as J;
    match ty {
        ScalarType::String => match v {
            J::String(s) => Ok(Value::String(s.clone())),
            _ => Err(wrong_type(core, v)),
        },
        ScalarType::Bool => match v {
            J::Bool(b) => Ok(Value::Bool(*b)),
            _ => Err(wrong_type(core, v)),
        },
        ScalarType::I32 | ScalarType::U32 | ScalarType::I64 | ScalarType::U64 => match v {
            J::Number(n) => match json_integer(n) {
                Some(i) => int_value(ty, i, &n.to_string()),
                None => Err(wrong_type(core, v)),
            },
            J::String(s) if matches!(ty, ScalarType::I64 | ScalarType::U64) => {
                match plain_decimal(s) {
                    Some(i) => int_value(ty, i, s),
                    None if s
                        .strip_prefix('-')
                        .unwrap_or(s)
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                        && !s.strip_prefix('-').unwrap_or(s).is_empty() =>
                    {
                        Err(out_of_range(ty, s))
                    }
                    None => Err(wrong_type(core, v)),
                }
            }
            _ => Err(wrong_type(core, v)),
        },
        ScalarType::F32 | ScalarType::F64 => match v {
            J::Number(n) => {
                let Some(x) = n.as_f64() else {
                    return Err(wrong_type(core, v));
                };
                if !x.is_finite() {
                    return Err(CoerceError::new(
                        "E-V006",
                        format!("expected a finite {ty}, got {}", describe_json(v)),
                    ));
                }
                if ty == ScalarType::F32 {
                    match f32_in_range(x) {
                        Some(f) => Ok(Value::F32(f)),
                        None => Err(CoerceError::new(
                            "E-V006",
                            format!(
                                "expected F32, got {} (outside the F32 range)",
                                describe_json(v)
                            ),
                        )),
                    }
                } else {
                    Ok(Value::F64(x))
                }
            }
            _ => Err(wrong_type(core, v)),
        },
        ScalarType::Date => match v {
            J::String(s) => match parse_date(s) {
                Ok(d) => Ok(Value::Date(d)),
                Err(DateError::OutOfRange) => Err(CoerceError::new(
                    "E-V004",
                    format!("date {} is outside years 0001–9999", quote_truncated(s)),
                )),
                Err(DateError::Malformed) => Err(CoerceError::new(
                    "E-V005",
                    format!(
                        "expected Date (\"YYYY-MM-DD\" or days since 1970-01-01), got {}",
                        describe_json(v)
                    ),
                )),
            },
            J::Number(n) => match json_integer(n) {
                Some(i) if i >= MIN_DATE_DAYS as i128 && i <= MAX_DATE_DAYS as i128 => {
                    Ok(Value::Date(i as i32))
                }
                Some(_) => Err(CoerceError::new(
                    "E-V004",
                    format!("date {n} (days since 1970-01-01) is outside years 0001–9999"),
                )),
                None => Err(wrong_type(core, v)),
            },
            _ => Err(wrong_type(core, v)),
        },
        ScalarType::DateTime => match v {
            J::String(s) => match parse_datetime(s) {
                Ok(ms) => Ok(Value::DateTime(ms)),
                Err(DateError::OutOfRange) => Err(CoerceError::new(
                    "E-V004",
                    format!("datetime {} is outside years 0001–9999", quote_truncated(s)),
                )),
                Err(DateError::Malformed) => Err(CoerceError::new(
                    "E-V005",
                    format!(
                        "expected DateTime (RFC 3339 text or ms since the epoch), got {}",
                        describe_json(v)
                    ),
                )),
            },
            J::Number(n) => match json_integer(n) {
                Some(i) if i >= MIN_DATETIME_MS as i128 && i <= MAX_DATETIME_MS as i128 => {
                    Ok(Value::DateTime(i as i64))
                }
                Some(_) => Err(CoerceError::new(
                    "E-V004",
                    format!("datetime {n} (ms since the epoch) is outside years 0001–9999"),
                )),
                None => Err(wrong_type(core, v)),
            },
            _ => Err(wrong_type(core, v)),
        },
        ScalarType::Blob => match v {
            J::String(s) => parse_blob(s).map(Value::Blob).ok_or_else(|| {
                CoerceError::new(
                    "E-V008",
                    format!(
                        "expected Blob (\"base64:…\" or an s3:// or file:// URI), got {}",
                        describe_json(v)
                    ),
                )
            }),
            _ => Err(wrong_type(core, v)),
        },
    }
}

/// A declared query parameter, as the typechecker resolves it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamDef {
    /// Name without `$`.
    pub name: String,
    /// Scalar, list or vector type (never an enum); `nullable` for `T?`.
    pub ty: PropType,
    /// Span of the declaration `$name: T`.
    pub span: Span,
}

/// Bound parameter values by name (without `$`).
pub type Params = BTreeMap<String, Value>;

/// Checks a parameter object (docs/reference/queries.md, "Parameter values") against declarations.
/// `anchor` is where errors not tied to one declaration point (the query name). All errors are
/// reported.
pub fn bind_params(
    decls: &[ParamDef],
    anchor: Span,
    json: Option<&serde_json::Value>,
) -> Result<Params, Vec<Diagnostic>> {
    let empty = serde_json::Map::new();
    let obj = match json {
        None | Some(serde_json::Value::Null) => &empty,
        Some(serde_json::Value::Object(m)) => m,
        Some(other) => {
            return Err(vec![Diagnostic::error(
                "E-V009",
                anchor,
                format!(
                    "parameters must be a JSON object, got {}",
                    describe_json(other)
                ),
            )])
        }
    };
    let mut errors = Vec::new();
    let mut given: BTreeMap<&str, &serde_json::Value> = BTreeMap::new();
    for (k, v) in obj {
        let name = k.strip_prefix('$').unwrap_or(k);
        if decls.iter().any(|d| d.name == name) {
            given.insert(name, v);
        } else {
            let help = did_you_mean(
                name,
                decls
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .iter(),
            )
            .map(|c| format!("did you mean `${c}`?"));
            errors.push(
                Diagnostic::error(
                    "E-V007",
                    anchor,
                    format!("unknown parameter `${}`", truncate(name)),
                )
                .with_help_opt(help),
            );
        }
    }
    let mut out = Params::new();
    for d in decls {
        match given.get(d.name.as_str()) {
            None => {
                if d.ty.nullable {
                    out.insert(d.name.clone(), Value::Null);
                } else {
                    errors.push(Diagnostic::error(
                        "E-V001",
                        d.span,
                        format!("parameter `${}` is required", d.name),
                    ));
                }
            }
            Some(serde_json::Value::Null) => {
                if d.ty.nullable {
                    out.insert(d.name.clone(), Value::Null);
                } else {
                    errors.push(Diagnostic::error(
                        "E-V002",
                        d.span,
                        format!("parameter `${}`: expected {}, got null", d.name, d.ty.pg()),
                    ));
                }
            }
            Some(v) => match coerce(v, &d.ty.core) {
                Ok(x) => {
                    out.insert(d.name.clone(), x);
                }
                Err(e) => errors.push(Diagnostic::error(
                    e.code,
                    d.span,
                    param_message(&d.name, &e.detail),
                )),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|d| (d.span.start, d.span.end));
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(t: ScalarType) -> Core {
        Core::Scalar(t)
    }

    #[test]
    fn f32_bounds_accept_the_shortest_text_of_f32_max() {
        let max: f64 = "3.4028235e38".parse().unwrap_or_default();
        assert_eq!(
            coerce(&json!(max), &s(ScalarType::F32)),
            Ok(Value::F32(f32::MAX))
        );
        let e = coerce(&json!(3.5e38), &s(ScalarType::F32)).unwrap_err();
        assert_eq!(e.code, "E-V006");
    }

    #[test]
    fn strict_scalars() {
        assert_eq!(coerce(&json!(30), &s(ScalarType::I32)), Ok(Value::I32(30)));
        let e = coerce(&json!("30"), &s(ScalarType::I32)).unwrap_err();
        assert_eq!(e.code, "E-V003");
        assert_eq!(e.detail, "expected I32, got string \"30\"");
        assert_eq!(
            coerce(&json!(2.0), &s(ScalarType::I32)).unwrap_err().code,
            "E-V003"
        );
        assert_eq!(
            coerce(&json!(1e3), &s(ScalarType::I32)).unwrap_err().code,
            "E-V003"
        );
        assert_eq!(
            coerce(&json!(3_000_000_000u64), &s(ScalarType::I32))
                .unwrap_err()
                .code,
            "E-V004"
        );
        assert_eq!(
            coerce(&json!(-1), &s(ScalarType::U32)).unwrap_err().code,
            "E-V004"
        );
        assert_eq!(
            coerce(&json!("9007199254740993"), &s(ScalarType::I64)),
            Ok(Value::I64(9_007_199_254_740_993))
        );
        assert_eq!(
            coerce(&json!("0x10"), &s(ScalarType::I64))
                .unwrap_err()
                .code,
            "E-V003"
        );
        assert_eq!(
            coerce(&json!(" 7"), &s(ScalarType::I64)).unwrap_err().code,
            "E-V003"
        );
        assert_eq!(
            coerce(&json!(7.5), &s(ScalarType::I64)).unwrap_err().code,
            "E-V003"
        );
        assert_eq!(
            coerce(&json!("99999999999999999999"), &s(ScalarType::U64))
                .unwrap_err()
                .code,
            "E-V004"
        );
        assert_eq!(
            coerce(&json!("true"), &s(ScalarType::Bool))
                .unwrap_err()
                .code,
            "E-V003"
        );
        assert_eq!(
            coerce(&json!(1), &s(ScalarType::Bool)).unwrap_err().code,
            "E-V003"
        );
        assert_eq!(
            coerce(&json!("1.5"), &s(ScalarType::F64)).unwrap_err().code,
            "E-V003"
        );
        assert_eq!(
            coerce(&json!(1e39), &s(ScalarType::F32)).unwrap_err().code,
            "E-V006"
        );
        assert_eq!(coerce(&json!(2), &s(ScalarType::F64)), Ok(Value::F64(2.0)));
        assert_eq!(
            coerce(&json!(42), &s(ScalarType::String)).unwrap_err().code,
            "E-V003"
        );
    }

    #[test]
    fn dates_lists_vectors_blobs() {
        assert_eq!(
            coerce(&json!("2024-1-5"), &s(ScalarType::Date))
                .unwrap_err()
                .code,
            "E-V005"
        );
        assert_eq!(
            coerce(&json!("2024-01-05T00:00:00Z"), &s(ScalarType::Date))
                .unwrap_err()
                .code,
            "E-V005"
        );
        assert_eq!(coerce(&json!(0), &s(ScalarType::Date)), Ok(Value::Date(0)));
        assert_eq!(
            coerce(&json!(99_999_999), &s(ScalarType::Date))
                .unwrap_err()
                .code,
            "E-V004"
        );
        assert_eq!(
            coerce(&json!("2024-01-05"), &s(ScalarType::DateTime))
                .unwrap_err()
                .code,
            "E-V005"
        );
        assert_eq!(
            coerce(&json!("yesterday"), &s(ScalarType::DateTime))
                .unwrap_err()
                .code,
            "E-V005"
        );
        assert_eq!(
            coerce(&json!(0), &s(ScalarType::DateTime)),
            Ok(Value::DateTime(0))
        );
        let l = Core::List(ScalarType::I32);
        assert_eq!(coerce(&json!(1), &l).unwrap_err().code, "E-V003");
        assert_eq!(coerce(&json!([1, null]), &l).unwrap_err().code, "E-V003");
        assert_eq!(
            coerce(&json!([1, 2]), &l),
            Ok(Value::List(vec![Value::I32(1), Value::I32(2)]))
        );
        assert_eq!(
            coerce(&json!([1, 2]), &Core::Vector(3)).unwrap_err().code,
            "E-V006"
        );
        assert_eq!(
            coerce(&json!([1, 0, 0]), &Core::Vector(3)),
            Ok(Value::Vector(vec![1.0, 0.0, 0.0]))
        );
        assert_eq!(
            coerce(&json!("hello"), &s(ScalarType::Blob))
                .unwrap_err()
                .code,
            "E-V008"
        );
        assert_eq!(
            coerce(&json!("base64:%%%"), &s(ScalarType::Blob))
                .unwrap_err()
                .code,
            "E-V008"
        );
        assert!(coerce(&json!("base64:aGk="), &s(ScalarType::Blob)).is_ok());
        assert!(coerce(&json!("s3://b/k"), &s(ScalarType::Blob)).is_ok());
        let e = Core::Enum(vec!["open".into()]);
        assert_eq!(coerce(&json!("Open"), &e).unwrap_err().code, "E-D006");
    }

    #[test]
    fn binding() {
        let decls = vec![
            ParamDef {
                name: "min".into(),
                ty: PropType::scalar(ScalarType::I32),
                span: Span::new(10, 19),
            },
            ParamDef {
                name: "opt".into(),
                ty: PropType::scalar(ScalarType::String).nullable(),
                span: Span::new(20, 30),
            },
        ];
        let p = bind_params(&decls, Span::new(0, 1), Some(&json!({"$min": 5}))).unwrap();
        assert_eq!(p.get("min"), Some(&Value::I32(5)));
        assert_eq!(p.get("opt"), Some(&Value::Null));
        let e = bind_params(&decls, Span::new(0, 1), Some(&json!({"min": "30"}))).unwrap_err();
        assert_eq!(e[0].code, "E-V003");
        assert_eq!(
            e[0].message,
            "parameter `$min`: expected I32, got string \"30\""
        );
        assert_eq!(e[0].span, Span::new(10, 19));
        let e = bind_params(&decls, Span::new(0, 1), None).unwrap_err();
        assert_eq!(e[0].code, "E-V001");
        assert_eq!(e[0].message, "parameter `$min` is required");
        let e = bind_params(&decls, Span::new(0, 1), Some(&json!({"min": null}))).unwrap_err();
        assert_eq!(e[0].code, "E-V002");
        let e =
            bind_params(&decls, Span::new(0, 1), Some(&json!({"min": 1, "mni": 2}))).unwrap_err();
        assert_eq!(e[0].code, "E-V007");
        let e = bind_params(&decls, Span::new(0, 1), Some(&json!([1]))).unwrap_err();
        assert_eq!(e[0].code, "E-V009");
    }
}
