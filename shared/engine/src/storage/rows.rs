//! Typed values ⇄ Arrow: typed JSONL records (or any typed values) to a `RecordBatch` in the
//! catalog's table schema, and single Arrow cells back to typed values.
//!
//! Used by the loader (records → batches), by tests building fixtures, and by the query
//! executor (cells → values, result columns → arrays).

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, FixedSizeListBuilder, Float32Builder, Float64Builder,
    Int32Builder, Int64Builder, LargeBinaryBuilder, StringBuilder, TimestampMillisecondBuilder,
    UInt32Builder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int32Type, Int64Type, TimestampMillisecondType,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, TimeUnit};
use omnigraph_lang::catalog::TypeDef;
use omnigraph_lang::data::Record;
use omnigraph_lang::types::{Core, PropType, ScalarType};
use omnigraph_lang::value::{Blob, Value};

use crate::clock::next_ulid;
use crate::EngineError;

/// Converts typed records of one type into a batch with the type's Arrow schema (`id`, then
/// `src`/`dst` for edges, then properties by name). A record without an id gets a fresh ULID;
/// an edge record without endpoints is an error.
pub fn records_to_batch(ty: &TypeDef, records: &[Record]) -> Result<RecordBatch, EngineError> {
    let schema = Arc::new(ty.arrow_schema());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    let ids: Vec<Value> = records
        .iter()
        .map(|r| Value::String(r.id.clone().unwrap_or_else(|| next_ulid(None))))
        .collect();
    let string_ty = PropType::scalar(ScalarType::String);
    columns.push(values_to_array(&string_ty, ids.iter())?);
    if ty.is_edge() {
        for end in ["src", "dst"] {
            let mut ends = Vec::with_capacity(records.len());
            for r in records {
                let v = if end == "src" { &r.from } else { &r.to };
                match v {
                    Some(id) => ends.push(Value::String(id.clone())),
                    None => {
                        return Err(EngineError::bad_request(format!(
                            "line {}: {} edge without `{}`",
                            r.line,
                            ty.name,
                            if end == "src" { "from" } else { "to" }
                        )))
                    }
                }
            }
            columns.push(values_to_array(&string_ty, ends.iter())?);
        }
    }
    let null = Value::Null;
    for prop in &ty.properties {
        let values = records
            .iter()
            .map(|r| r.values.get(&prop.name).unwrap_or(&null));
        let array = values_to_array(&prop.ty, values).map_err(|e| match e {
            EngineError::BadRequest { message, .. } => {
                EngineError::bad_request(format!("{}.{}: {message}", ty.name, prop.name))
            }
            other => other,
        })?;
        columns.push(array);
    }
    RecordBatch::try_new(schema, columns)
        .map_err(|e| EngineError::bad_request(format!("rows for `{}`: {e}", ty.name)))
}

fn mismatch(ty: &PropType, v: &Value) -> EngineError {
    EngineError::bad_request(format!("expected {}, got {}", ty.pg(), v.describe()))
}

/// An integer value of any width as `i128` (`None` for anything else).
pub(crate) fn as_i128(v: &Value) -> Option<i128> {
    match v {
        Value::I32(x) => Some(i128::from(*x)),
        Value::I64(x) => Some(i128::from(*x)),
        Value::U32(x) => Some(i128::from(*x)),
        Value::U64(x) => Some(i128::from(*x)),
        _ => None,
    }
}

/// A numeric value as `f64` (integers converted; `None` for anything else).
pub(crate) fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::F32(x) => Some(f64::from(*x)),
        Value::F64(x) => Some(*x),
        other => as_i128(other).map(|i| i as f64),
    }
}

fn int_of<T: TryFrom<i128>>(ty: &PropType, v: &Value) -> Result<T, EngineError> {
    as_i128(v)
        .and_then(|i| T::try_from(i).ok())
        .ok_or_else(|| mismatch(ty, v))
}

