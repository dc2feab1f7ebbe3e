//! `.gq` mutations (language reference §4.12) through the write protocol.
//!
//! A mutation's statements run **in order** against a working copy of the branch head: the
//! rows of every table a statement or check needs, loaded once from the snapshot (cached
//! scans), then changed in memory, so each statement sees the effects of the earlier ones
//! (read-your-writes). Per-row rules (value conversion, nullability, enum, `@range`,
//! `@check`, id rules) are checked as each statement runs; set rules (`@key`/`@unique`,
//! endpoints, `@card`) once on the final state. All of that happens in [`Operation::plan`],
//! so a violation writes nothing.
//!
//! Every table a statement wrote is then staged as an overwrite with its final rows on the
//! pinned base version (one detached Lance commit per table), and the mutation is published
//! as one commit. The read set is every table loaded (written, key/uniqueness, endpoint,
//! cardinality and cascade checks).

pub(crate) mod append;
mod checks;
mod statements;
mod values;
mod working;

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use omnigraph_lang::diagnostic::Diagnostic;
use omnigraph_lang::ir::{MutationPlan, Plan, Statement};
use omnigraph_lang::params::{bind_params, Params};
use omnigraph_lang::span::{SourceText, Span};
use omnigraph_manifest::{BranchName, GraphId, Pin};
use serde::Serialize;

use crate::clock::now_ms;
use crate::exec::compile::{diagnostics_error, QUERY_FILE};
use crate::protocol::write::{Operation, Planned};
use crate::{Engine, EngineError, ReadTarget, Snapshot};

use statements::Affected;
use working::{table_batch, Working};

/// The acknowledged result of a mutation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MutationOutcome {
    pub affected_nodes: u64,
    pub affected_edges: u64,
    pub commit: String,
    pub version: u64,
}

/// One execution of a mutation plan against one snapshot.
pub(crate) struct Run<'a> {
    engine: &'a Engine,
    snapshot: &'a Snapshot,
    plan: &'a MutationPlan,
    params: &'a Params,
    now: i64,
    source: &'a str,
}

impl Run<'_> {
    /// A `bad_request` with one §8.1 diagnostic at `span`.
    fn fail(&self, code: &'static str, span: Span, message: String) -> EngineError {
        let src = SourceText::new(QUERY_FILE, self.source);
        let diag = Diagnostic::error(code, span, message.clone());
        EngineError::BadRequest {
            message: format!("{code}: {message}"),
            diagnostics: serde_json::to_value(diag.to_json(&src))
                .into_iter()
                .collect(),
        }
    }

    fn span_of(&self, index: usize) -> Span {
        match self.plan.statements.get(index) {
            Some(
                Statement::Insert { span, .. }
                | Statement::Update { span, .. }
                | Statement::Delete { span, .. },
            ) => *span,
            None => Span::default(),
        }
    }

    async fn execute(&self) -> Result<(Working, Affected), EngineError> {
        let mut work = Working::default();
        let mut affected = Affected::default();
        for (index, stmt) in self.plan.statements.iter().enumerate() {
            self.run_statement(index, stmt, &mut work, &mut affected)
                .await?;
        }
        self.final_checks(&mut work).await?;
        Ok((work, affected))
    }
}

/// The mutation as a write-protocol operation.
struct Mutate<'a> {
    plan: &'a MutationPlan,
    params: Params,
    now: i64,
    source: &'a str,
    prepared: Mutex<Option<(Working, Affected)>>,
}

