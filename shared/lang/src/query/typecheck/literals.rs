//! Literals and type compatibility: the natural type of a literal, converting a literal to
//! a target type (E-T010/E-T011 detail), comparability and assignability of types.

use crate::query::ast::*;
use crate::schema::types::{Core, PropType, ScalarType};
use crate::schema::value::{parse_blob, quote_truncated, Value};

// -------------------------------------------------------------------------------------------
// helpers

pub(super) fn scalar(s: ScalarType) -> PropType {
    PropType::scalar(s)
}

pub(super) fn core_text(c: &Core) -> String {
    crate::query::params::type_text(c)
}

/// Can values of these two types be compared with `=`/`!=`/ordering (docs/reference/queries.md,
/// "Filters and nulls")?
pub(super) fn comparable(a: &Core, b: &Core) -> bool {
    use Core::*;
    match (a, b) {
        (Scalar(x), Scalar(y)) => {
            (x.is_numeric() && y.is_numeric()) || (x == y && !matches!(x, ScalarType::Blob))
        }
        (Scalar(ScalarType::String), Enum(_)) | (Enum(_), Scalar(ScalarType::String)) => true,
        (Enum(x), Enum(y)) => x == y,
        _ => false,
    }
}

pub(super) fn literal_kind(l: &Literal) -> &'static str {
    match l {
        Literal::Int(_) => "integer literal",
        Literal::Float(_) => "float literal",
        Literal::Str(_) => "string literal",
        Literal::Bool(_) => "boolean literal",
        Literal::Null => "`null`",
        Literal::Date(_) => "date literal",
        Literal::DateTime(_) => "datetime literal",
        Literal::List(_) => "list literal",
    }
}

pub(super) fn literal_text(l: &Literal) -> String {
    match l {
        Literal::Int(i) => i.to_string(),
        Literal::Float(f) => crate::schema::value::f64_text(*f),
        Literal::Str(s) => quote_truncated(s),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "null".into(),
        Literal::Date(d) => format!("date(\"{}\")", crate::schema::value::format_date(*d)),
        Literal::DateTime(ms) => format!(
            "datetime(\"{}\")",
            crate::schema::value::format_datetime(*ms)
        ),
        Literal::List(items) => {
            let parts: Vec<String> = items.iter().map(literal_text).collect();
            crate::schema::value::truncate(&format!("[{}]", parts.join(", ")))
        }
    }
}

/// The natural value and type of a literal without context.
pub(super) fn literal_default(l: &Literal) -> Option<(Value, PropType)> {
    Some(match l {
        Literal::Int(i) => {
            if let Ok(v) = i64::try_from(*i) {
                (Value::I64(v), scalar(ScalarType::I64))
            } else {
                (Value::U64(u64::try_from(*i).ok()?), scalar(ScalarType::U64))
            }
        }
        Literal::Float(f) => (Value::F64(*f), scalar(ScalarType::F64)),
        Literal::Str(s) => (Value::String(s.clone()), scalar(ScalarType::String)),
        Literal::Bool(b) => (Value::Bool(*b), scalar(ScalarType::Bool)),
        Literal::Date(d) => (Value::Date(*d), scalar(ScalarType::Date)),
        Literal::DateTime(ms) => (Value::DateTime(*ms), scalar(ScalarType::DateTime)),
        Literal::Null => return None,
        Literal::List(items) => {
            let mut vals = Vec::new();
            let mut elem: Option<ScalarType> = None;
            for it in items {
                let (v, t) = literal_default(it)?;
                let s = t.as_scalar()?;
                match elem {
                    None => elem = Some(s),
                    Some(e) if e == s => {}
                    Some(e) if e.is_numeric() && s.is_numeric() => {
                        if s.is_float() {
                            elem = Some(ScalarType::F64)
                        }
                        let _ = e;
                    }
                    Some(_) => return None,
                }
                vals.push(v);
            }
            let e = elem.unwrap_or(ScalarType::String);
            let vals = vals
                .into_iter()
                .map(|v| {
                    if e == ScalarType::F64 {
                        to_f64(&v).map(Value::F64).unwrap_or(v)
                    } else {
                        v
                    }
                })
                .collect();
            (
                Value::List(vals),
                PropType {
                    core: Core::List(e),
                    nullable: false,
                },
            )
        }
    })
}

fn to_f64(v: &Value) -> Option<f64> {
    Some(match v {
        Value::I32(x) => *x as f64,
        Value::I64(x) => *x as f64,
        Value::U32(x) => *x as f64,
        Value::U64(x) => *x as f64,
        Value::F32(x) => *x as f64,
        Value::F64(x) => *x,
        _ => return None,
    })
}

/// Why a literal does not convert to a type.
pub(super) enum LitErr {
    /// Wrong kind of literal for the type.
    Mismatch,
    /// Right kind, invalid value (range, enum membership, blob text).
    Invalid(String),
}