/// One column of `ty` from typed values (`Value::Null` = null; a null in a non-nullable type
/// is an error). Integers convert between widths with a range check, integers to floats.
pub fn values_to_array<'v>(
    ty: &PropType,
    values: impl Iterator<Item = &'v Value>,
) -> Result<ArrayRef, EngineError> {
    let values: Vec<&Value> = values.collect();
    if !ty.nullable {
        if let Some(_null) = values.iter().find(|v| v.is_null()) {
            return Err(EngineError::bad_request(format!(
                "null in non-nullable {}",
                ty.pg()
            )));
        }
    }
    let n = values.len();
    macro_rules! ints {
        ($builder:ty, $t:ty) => {{
            let mut b = <$builder>::with_capacity(n);
            for v in &values {
                if v.is_null() {
                    b.append_null();
                } else {
                    b.append_value(int_of::<$t>(ty, v)?);
                }
            }
            Arc::new(b.finish()) as ArrayRef
        }};
    }
    let array: ArrayRef = match &ty.core {
        Core::Scalar(ScalarType::String) | Core::Enum(_) => {
            let mut b = StringBuilder::with_capacity(n, n * 8);
            for v in &values {
                match v {
                    Value::Null => b.append_null(),
                    Value::String(s) => b.append_value(s),
                    other => return Err(mismatch(ty, other)),
                }
            }
            Arc::new(b.finish())
        }
        Core::Scalar(ScalarType::Bool) => {
            let mut b = BooleanBuilder::with_capacity(n);
            for v in &values {
                match v {
                    Value::Null => b.append_null(),
                    Value::Bool(x) => b.append_value(*x),
                    other => return Err(mismatch(ty, other)),
                }
            }
            Arc::new(b.finish())
        }
        Core::Scalar(ScalarType::I32) => ints!(Int32Builder, i32),
        Core::Scalar(ScalarType::I64) => ints!(Int64Builder, i64),
        Core::Scalar(ScalarType::U32) => ints!(UInt32Builder, u32),
        Core::Scalar(ScalarType::U64) => ints!(UInt64Builder, u64),
        Core::Scalar(ScalarType::F32) => {
            let mut b = Float32Builder::with_capacity(n);
            for v in &values {
                match v {
                    Value::Null => b.append_null(),
                    Value::F32(x) => b.append_value(*x),
                    other => {
                        b.append_value(as_f64(other).ok_or_else(|| mismatch(ty, other))? as f32)
                    }
                }
            }
            Arc::new(b.finish())
        }
        Core::Scalar(ScalarType::F64) => {
            let mut b = Float64Builder::with_capacity(n);
            for v in &values {
                match v {
                    Value::Null => b.append_null(),
                    other => b.append_value(as_f64(other).ok_or_else(|| mismatch(ty, other))?),
                }
            }
            Arc::new(b.finish())
        }
        Core::Scalar(ScalarType::Date) => {
            let mut b = Date32Builder::with_capacity(n);
            for v in &values {
                match v {
                    Value::Null => b.append_null(),
                    Value::Date(d) => b.append_value(*d),
                    other => return Err(mismatch(ty, other)),
                }
            }
            Arc::new(b.finish())
        }
        Core::Scalar(ScalarType::DateTime) => {
            let mut b = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
            for v in &values {
                match v {
                    Value::Null => b.append_null(),
                    Value::DateTime(ms) => b.append_value(*ms),
                    other => return Err(mismatch(ty, other)),
                }
            }
            Arc::new(b.finish())
        }
        Core::Scalar(ScalarType::Blob) => {
            let mut b = LargeBinaryBuilder::with_capacity(n, 0);
            for v in &values {
                match v {
                    Value::Null => b.append_null(),
                    Value::Blob(Blob::Bytes(bytes)) => b.append_value(bytes),
                    Value::Blob(Blob::Uri(uri)) => {
                        return Err(EngineError::bad_request(format!(
                            "external blob reference `{uri}` is not supported yet"
                        )))
                    }
                    other => return Err(mismatch(ty, other)),
                }
            }
            Arc::new(b.finish())
        }
        Core::List(item) => {
            let item_ty = PropType::scalar(*item);
            let mut flat: Vec<&Value> = Vec::new();
            let mut offsets: Vec<i32> = Vec::with_capacity(n + 1);
            let mut nulls: Vec<bool> = Vec::with_capacity(n);
            offsets.push(0);
            for v in &values {
                match v {
                    Value::Null => nulls.push(false),
                    Value::List(items) => {
                        nulls.push(true);
                        flat.extend(items.iter());
                    }
                    other => return Err(mismatch(ty, other)),
                }
                let len = i32::try_from(flat.len())
                    .map_err(|_| EngineError::bad_request("list column too large"))?;
                offsets.push(len);
            }
            let child = values_to_array(&item_ty, flat.into_iter())?;
            let field = Arc::new(Field::new("item", item.arrow_type(), false));
            let list = arrow_array::ListArray::try_new(
                field,
                arrow::buffer::OffsetBuffer::new(offsets.into()),
                child,
                Some(arrow::buffer::NullBuffer::from(nulls)),
            )
            .map_err(|e| EngineError::bad_request(format!("list column: {e}")))?;
            Arc::new(list)
        }
        Core::Vector(dim) => {
            let d = i32::try_from(*dim).map_err(|_| EngineError::bad_request("vector too wide"))?;
            let mut b = FixedSizeListBuilder::with_capacity(Float32Builder::new(), d, n)
                .with_field(Arc::new(Field::new("item", DataType::Float32, false)));
            for v in &values {
                match v {
                    Value::Null => {
                        for _ in 0..*dim {
                            b.values().append_value(0.0);
                        }
                        b.append(false);
                    }
                    Value::Vector(items) if items.len() == *dim as usize => {
                        b.values().append_slice(items);
                        b.append(true);
                    }
                    other => return Err(mismatch(ty, other)),
                }
            }
            Arc::new(b.finish())
        }
    };
    Ok(array)
}