#[async_trait]
impl Operation for Mutate<'_> {
    fn kind(&self) -> &'static str {
        "mutate"
    }

    async fn plan(&self, engine: &Engine, snapshot: &Snapshot) -> Result<Planned, EngineError> {
        let run = Run {
            engine,
            snapshot,
            plan: self.plan,
            params: &self.params,
            now: self.now,
            source: self.source,
        };
        let (work, affected) = run.execute().await?;
        let planned = Planned {
            read_set: work.read_set(),
            write_set: work.write_set(),
            summary: serde_json::json!({
                "query": self.plan.name,
                "affected_nodes": affected.nodes,
                "affected_edges": affected.edges,
            }),
        };
        if let Ok(mut prepared) = self.prepared.lock() {
            *prepared = Some((work, affected));
        }
        Ok(planned)
    }

    async fn apply(
        &self,
        engine: &Engine,
        snapshot: &Snapshot,
        planned: &Planned,
    ) -> Result<BTreeMap<String, Pin>, EngineError> {
        let batches = {
            let prepared = self
                .prepared
                .lock()
                .map_err(|_| EngineError::internal("mutation state poisoned"))?;
            let (work, _) = prepared
                .as_ref()
                .ok_or_else(|| EngineError::internal("mutation applied before planning"))?;
            let mut batches = Vec::new();
            for table_key in &planned.write_set {
                let (Some(ty), Some(wt)) = (
                    snapshot.catalog.by_table_key(table_key),
                    work.tables.get(table_key),
                ) else {
                    continue;
                };
                batches.push((table_key.clone(), table_batch(ty, wt)?));
            }
            batches
        };
        let mut pins = BTreeMap::new();
        for (table_key, batch) in batches {
            let (uri, base) = engine.open_table(snapshot, &table_key).await?;
            let txn = engine.tables.stage_overwrite(&base, vec![batch]).await?;
            let (_, pin) = engine.tables.commit_detached(&uri, &base, txn).await?;
            pins.insert(table_key, pin);
        }
        Ok(pins)
    }
}

impl Engine {
    /// Runs the mutation `name` (optional when `source` holds exactly one query) of `source` on
    /// `branch` with `params` (a JSON object) as one commit.
    pub async fn mutate(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        source: &str,
        name: Option<&str>,
        params: Option<&serde_json::Value>,
        actor: &str,
    ) -> Result<MutationOutcome, EngineError> {
        let snapshot = self
            .snapshot(graph, &ReadTarget::Branch(branch.clone()))
            .await?;
        let (queries, diags) = omnigraph_lang::check_file(&snapshot.catalog, source);
        if diags.iter().any(|d| d.is_error()) {
            return Err(diagnostics_error(source, &diags));
        }
        let query = match name {
            Some(n) => queries
                .iter()
                .find(|q| q.name == n)
                .ok_or_else(|| EngineError::not_found(format!("query `{n}`")))?,
            None => match queries.as_slice() {
                [only] => only,
                [] => return Err(EngineError::bad_request("the query source holds no query")),
                many => {
                    let names: Vec<String> = many.iter().map(|q| format!("`{}`", q.name)).collect();
                    return Err(EngineError::bad_request(format!(
                        "the query source holds {} queries ({}); name the one to run",
                        many.len(),
                        names.join(", ")
                    )));
                }
            },
        };
        let Plan::Mutation(plan) = omnigraph_lang::lower(query) else {
            return Err(EngineError::bad_request(format!(
                "`{}` is a read query; use query to run it",
                query.name
            )));
        };
        let bound = bind_params(&query.params, query.name_span, params)
            .map_err(|d| diagnostics_error(source, &d))?;
        let op = Mutate {
            plan: &plan,
            params: bound,
            now: i64::try_from(now_ms()).unwrap_or(i64::MAX),
            source,
            prepared: Mutex::new(None),
        };
        let outcome = self.execute_write(graph, branch, actor, &op).await?;
        let affected = op
            .prepared
            .lock()
            .ok()
            .and_then(|p| p.as_ref().map(|(_, a)| *a))
            .unwrap_or_default();
        Ok(MutationOutcome {
            affected_nodes: affected.nodes,
            affected_edges: affected.edges,
            commit: outcome.commit,
            version: outcome.version,
        })
    }
}
