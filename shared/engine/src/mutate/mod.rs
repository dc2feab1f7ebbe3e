//! `.gq` mutations (docs/reference/queries.md, "Mutations") through the write protocol.
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

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use omnigraph_lang::diagnostic::Diagnostic;
use omnigraph_lang::ir::{MutationPlan, Plan, Statement};
use omnigraph_lang::params::Params;
use omnigraph_lang::span::{SourceText, Span};
use omnigraph_manifest::{BranchName, GraphId, Pin};
use serde::Serialize;

use crate::clock::now_ms;
use crate::exec::compile::{bind, pick_query, QUERY_FILE};
use crate::protocol::write::{Operation, Planned};
use crate::{Engine, EngineError, Snapshot};

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
    /// A `bad_request` with one diagnostic at `span` (docs/reference/diagnostics.md,
    /// "Diagnostic shape").
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

/// What a mutation's commit records.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MutationSummary {
    query: String,
    affected_nodes: u64,
    affected_edges: u64,
}

/// The mutation as a write-protocol operation: the query is compiled, its parameters bound
/// and its statements run in [`Operation::plan`], against the snapshot being planned.
struct Mutate<'a> {
    source: &'a str,
    name: Option<&'a str>,
    params: Option<&'a serde_json::Value>,
    now: i64,
}

#[async_trait]
impl Operation for Mutate<'_> {
    type Plan = Working;
    type Summary = MutationSummary;

    fn kind(&self) -> &'static str {
        "mutate"
    }

    async fn plan(
        &self,
        engine: &Engine,
        snapshot: &Snapshot,
    ) -> Result<Planned<Working, MutationSummary>, EngineError> {
        let query = pick_query(&snapshot.catalog, self.source, self.name)?;
        let Plan::Mutation(plan) = omnigraph_lang::lower(&query) else {
            return Err(EngineError::bad_request(format!(
                "`{}` is a read query; use query to run it",
                query.name
            )));
        };
        let params = bind(self.source, &query, self.params)?;
        let run = Run {
            engine,
            snapshot,
            plan: &plan,
            params: &params,
            now: self.now,
            source: self.source,
        };
        let (work, affected) = run.execute().await?;
        Ok(Planned {
            read_set: work.read_set(),
            write_set: work.write_set(),
            summary: MutationSummary {
                query: plan.name.clone(),
                affected_nodes: affected.nodes,
                affected_edges: affected.edges,
            },
            plan: work,
        })
    }

    async fn apply(
        &self,
        engine: &Engine,
        snapshot: &Snapshot,
        write_set: &BTreeSet<String>,
        work: Working,
    ) -> Result<BTreeMap<String, Pin>, EngineError> {
        let mut batches = Vec::new();
        for table_key in write_set {
            let (Some(ty), Some(wt)) = (
                snapshot.catalog.by_table_key(table_key),
                work.tables.get(table_key),
            ) else {
                continue;
            };
            batches.push((table_key.clone(), table_batch(ty, wt)?));
        }
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
        let op = Mutate {
            source,
            name,
            params,
            now: i64::try_from(now_ms()).unwrap_or(i64::MAX),
        };
        let outcome = self.execute_write(graph, branch, actor, &op).await?;
        Ok(MutationOutcome {
            affected_nodes: outcome.summary.affected_nodes,
            affected_edges: outcome.summary.affected_edges,
            commit: outcome.commit,
            version: outcome.version,
        })
    }
}