/// The typed value of one Arrow cell (any column type this engine stores).
pub fn cell_value(array: &dyn Array, row: usize) -> Result<Value, EngineError> {
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    Ok(match array.data_type() {
        DataType::Utf8 => Value::String(array.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Value::String(array.as_string::<i64>().value(row).to_string()),
        DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
        DataType::Int32 => Value::I32(array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => Value::I64(array.as_primitive::<Int64Type>().value(row)),
        DataType::UInt32 => Value::U32(array.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt64 => Value::U64(array.as_primitive::<UInt64Type>().value(row)),
        DataType::Float32 => Value::F32(array.as_primitive::<Float32Type>().value(row)),
        DataType::Float64 => Value::F64(array.as_primitive::<Float64Type>().value(row)),
        DataType::Date32 => Value::Date(array.as_primitive::<Date32Type>().value(row)),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            Value::DateTime(array.as_primitive::<TimestampMillisecondType>().value(row))
        }
        DataType::LargeBinary => {
            Value::Blob(Blob::Bytes(array.as_binary::<i64>().value(row).to_vec()))
        }
        DataType::Binary => Value::Blob(Blob::Bytes(array.as_binary::<i32>().value(row).to_vec())),
        DataType::List(_) => {
            let items = array.as_list::<i32>().value(row);
            let mut out = Vec::with_capacity(items.len());
            for i in 0..items.len() {
                out.push(cell_value(items.as_ref(), i)?);
            }
            Value::List(out)
        }
        DataType::FixedSizeList(_, _) => {
            let items = array.as_fixed_size_list().value(row);
            let floats = items
                .as_primitive_opt::<Float32Type>()
                .ok_or_else(|| EngineError::internal("vector column without Float32 components"))?;
            Value::Vector(floats.values().to_vec())
        }
        other => {
            return Err(EngineError::internal(format!(
                "unsupported column type {other}"
            )))
        }
    })
}
