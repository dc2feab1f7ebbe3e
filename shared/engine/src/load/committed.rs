//! Reads of committed rows a load validates against: streamed scans of a few columns of one
//! table at the snapshot's pinned version (never whole rows).

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use futures::TryStreamExt;

use crate::engine::{Engine, Snapshot};
use crate::EngineError;

/// Calls `visit` with each batch of `columns` of the committed rows of `table_key`.
pub(super) async fn scan_columns(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
    columns: &[String],
    mut visit: impl FnMut(&RecordBatch) -> Result<(), EngineError>,
) -> Result<(), EngineError> {
    let (_, dataset) = engine.open_table(snapshot, table_key).await?;
    let mut scanner = dataset.scan();
    scanner.project(columns)?;
    let mut stream = scanner.try_into_stream().await?;
    while let Some(batch) = stream.try_next().await? {
        visit(&batch)?;
    }
    Ok(())
}

/// The `Utf8` column `name` of `batch`.
pub(super) fn text_column<'b>(
    batch: &'b RecordBatch,
    name: &str,
) -> Result<&'b arrow_array::StringArray, EngineError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| EngineError::internal(format!("scan without a Utf8 `{name}` column")))
}

/// The value of row `row` of a `Utf8` column (`None` for null).
pub(super) fn text_at(array: &arrow_array::StringArray, row: usize) -> Option<&str> {
    (!array.is_null(row)).then(|| array.value(row))
}

/// Ids of the committed rows of `table_key`.
pub(super) async fn committed_ids(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
) -> Result<super::FastSet<String>, EngineError> {
    let mut ids = super::FastSet::default();
    scan_columns(engine, snapshot, table_key, &["id".to_string()], |batch| {
        let col = text_column(batch, "id")?;
        ids.extend((0..batch.num_rows()).filter_map(|r| text_at(col, r).map(str::to_string)));
        Ok(())
    })
    .await?;
    Ok(ids)
}

/// `(id, src, dst)` of the committed edges of `table_key`.
pub(super) async fn committed_edges(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
) -> Result<Vec<(String, String, String)>, EngineError> {
    let mut out = Vec::new();
    let columns = ["id", "src", "dst"].map(String::from);
    scan_columns(engine, snapshot, table_key, &columns, |batch| {
        let (ids, srcs, dsts) = (
            text_column(batch, "id")?,
            text_column(batch, "src")?,
            text_column(batch, "dst")?,
        );
        for r in 0..batch.num_rows() {
            if let (Some(id), Some(s), Some(d)) =
                (text_at(ids, r), text_at(srcs, r), text_at(dsts, r))
            {
                out.push((id.to_string(), s.to_string(), d.to_string()));
            }
        }
        Ok(())
    })
    .await?;
    Ok(out)
}
