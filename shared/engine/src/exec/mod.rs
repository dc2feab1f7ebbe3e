//! The read-query executor (docs/architecture.md, "Read queries"): compile a `.gq` file against the
//! snapshot's catalog, pick the named read query, bind parameters, then
//!
//! 1. load each variable's candidate rows with a Lance scan (projection and predicate
//!    pushdown; residual predicates in memory), traversal adjacency and BM25 statistics —
//!    all cached in process memory per table version, so a warm read makes no storage request;
//! 2. join depth-first over a step plan (traversals from bound endpoints, filters and
//!    anti-joins as early as possible) within the step and time budget of [`QueryLimits`];
//! 3. rank, group/aggregate, order (nulls smallest, deterministic tie-break), limit, project.
//!
//! Results are JSON rows in the encoding of docs/reference/data.md, "Value encoding", with the
//! snapshot read; Arrow batches are available through [`QueryResult::to_record_batch`].

mod adjacency;
mod aggregate;
pub(crate) mod compare;
pub(crate) mod compile;
mod embed_query;
pub(crate) mod env;
mod filter;
mod limits;
mod order;
mod pattern;
pub(crate) mod scan;
mod text;

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema};
use omnigraph_lang::ir::{Expand, Pattern, Plan};
use omnigraph_lang::types::PropType;
use omnigraph_lang::value::Value;
use omnigraph_manifest::{BranchName, GraphId};
use serde::Serialize;

pub use limits::{QueryLimits, E_EXPANSION_LIMIT, E_ROW_LIMIT, E_TIME_LIMIT};
pub use scan::cache::ExecStats;

use env::Env;

use crate::clock::now_ms;
use crate::storage::rows::values_to_array;
use crate::{Engine, EngineError, ReadTarget};

/// The snapshot a result was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotRef {
    pub branch: BranchName,
    pub version: u64,
    pub commit: String,
}

/// The result of a read query (docs/reference/data.md, "Read results").
#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    pub snapshot: SnapshotRef,
    /// Typed values per row, in column order.
    #[serde(skip)]
    pub values: Vec<Vec<Value>>,
    /// Column types (`None`: entity ids, non-null strings).
    #[serde(skip)]
    pub types: Vec<Option<PropType>>,
}

impl QueryResult {
    /// The result as one Arrow batch (every column nullable; entity ids as `Utf8`).
    pub fn to_record_batch(&self) -> Result<RecordBatch, EngineError> {
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut arrays = Vec::with_capacity(self.columns.len());
        let id_ty = PropType::scalar(omnigraph_lang::types::ScalarType::String).nullable();
        for (i, name) in self.columns.iter().enumerate() {
            let ty = match self.types.get(i).cloned().flatten() {
                Some(t) => t.nullable(),
                None => id_ty.clone(),
            };
            let array = values_to_array(&ty, self.values.iter().map(|r| &r[i]))?;
            let dt: DataType = array.data_type().clone();
            fields.push(Field::new(name, dt, true));
            arrays.push(array);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .map_err(|e| EngineError::internal(format!("result batch: {e}")))
    }

    /// The JSON object of docs/reference/data.md, "Read results": `{"columns": [...], "rows":
    /// [...]}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "columns": self.columns, "rows": self.rows })
    }
}

fn walk_expansions<'p>(p: &'p Pattern, out: &mut Vec<&'p Expand>) {
    out.extend(p.expansions.iter());
    for aj in &p.anti_joins {
        walk_expansions(&aj.pattern, out);
    }
}

impl Engine {
    /// Runs the read query `name` (optional when `source` holds exactly one query) of `source`
    /// against `target` with `params` (a JSON object), within `limits`.
    pub async fn query(
        &self,
        graph: &GraphId,
        target: &ReadTarget,
        source: &str,
        name: Option<&str>,
        params: Option<&serde_json::Value>,
        limits: &QueryLimits,
    ) -> Result<QueryResult, EngineError> {
        let started = crate::clock::monotonic_now();
        let snapshot = self.snapshot(graph, target).await?;
        let query = compile::pick_query(&snapshot.catalog, source, name)?;
        let Plan::Read(plan) = omnigraph_lang::lower(&query) else {
            return Err(EngineError::bad_request(format!(
                "`{}` is a mutation; use mutate to run it",
                query.name
            )));
        };
        let bound = compile::bind(source, &query, params)?;
        let mut env = Env {
            params: bound,
            now: i64::try_from(now_ms()).unwrap_or(i64::MAX),
            source: source.to_string(),
            embedded: Default::default(),
        };
        embed_query::embed_text_queries(self, &plan, &mut env).await?;
        let mut exps = Vec::new();
        walk_expansions(&plan.pattern, &mut exps);
        if let Some(e) = exps.iter().find(|e| e.max_hops > limits.max_hops) {
            return Err(env.runtime_error_at(
                "E-T015",
                e.span,
                format!(
                    "hop bound {} of `{}` exceeds this engine's maximum of {}",
                    e.max_hops, e.edge_type, limits.max_hops
                ),
            ));
        }
        let budget = limits::Budget::new(limits, started, source, query.name_span);
        // The load phase awaits storage: bound it by the deadline as a whole; the synchronous
        // join below checks the clock as it counts steps.
        let remaining = limits.timeout.saturating_sub(started.elapsed());
        let exec = tokio::time::timeout(
            remaining,
            pattern::load(self, &snapshot, &plan, &env, &budget),
        )
        .await
        .map_err(|_| budget.time_error())??;
        let values = run(exec)?;
        budget.check_rows(values.len(), limits.max_rows)?;
        let columns: Vec<String> = plan.projections.iter().map(|p| p.name.clone()).collect();
        let rows = values
            .iter()
            .map(|r| {
                columns
                    .iter()
                    .zip(r.iter())
                    .map(|(c, v)| (c.clone(), v.to_json()))
                    .collect()
            })
            .collect();
        Ok(QueryResult {
            columns,
            rows,
            snapshot: SnapshotRef {
                branch: snapshot.branch.clone(),
                version: snapshot.version,
                commit: snapshot.commit.clone(),
            },
            values,
            types: plan.projections.iter().map(|p| p.ty.clone()).collect(),
        })
    }
}

/// Whether an aggregate read returns only `count($v)` items and has no group keys: its one
/// row is the number of solutions, counted without materialising them.
fn count_only(plan: &omnigraph_lang::ir::ReadPlan) -> bool {
    use omnigraph_lang::ir::Expr;
    use omnigraph_lang::query::ast::AggFunc;
    let Some(agg) = &plan.aggregate else {
        return false;
    };
    agg.group_keys.is_empty()
        && plan.ranking.is_none()
        && !plan.projections.is_empty()
        && plan.projections.iter().all(|p| {
            matches!(&p.expr, Expr::Agg { func: AggFunc::Count, arg, .. }
                if matches!(**arg, Expr::Entity { var: omnigraph_lang::ir::VarRef::Outer(_) }))
        })
}

fn run(mut exec: pattern::Exec<'_>) -> Result<Vec<Vec<Value>>, EngineError> {
    if count_only(exec.plan) {
        exec.count_mode = true;
        let n = exec.count_solutions()?;
        exec.budget.check_time()?;
        let n = Value::I64(i64::try_from(n).unwrap_or(i64::MAX));
        return Ok(vec![vec![n; exec.plan.projections.len()]]);
    }
    let exec = &exec;
    let rows = exec.solve()?;
    exec.budget.check_time()?;
    match &exec.plan.aggregate {
        Some(agg) => exec.finish_aggregate(agg, rows),
        None => exec.finish_plain(rows),
    }
}
