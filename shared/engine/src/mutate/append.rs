//! The simplest writer: append Arrow rows to one table (used by loads and by tests of the
//! write protocol's request budgets).

use std::collections::{BTreeMap, BTreeSet};

use arrow_array::RecordBatch;
use async_trait::async_trait;
use omnigraph_manifest::Pin;
use serde::Serialize;

use crate::engine::{Engine, Snapshot};
use crate::protocol::write::{Operation, Planned};
use crate::EngineError;

/// Appends `batch` to the table `table_key`.
#[derive(Debug, Clone)]
pub struct AppendRows {
    pub table_key: String,
    pub batch: RecordBatch,
}

/// What an append's commit records: rows appended per table.
#[derive(Debug, Clone, Serialize)]
pub struct AppendSummary {
    pub appended: BTreeMap<String, usize>,
}

#[async_trait]
impl Operation for AppendRows {
    type Plan = ();
    type Summary = AppendSummary;

    fn kind(&self) -> &'static str {
        "append"
    }

    async fn plan(
        &self,
        _engine: &Engine,
        snapshot: &Snapshot,
    ) -> Result<Planned<(), AppendSummary>, EngineError> {
        let ty = snapshot
            .catalog
            .by_table_key(&self.table_key)
            .ok_or_else(|| {
                EngineError::bad_request(format!("unknown table `{}`", self.table_key))
            })?;
        let expected = ty.arrow_schema();
        if self.batch.schema().fields() != expected.fields() {
            return Err(EngineError::bad_request(format!(
                "rows for `{}` do not match its schema",
                self.table_key
            )));
        }
        Ok(Planned {
            read_set: BTreeSet::new(),
            write_set: if self.batch.num_rows() == 0 {
                BTreeSet::new()
            } else {
                BTreeSet::from([self.table_key.clone()])
            },
            summary: AppendSummary {
                appended: BTreeMap::from([(self.table_key.clone(), self.batch.num_rows())]),
            },
            plan: (),
        })
    }

    async fn apply(
        &self,
        engine: &Engine,
        snapshot: &Snapshot,
        _write_set: &BTreeSet<String>,
        _plan: (),
    ) -> Result<BTreeMap<String, Pin>, EngineError> {
        let (uri, base) = engine.open_table(snapshot, &self.table_key).await?;
        let txn = engine
            .tables
            .stage_append(&base, vec![self.batch.clone()])
            .await?;
        let (_, pin) = engine.tables.commit_detached(&uri, &base, txn).await?;
        Ok(BTreeMap::from([(self.table_key.clone(), pin)]))
    }
}
