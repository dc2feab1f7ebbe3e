//! Value comparison (docs/reference/queries.md, "Filters and nulls") and the total sort order
//! (docs/reference/queries.md, "Order and limit": nulls smallest).

use std::cmp::Ordering;

use omnigraph_lang::query::ast::CmpOp;
use omnigraph_lang::value::Value;

enum Num {
    Int(i128),
    Float(f64),
}

fn num(v: &Value) -> Option<Num> {
    Some(match v {
        Value::I32(x) => Num::Int(i128::from(*x)),
        Value::I64(x) => Num::Int(i128::from(*x)),
        Value::U32(x) => Num::Int(i128::from(*x)),
        Value::U64(x) => Num::Int(i128::from(*x)),
        Value::F32(x) => Num::Float(f64::from(*x)),
        Value::F64(x) => Num::Float(*x),
        _ => return None,
    })
}

/// Ordered comparison of two compatible non-null values; `None` for a null operand or
/// incomparable types. Numerics compare by mathematical value (in `f64` if a float is
/// involved), strings/enums by Unicode scalar values, `false < true`.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::DateTime(x), Value::DateTime(y)) => Some(x.cmp(y)),
        _ => match (num(a)?, num(b)?) {
            (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
            (Num::Int(x), Num::Float(y)) => (x as f64).partial_cmp(&y),
            (Num::Float(x), Num::Int(y)) => x.partial_cmp(&(y as f64)),
            (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
        },
    }
}

/// `a op b` as docs/reference/queries.md, "Filters and nulls" defines it: any null operand makes it
/// false (also for `!=`).
pub(crate) fn holds(op: CmpOp, a: &Value, b: &Value) -> bool {
    if a.is_null() || b.is_null() {
        return false;
    }
    match op {
        CmpOp::Contains => match a {
            Value::List(items) => items.iter().any(|x| compare(x, b) == Some(Ordering::Equal)),
            Value::String(s) => matches!(b, Value::String(t) if s.contains(t.as_str())),
            _ => false,
        },
        _ => match compare(a, b) {
            None => false,
            Some(o) => match op {
                CmpOp::Eq => o == Ordering::Equal,
                CmpOp::Ne => o != Ordering::Equal,
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
                CmpOp::Gt => o == Ordering::Greater,
                CmpOp::Ge => o != Ordering::Less,
                CmpOp::Contains => false,
            },
        },
    }
}

/// Total order for sorting: null is the smallest value; otherwise [`compare`] (values of
/// different, incomparable kinds compare equal).
pub(crate) fn sort_cmp(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => compare(a, b).unwrap_or(Ordering::Equal),
    }
}

/// Ascending or descending comparison of one sort key (nulls first ascending, last
/// descending — i.e. plain reversal).
pub(crate) fn key_cmp(a: &Value, b: &Value, descending: bool) -> Ordering {
    let o = sort_cmp(a, b);
    if descending {
        o.reverse()
    } else {
        o
    }
}
