//! The rows a scan produced: one Arrow batch with its `id` column and column lookup, and where
//! its rows sit in an unfiltered in-order scan of the whole table.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch, StringArray};
use omnigraph_lang::value::Value;

use crate::storage::rows::cell_value;
use crate::EngineError;

/// No row (an unbound slot, or a row with no node-index entry).
pub(crate) const NONE: u32 = u32::MAX;

/// Where a table's rows sit in an unfiltered in-order scan of the whole table.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// Row `r` is row `r` of the unfiltered scan.
    Full,
    /// Row `r` is row `rows[r]` of the unfiltered scan.
    Subset(Arc<Vec<u32>>),
    /// Not known (rows filtered by Lance).
    Unknown,
}

/// Rows of one table (or of the candidates of one variable) with the columns a query reads.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub batch: RecordBatch,
    ids: StringArray,
    cols: HashMap<String, usize>,
    pub origin: Origin,
}

impl Table {
    pub(crate) fn new(batch: RecordBatch) -> Result<Self, EngineError> {
        Self::with_origin(batch, Origin::Unknown)
    }

    pub(crate) fn with_origin(batch: RecordBatch, origin: Origin) -> Result<Self, EngineError> {
        let ids = batch
            .column_by_name("id")
            .and_then(|c| c.as_string_opt::<i32>().cloned())
            .ok_or_else(|| EngineError::internal("scan without a Utf8 `id` column"))?;
        let cols = batch
            .schema()
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name().clone(), i))
            .collect();
        Ok(Self {
            batch,
            ids,
            cols,
            origin,
        })
    }

    /// The column `prop`, if scanned.
    pub(crate) fn column(&self, prop: &str) -> Option<&arrow_array::ArrayRef> {
        self.cols.get(prop).map(|c| self.batch.column(*c))
    }

    pub(crate) fn len(&self) -> usize {
        self.batch.num_rows()
    }

    pub(crate) fn id(&self, row: u32) -> &str {
        self.ids.value(row as usize)
    }

    /// The value of `prop` (`id` included) in `row`.
    pub(crate) fn value(&self, row: u32, prop: &str) -> Result<Value, EngineError> {
        let col = self
            .cols
            .get(prop)
            .ok_or_else(|| EngineError::internal(format!("column `{prop}` was not scanned")))?;
        cell_value(self.batch.column(*col).as_ref(), row as usize)
    }

    /// The string value of a `String` column (`None` for null).
    pub(crate) fn str_value(&self, row: u32, prop: &str) -> Option<&str> {
        let col = self.cols.get(prop)?;
        let arr = self.batch.column(*col).as_string_opt::<i32>()?;
        if arr.is_null(row as usize) {
            None
        } else {
            Some(arr.value(row as usize))
        }
    }
}
