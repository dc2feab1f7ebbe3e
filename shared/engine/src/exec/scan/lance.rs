//! The Lance scan: projection and predicate pushdown (SQL built from the IR's pushable
//! predicates with escaped literals), residual predicates evaluated in memory, and a
//! process-wide cache of scan results keyed by `(table uri, version, columns, filter)`.
//! The bottom of the scan wing: it calls nothing else of the executor but the predicate
//! evaluator.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use arrow_array::{BooleanArray, RecordBatch};
use omnigraph_lang::ir::ScanPredicate;
use omnigraph_lang::query::ast::CmpOp;
use omnigraph_lang::types::{Core, ScalarType};
use omnigraph_lang::value::Value;

use super::cache::ByteCache;
use super::predicate::{predicate_column, scan_predicate_holds};
use super::table::Table;
use crate::exec::env::Env;
use crate::{Engine, EngineError, Snapshot};

type ScanKey = (String, u64, String, String);

static SCANS: LazyLock<ByteCache<ScanKey, RecordBatch>> =
    LazyLock::new(|| ByteCache::new(512 << 20));

/// Scans `table_key` at the snapshot's version: `columns` only, rows passing `filter` (Lance
/// SQL). Warm repeats are served from process memory without any request.
pub(super) async fn scan(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
    columns: &[String],
    filter: Option<&str>,
) -> Result<Arc<RecordBatch>, EngineError> {
    let pin = snapshot.tables.get(table_key).ok_or_else(|| {
        EngineError::internal(format!("snapshot pins no version of `{table_key}`"))
    })?;
    let (uri, dataset) = engine.open_table(snapshot, table_key).await?;
    let key: ScanKey = (
        uri,
        pin.version,
        columns.join(","),
        filter.unwrap_or("").to_string(),
    );
    if let Some(hit) = SCANS.get(&key) {
        return Ok(hit);
    }
    let batch = run_scan(engine, &dataset, columns, filter).await?;
    let size = batch.get_array_memory_size();
    Ok(SCANS.insert(key, batch, size))
}

async fn run_scan(
    engine: &Engine,
    dataset: &lance::Dataset,
    columns: &[String],
    filter: Option<&str>,
) -> Result<RecordBatch, EngineError> {
    engine.exec_counters.table_scanned();
    let mut scanner = dataset.scan();
    // in order: edge rows are identified by their position in an unfiltered scan
    scanner.scan_in_order(true);
    scanner.project(columns)?;
    if let Some(f) = filter {
        scanner.filter(f)?;
    }
    Ok(scanner.try_into_batch().await?)
}

/// Every row of a table with `columns`, read for building a derived structure (node index,
/// adjacency) that is cached itself: the raw columns are not kept.
pub(crate) async fn scan_uncached(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
    columns: &[String],
) -> Result<RecordBatch, EngineError> {
    let (_, dataset) = engine.open_table(snapshot, table_key).await?;
    run_scan(engine, &dataset, columns, None).await
}

/// How one scan predicate reaches Lance.
enum Push {
    Sql(String),
    /// Never holds (a null operand).
    False,
    /// Evaluated in memory after the scan.
    Residual,
}

fn sql_ident(name: &str) -> Option<String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    Some(format!("`{name}`"))
}

/// A SQL literal for a value, single-quoted with `'` doubled (Lance's dialect has no backslash
/// escapes); `None` for values not pushed down.
fn sql_literal(v: &Value, column: &Core) -> Option<String> {
    let unsigned_col = matches!(
        column,
        Core::Scalar(ScalarType::U32) | Core::Scalar(ScalarType::U64)
    );
    let numeric_col = matches!(column, Core::Scalar(s) if s.is_numeric());
    let string_col = matches!(column, Core::Scalar(ScalarType::String) | Core::Enum(_));
    match v {
        Value::String(s) if string_col && !s.contains('\0') => {
            Some(format!("'{}'", s.replace('\'', "''")))
        }
        Value::Bool(b) if matches!(column, Core::Scalar(ScalarType::Bool)) => Some(b.to_string()),
        Value::I32(x) if numeric_col && (!unsigned_col || *x >= 0) => Some(x.to_string()),
        Value::I64(x) if numeric_col && (!unsigned_col || *x >= 0) => Some(x.to_string()),
        Value::U32(x) if numeric_col => Some(x.to_string()),
        Value::U64(x) if numeric_col && *x <= i64::MAX as u64 => Some(x.to_string()),
        Value::F32(x) if numeric_col && !unsigned_col && x.is_finite() => {
            Some(format!("{:?}", f64::from(*x)))
        }
        Value::F64(x) if numeric_col && !unsigned_col && x.is_finite() => Some(format!("{x:?}")),
        _ => None,
    }
}