fn int_to(i: i128, s: ScalarType) -> Result<Value, LitErr> {
    let v = match s {
        ScalarType::I32 => i32::try_from(i).ok().map(Value::I32),
        ScalarType::I64 => i64::try_from(i).ok().map(Value::I64),
        ScalarType::U32 => u32::try_from(i).ok().map(Value::U32),
        ScalarType::U64 => u64::try_from(i).ok().map(Value::U64),
        ScalarType::F32 => Some(Value::F32(i as f32)),
        ScalarType::F64 => Some(Value::F64(i as f64)),
        _ => return Err(LitErr::Mismatch),
    };
    v.ok_or_else(|| LitErr::Invalid(format!("integer literal `{i}` is out of range for {s}")))
}

/// Converts a literal to exactly the given core type (the assignment rules of
/// docs/reference/queries.md, "Mutations"; also used for binding and comparison operands, where
/// `numeric_loose` lets a float literal meet an integer type by mathematical value).
pub(super) fn convert_literal(
    l: &Literal,
    core: &Core,
    numeric_loose: bool,
) -> Result<Value, LitErr> {
    match (l, core) {
        (Literal::Int(i), Core::Scalar(s)) if s.is_numeric() => int_to(*i, *s),
        (Literal::Float(f), Core::Scalar(ScalarType::F64)) => Ok(Value::F64(*f)),
        (Literal::Float(f), Core::Scalar(ScalarType::F32)) => {
            if f.abs() <= f32::MAX as f64 {
                Ok(Value::F32(*f as f32))
            } else {
                Err(LitErr::Invalid(format!(
                    "float literal `{f}` is outside the F32 range"
                )))
            }
        }
        (Literal::Float(f), Core::Scalar(s)) if s.is_integer() && numeric_loose => {
            Ok(Value::F64(*f))
        }
        (Literal::Str(s), Core::Scalar(ScalarType::String)) => Ok(Value::String(s.clone())),
        (Literal::Str(s), Core::Enum(values)) => {
            if values.iter().any(|v| v == s) {
                Ok(Value::String(s.clone()))
            } else {
                Err(LitErr::Invalid(format!(
                    "{} is not a value of {}",
                    quote_truncated(s),
                    core_text(core)
                )))
            }
        }
        (Literal::Str(s), Core::Scalar(ScalarType::Blob)) => {
            parse_blob(s).map(Value::Blob).ok_or_else(|| {
                LitErr::Invalid(format!(
                    "{} is not a blob value (\"base64:…\" or an s3:// or file:// URI)",
                    quote_truncated(s)
                ))
            })
        }
        (Literal::Bool(b), Core::Scalar(ScalarType::Bool)) => Ok(Value::Bool(*b)),
        (Literal::Date(d), Core::Scalar(ScalarType::Date)) => Ok(Value::Date(*d)),
        (Literal::DateTime(ms), Core::Scalar(ScalarType::DateTime)) => Ok(Value::DateTime(*ms)),
        (Literal::List(items), Core::List(e)) => {
            let ec = Core::Scalar(*e);
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                if matches!(it, Literal::List(_) | Literal::Null) {
                    return Err(LitErr::Mismatch);
                }
                out.push(convert_literal(it, &ec, false)?);
            }
            Ok(Value::List(out))
        }
        (Literal::List(items), Core::Vector(n)) => {
            if items.len() != *n as usize {
                return Err(LitErr::Invalid(format!(
                    "vector literal has {} elements, expected {n}",
                    items.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                let f = match it {
                    Literal::Int(i) => *i as f64,
                    Literal::Float(f) => *f,
                    _ => return Err(LitErr::Mismatch),
                };
                if f.abs() > f32::MAX as f64 {
                    return Err(LitErr::Invalid(
                        "vector component outside the F32 range".into(),
                    ));
                }
                out.push(f as f32);
            }
            Ok(Value::Vector(out))
        }
        _ => Err(LitErr::Mismatch),
    }
}

/// May a value of type `from` be assigned to a property of type `to` (docs/reference/queries.md,
/// "Mutations")?
pub(super) fn assignable(from: &Core, to: &Core) -> bool {
    use Core::*;
    match (from, to) {
        (Scalar(a), Scalar(b)) => {
            a == b
                || (a.is_integer() && b.is_numeric())
                || (*a == ScalarType::String && *b == ScalarType::Blob)
                || (a.is_float() && b.is_float())
        }
        (Scalar(ScalarType::String), Enum(_)) => true,
        (Enum(a), Enum(b)) => a.iter().all(|x| b.contains(x)),
        (List(a), List(b)) => assignable(&Scalar(*a), &Scalar(*b)),
        (Vector(a), Vector(b)) => a == b,
        _ => false,
    }
}
