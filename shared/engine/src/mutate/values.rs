//! Run-time value rules of mutations: operands to values of the target type (integer widths
//! with a range check, integer → float, `String` → enum / `Blob`), and the per-row checks
//! (`@range`, `@check`).

use omnigraph_lang::catalog::TypeDef;
use omnigraph_lang::data::{msg_check, msg_enum, msg_range};
use omnigraph_lang::types::{Core, PropType, ScalarType};
use omnigraph_lang::value::{parse_blob, quote_truncated, Value};

use crate::storage::rows::as_i128;

/// A rejected value: its code and message.
pub(super) type Reject = (&'static str, String);

fn out_of_range(prop: &str, v: &Value, s: ScalarType) -> Reject {
    (
        "E-V004",
        format!(
            "`{prop}`: value {} is out of range for {s}",
            v.message_text()
        ),
    )
}

/// Converts `v` (a literal, bound parameter or `now()`) to the type of property `prop`.
pub(super) fn convert(prop: &str, v: Value, ty: &PropType) -> Result<Value, Reject> {
    if v.is_null() {
        return Ok(v);
    }
    match &ty.core {
        Core::Scalar(s) => convert_scalar(prop, v, *s),
        Core::Enum(values) => match v {
            Value::String(s) if values.contains(&s) => Ok(Value::String(s)),
            Value::String(s) => Err(("E-D006", format!("`{prop}`: {}", msg_enum(&s, values)))),
            other => Ok(other),
        },
        Core::List(item) => match v {
            Value::List(items) => items
                .into_iter()
                .map(|x| convert_scalar(prop, x, *item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List),
            other => Ok(other),
        },
        Core::Vector(_) => match v {
            Value::List(items) => {
                let floats: Option<Vec<f32>> = items
                    .iter()
                    .map(|x| match x {
                        Value::F32(f) => Some(*f),
                        Value::F64(f) => Some(*f as f32),
                        other => as_i128(other).map(|i| i as f32),
                    })
                    .collect();
                Ok(floats.map_or(Value::List(items), Value::Vector))
            }
            other => Ok(other),
        },
    }
}

fn convert_scalar(prop: &str, v: Value, s: ScalarType) -> Result<Value, Reject> {
    let int = as_i128(&v);
    Ok(match (s, int) {
        (ScalarType::I32, Some(i)) => {
            Value::I32(i32::try_from(i).map_err(|_| out_of_range(prop, &v, s))?)
        }
        (ScalarType::I64, Some(i)) => {
            Value::I64(i64::try_from(i).map_err(|_| out_of_range(prop, &v, s))?)
        }
        (ScalarType::U32, Some(i)) => {
            Value::U32(u32::try_from(i).map_err(|_| out_of_range(prop, &v, s))?)
        }
        (ScalarType::U64, Some(i)) => {
            Value::U64(u64::try_from(i).map_err(|_| out_of_range(prop, &v, s))?)
        }
        (ScalarType::F64, Some(i)) => Value::F64(i as f64),
        (ScalarType::F32, Some(i)) => Value::F32(i as f32),
        (ScalarType::F32, None) => match v {
            Value::F64(f) => Value::F32(f as f32),
            other => other,
        },
        (ScalarType::F64, None) => match v {
            Value::F32(f) => Value::F64(f64::from(f)),
            other => other,
        },
        (ScalarType::Blob, None) => match v {
            Value::String(text) => match parse_blob(&text) {
                Some(b) => Value::Blob(b),
                None => {
                    return Err((
                        "E-V008",
                        format!("`{prop}`: invalid blob value {}", quote_truncated(&text)),
                    ))
                }
            },
            other => other,
        },
        _ => v,
    })
}

/// `@range` and `@check` of `ty` on the values of `props` (all properties when `None`).
pub(super) fn row_checks(
    ty: &TypeDef,
    values: &std::collections::BTreeMap<String, Value>,
    props: Option<&[String]>,
) -> Result<(), Reject> {
    let wanted = |p: &str| props.is_none_or(|ps| ps.iter().any(|x| x == p));
    for r in &ty.constraints.range {
        if !wanted(&r.property) {
            continue;
        }
        let Some(v) = values.get(&r.property) else {
            continue;
        };
        let ok = match v {
            Value::F32(f) => r.contains_f64(f64::from(*f)),
            Value::F64(f) => r.contains_f64(*f),
            other => as_i128(other).is_none_or(|i| r.contains_int(i)),
        };
        if !ok {
            return Err((
                "E-D007",
                msg_range(&ty.name, &r.property, &r.bounds_text(), v),
            ));
        }
    }
    for c in &ty.constraints.check {
        if !wanted(&c.property) {
            continue;
        }
        if let Some(Value::String(s)) = values.get(&c.property) {
            if !c.matches(s) {
                return Err(("E-D008", msg_check(&ty.name, &c.property, s, &c.pattern)));
            }
        }
    }
    Ok(())
}