fn pushdown(pred: &ScanPredicate, env: &Env) -> Push {
    match pred {
        ScanPredicate::Compare {
            prop,
            prop_type,
            op,
            value,
        } => {
            let v = env.operand(value);
            if v.is_null() {
                return Push::False;
            }
            let sym = match op {
                CmpOp::Eq => "=",
                CmpOp::Ne => "!=",
                CmpOp::Lt => "<",
                CmpOp::Le => "<=",
                CmpOp::Gt => ">",
                CmpOp::Ge => ">=",
                CmpOp::Contains => return Push::Residual,
            };
            match (sql_ident(prop), sql_literal(&v, &prop_type.core)) {
                (Some(col), Some(lit)) => Push::Sql(format!("{col} {sym} {lit}")),
                _ => Push::Residual,
            }
        }
        ScanPredicate::IsNull { prop, negated, .. } => match sql_ident(prop) {
            Some(col) if *negated => Push::Sql(format!("{col} IS NOT NULL")),
            Some(col) => Push::Sql(format!("{col} IS NULL")),
            None => Push::Residual,
        },
        ScanPredicate::ListContains { value, .. } => {
            if env.operand(value).is_null() {
                Push::False
            } else {
                Push::Residual
            }
        }
        ScanPredicate::Text(t) => {
            if env.operand(&t.query).is_null() {
                Push::False
            } else {
                Push::Residual
            }
        }
    }
}

/// The rows of node table `table_key` satisfying every predicate, with `props` (and `id`):
/// predicates Lance can evaluate are pushed into its scan, the rest are evaluated here.
pub(super) async fn scan_nodes_pushdown(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
    predicates: &[&ScanPredicate],
    props: &BTreeSet<String>,
    env: &Env,
) -> Result<Table, EngineError> {
    let mut sql = Vec::new();
    let mut residual = Vec::new();
    let mut never = false;
    for p in predicates {
        match pushdown(p, env) {
            Push::Sql(s) => sql.push(format!("({s})")),
            Push::False => never = true,
            Push::Residual => residual.push(*p),
        }
    }
    let mut columns: BTreeSet<String> = props.clone();
    for p in &residual {
        columns.insert(predicate_column(p).to_string());
    }
    columns.remove("id");
    let mut cols = vec!["id".to_string()];
    cols.extend(columns);
    // A predicate that can never hold still scans with a false filter, to get the schema.
    if never {
        sql = vec!["(false)".to_string()];
    }
    let filter = if sql.is_empty() {
        None
    } else {
        Some(sql.join(" AND "))
    };
    let batch = scan(engine, snapshot, table_key, &cols, filter.as_deref()).await?;
    let table = Table::new((*batch).clone())?;
    if residual.is_empty() || table.len() == 0 {
        return Ok(table);
    }
    let mut keep = Vec::with_capacity(table.len());
    for row in 0..table.len() {
        let mut ok = true;
        for p in &residual {
            if !scan_predicate_holds(p, &table, row as u32, env)? {
                ok = false;
                break;
            }
        }
        keep.push(ok);
    }
    let mask = BooleanArray::from(keep);
    let filtered = arrow::compute::filter_record_batch(&table.batch, &mask)
        .map_err(|e| EngineError::internal(format!("filter: {e}")))?;
    Table::new(filtered)
}

/// Every row of a table with `columns` (no filter).
pub(crate) async fn scan_all(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
    columns: &[String],
) -> Result<Arc<RecordBatch>, EngineError> {
    scan(engine, snapshot, table_key, columns, None).await
}
