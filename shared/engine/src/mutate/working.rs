//! The working copy of a mutation: the rows of every table it reads, loaded once from the
//! snapshot and then changed in memory statement by statement (read-your-writes).

use std::collections::{BTreeMap, BTreeSet};

use omnigraph_lang::catalog::TypeDef;
use omnigraph_lang::data::Record;
use omnigraph_lang::ir::EntityKind;
use omnigraph_lang::value::Value;

use crate::exec::scan::scan_all;
use crate::storage::rows::{cell_value, records_to_batch};
use crate::{Engine, EngineError, Snapshot};

/// One node or edge row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    /// Edges: source and target node ids.
    pub src: Option<String>,
    pub dst: Option<String>,
    /// Every declared property (nulls included).
    pub values: BTreeMap<String, Value>,
    /// Index of the statement that last wrote the row (`None`: committed, untouched).
    pub written_by: Option<usize>,
}

impl Row {
    /// The value of `prop`, with `id`, `src`/`from` and `dst`/`to` resolved.
    pub(super) fn get(&self, id: &str, prop: &str) -> Value {
        match prop {
            "id" => Value::String(id.to_string()),
            "src" | "from" => self.src.clone().map_or(Value::Null, Value::String),
            "dst" | "to" => self.dst.clone().map_or(Value::Null, Value::String),
            other => self.values.get(other).cloned().unwrap_or(Value::Null),
        }
    }
}

/// The working rows of one table.
#[derive(Debug, Clone, Default)]
pub(super) struct WorkTable {
    /// Rows by id (byte order).
    pub rows: BTreeMap<String, Row>,
    /// Written by some statement (part of the write set).
    pub dirty: bool,
    /// Edges: source node ids whose edge count changed, with the last statement that did it.
    pub touched_sources: BTreeMap<String, usize>,
    /// Nodes: ids inserted by some statement, with the last such statement.
    pub inserted: BTreeMap<String, usize>,
}

/// Working tables by table key.
#[derive(Debug, Default)]
pub(super) struct Working {
    pub tables: BTreeMap<String, WorkTable>,
}

impl Working {
    /// The working rows of `table_key`, loaded from the snapshot on first use.
    pub(super) async fn table(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
        table_key: &str,
    ) -> Result<&mut WorkTable, EngineError> {
        if !self.tables.contains_key(table_key) {
            let loaded = load_table(engine, snapshot, table_key).await?;
            self.tables.insert(table_key.to_string(), loaded);
        }
        self.tables
            .get_mut(table_key)
            .ok_or_else(|| EngineError::internal("working table vanished"))
    }

    /// Tables read so far.
    pub(super) fn read_set(&self) -> BTreeSet<String> {
        self.tables.keys().cloned().collect()
    }

    /// Tables written.
    pub(super) fn write_set(&self) -> BTreeSet<String> {
        self.tables
            .iter()
            .filter(|(_, t)| t.dirty)
            .map(|(k, _)| k.clone())
            .collect()
    }
}

async fn load_table(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
) -> Result<WorkTable, EngineError> {
    let ty = snapshot
        .catalog
        .by_table_key(table_key)
        .ok_or_else(|| EngineError::bad_request(format!("unknown table `{table_key}`")))?;
    let columns: Vec<String> = ty
        .arrow_schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let batch = scan_all(engine, snapshot, table_key, &columns).await?;
    let mut rows = BTreeMap::new();
    let col = |name: &str| {
        batch
            .column_by_name(name)
            .ok_or_else(|| EngineError::internal(format!("`{table_key}` has no `{name}` column")))
    };
    let ids = col("id")?;
    let ends = if ty.is_edge() {
        Some((col("src")?, col("dst")?))
    } else {
        None
    };
    let props: Vec<(String, &arrow_array::ArrayRef)> = ty
        .properties
        .iter()
        .map(|p| col(&p.name).map(|c| (p.name.clone(), c)))
        .collect::<Result<_, _>>()?;
    for r in 0..batch.num_rows() {
        let Value::String(id) = cell_value(ids.as_ref(), r)? else {
            return Err(EngineError::internal(format!("null id in `{table_key}`")));
        };
        let text = |v: Value| match v {
            Value::String(s) => Some(s),
            _ => None,
        };
        let (src, dst) = match &ends {
            Some((s, d)) => (
                text(cell_value(s.as_ref(), r)?),
                text(cell_value(d.as_ref(), r)?),
            ),
            None => (None, None),
        };
        let mut values = BTreeMap::new();
        for (name, array) in &props {
            values.insert(name.clone(), cell_value(array.as_ref(), r)?);
        }
        rows.insert(
            id,
            Row {
                src,
                dst,
                values,
                written_by: None,
            },
        );
    }
    Ok(WorkTable {
        rows,
        ..Default::default()
    })
}

/// The final rows of a working table as one batch in the table's schema.
pub(super) fn table_batch(
    ty: &TypeDef,
    table: &WorkTable,
) -> Result<arrow_array::RecordBatch, EngineError> {
    let records: Vec<Record> = table
        .rows
        .iter()
        .map(|(id, row)| Record {
            line: 0,
            table_key: ty.table_key(),
            type_name: ty.name.clone(),
            kind: if ty.is_edge() {
                EntityKind::Edge
            } else {
                EntityKind::Node
            },
            id: Some(id.clone()),
            from: row.src.clone(),
            to: row.dst.clone(),
            values: row.values.clone(),
            embed_pending: Vec::new(),
        })
        .collect();
    records_to_batch(ty, &records)
}
