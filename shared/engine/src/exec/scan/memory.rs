//! The in-memory scan: candidate rows of a node variable from the table held in process
//! memory. The columns a query reads are scanned once per table version (unfiltered, cached,
//! through the Lance scan), and predicates are evaluated here — an equality on the key (or
//! `id`) through the node index's id → row map, comparisons with Arrow kernels, anything else
//! row by row with the reference semantics of [`crate::exec::compare::holds`]. So a warm
//! query with any parameters makes no storage request.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, Scalar,
    StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::DataType;
use omnigraph_lang::ir::ScanPredicate;
use omnigraph_lang::query::ast::CmpOp;
use omnigraph_lang::value::Value;

use super::lance::scan_all;
use super::node_index::node_index;
use super::predicate::{predicate_column, scan_predicate_holds};
use super::table::{Origin, Table};
use crate::exec::env::Env;
use crate::storage::rows::as_i128;
use crate::{Engine, EngineError, Snapshot};

/// Node tables with at most this many rows are filtered in memory; larger ones push their
/// predicates into the Lance scan.
pub(crate) const IN_MEMORY_ROWS: u64 = 4_000_000;

/// The rows of node table `table_key` satisfying every predicate, with `props` (and `id`),
/// evaluated in memory over the cached unfiltered columns.
pub(super) async fn scan_nodes_in_memory(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
    predicates: &[&ScanPredicate],
    props: &BTreeSet<String>,
    env: &Env,
) -> Result<Table, EngineError> {
    let mut columns: BTreeSet<String> = props.clone();
    for p in predicates {
        columns.insert(predicate_column(p).to_string());
    }
    columns.remove("id");
    let mut cols = vec!["id".to_string()];
    cols.extend(columns);
    let base = scan_all(engine, snapshot, table_key, &cols).await?;
    let full = Table::with_origin((*base).clone(), Origin::Full)?;
    if predicates.is_empty() || full.len() == 0 {
        return Ok(full);
    }
    // an equality on the key or on `id` selects at most one row through the node index
    let key = snapshot
        .catalog
        .by_table_key(table_key)
        .and_then(|t| t.key.clone());
    let lookup = predicates.iter().find_map(|p| match p {
        ScanPredicate::Compare {
            prop,
            op: CmpOp::Eq,
            value,
            ..
        } if prop == "id" || Some(prop) == key.as_ref() => Some(env.operand(value)),
        _ => None,
    });
    let rows: Vec<u32> = match lookup {
        Some(v) => {
            let text = if v.is_null() {
                None
            } else {
                v.canonical_key_text()
            };
            let index = node_index(engine, snapshot, table_key).await?;
            let candidate = text.and_then(|t| index.row_of_id(&t));
            let mut rows = Vec::new();
            if let Some(r) = candidate {
                if all_hold(predicates, &full, r, env)? {
                    rows.push(r);
                }
            }
            rows
        }
        None => {
            let mut mask: Option<BooleanArray> = None;
            for p in predicates {
                let m = match vector_mask(p, &full, env)? {
                    Some(m) => m,
                    None => row_mask(p, &full, env)?,
                };
                mask = Some(match mask {
                    None => m,
                    Some(prev) => arrow::compute::and(&prev, &m)
                        .map_err(|e| EngineError::internal(format!("mask: {e}")))?,
                });
            }
            match mask {
                None => return Ok(full),
                Some(m) => (0..m.len() as u32)
                    .filter(|i| m.is_valid(*i as usize) && m.value(*i as usize))
                    .collect(),
            }
        }
    };
    let batch = take_rows(&full.batch, &rows)?;
    Table::with_origin(batch, Origin::Subset(Arc::new(rows)))
}

fn all_hold(
    predicates: &[&ScanPredicate],
    table: &Table,
    row: u32,
    env: &Env,
) -> Result<bool, EngineError> {
    for p in predicates {
        if !scan_predicate_holds(p, table, row, env)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn take_rows(batch: &RecordBatch, rows: &[u32]) -> Result<RecordBatch, EngineError> {
    let indices = UInt32Array::from(rows.to_vec());
    arrow::compute::take_record_batch(batch, &indices)
        .map_err(|e| EngineError::internal(format!("take: {e}")))
}

fn row_mask(p: &ScanPredicate, table: &Table, env: &Env) -> Result<BooleanArray, EngineError> {
    let mut keep = Vec::with_capacity(table.len());
    for row in 0..table.len() as u32 {
        keep.push(scan_predicate_holds(p, table, row, env)?);
    }
    Ok(BooleanArray::from(keep))
}

/// A one-element array of the column's type holding `v` exactly, if it can (else the caller
/// falls back to row-by-row evaluation).
fn scalar_like(column: &ArrayRef, v: &Value) -> Option<ArrayRef> {
    Some(match (column.data_type(), v) {
        (DataType::Utf8, Value::String(s)) => Arc::new(StringArray::from(vec![s.as_str()])),
        (DataType::Int32, v) => Arc::new(Int32Array::from(vec![i32::try_from(as_i128(v)?).ok()?])),
        (DataType::Int64, v) => Arc::new(Int64Array::from(vec![i64::try_from(as_i128(v)?).ok()?])),
        (DataType::UInt32, v) => {
            Arc::new(UInt32Array::from(vec![u32::try_from(as_i128(v)?).ok()?]))
        }
        (DataType::UInt64, v) => {
            Arc::new(UInt64Array::from(vec![u64::try_from(as_i128(v)?).ok()?]))
        }
        (DataType::Float64, Value::F64(x)) if !x.is_nan() => Arc::new(Float64Array::from(vec![*x])),
        _ => return None,
    })
}

/// The predicate over the whole column with an Arrow kernel, when its types allow an exact
/// evaluation; nulls never hold.
fn vector_mask(
    p: &ScanPredicate,
    table: &Table,
    env: &Env,
) -> Result<Option<BooleanArray>, EngineError> {
    use arrow::compute::kernels::cmp;
    let (prop, op, value) = match p {
        ScanPredicate::Compare {
            prop, op, value, ..
        } => (prop, op, value),
        ScanPredicate::IsNull { prop, negated, .. } => {
            let Some(col) = table.column(prop) else {
                return Ok(None);
            };
            let m = if *negated {
                arrow::compute::is_not_null(col.as_ref())
            } else {
                arrow::compute::is_null(col.as_ref())
            };
            return m
                .map(Some)
                .map_err(|e| EngineError::internal(format!("mask: {e}")));
        }
        _ => return Ok(None),
    };
    let Some(col) = table.column(prop) else {
        return Ok(None);
    };
    let v = env.operand(value);
    if v.is_null() {
        return Ok(Some(BooleanArray::from(vec![false; table.len()])));
    }
    let Some(scalar) = scalar_like(col, &v) else {
        return Ok(None);
    };
    let rhs = Scalar::new(scalar);
    let lhs = col.as_ref();
    let m = match op {
        CmpOp::Eq => cmp::eq(&lhs, &rhs),
        CmpOp::Ne => cmp::neq(&lhs, &rhs),
        CmpOp::Lt => cmp::lt(&lhs, &rhs),
        CmpOp::Le => cmp::lt_eq(&lhs, &rhs),
        CmpOp::Gt => cmp::gt(&lhs, &rhs),
        CmpOp::Ge => cmp::gt_eq(&lhs, &rhs),
        CmpOp::Contains => return Ok(None),
    };
    m.map(Some)
        .map_err(|e| EngineError::internal(format!("mask: {e}")))
}
