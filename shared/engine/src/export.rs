//! Export (docs/reference/data.md, "Export"): a snapshot's rows as NDJSON in exactly the record
//! shape a load reads, so `export` → `load --mode overwrite` into an empty graph reproduces it.
//!
//! Order: node types by name, then edge types by name (so the output loads in one pass: every
//! endpoint precedes its edges); rows by id in byte order. Node lines are
//! `{"type":T,"data":{"id":…,<every property by name>}}`, edge lines
//! `{"edge":E,"from":…,"to":…,"data":{"id":…,…}}`; nulls are written as `null`, values as
//! in docs/reference/data.md, "Value encoding", except blobs, which are written in their
//! loadable form (`"base64:…"`).
//!
//! Streaming: each table is scanned sorted by id (the storage layer sorts one table's rows;
//! that sort, not the output, bounds memory) and written batch by batch to the caller's
//! writer; the export is never built as one string.

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use futures::TryStreamExt;
use lance::dataset::scanner::ColumnOrdering;
use omnigraph_lang::catalog::TypeDef;
use omnigraph_lang::diagnostic::did_you_mean;
use omnigraph_manifest::GraphId;
use serde::Serialize;
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::engine::{Engine, ReadTarget, Snapshot};
use crate::storage::location::StoreLocation;
use crate::storage::rows::cell_value;
use crate::EngineError;
use object_store::ObjectStore;

/// The S3 object tag on stored exports (the Terraform module's lifecycle rule expires objects
/// carrying it; a local directory ignores tags).
pub const EXPORT_TAG: (&str, &str) = ("omnigraph-export", "1");

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub branch: String,
    pub version: u64,
    pub commit: String,
    /// Rows written per table, in output order.
    pub tables: Vec<serde_json::Value>,
    pub lines: u64,
    pub bytes: u64,
}

impl Engine {
    /// Writes the rows of `target` as NDJSON to `out` (see the module docs). `types` limits
    /// the export to those node and edge types (empty: every type); an unknown name is a
    /// `bad_request`.
    pub async fn export<W: AsyncWrite + Unpin + Send>(
        &self,
        graph: &GraphId,
        target: &ReadTarget,
        types: &[String],
        out: &mut W,
    ) -> Result<ExportSummary, EngineError> {
        let snapshot = self.snapshot(graph, target).await?;
        let selected = select_types(&snapshot, types)?;
        let mut summary = ExportSummary {
            branch: snapshot.branch.to_string(),
            version: snapshot.version,
            commit: snapshot.commit.clone(),
            tables: Vec::new(),
            lines: 0,
            bytes: 0,
        };
        for ty in selected {
            let rows = self.export_table(&snapshot, &ty, out, &mut summary).await?;
            summary
                .tables
                .push(serde_json::json!({"table_key": ty.table_key(), "rows": rows}));
        }
        out.flush().await.map_err(output_error)?;
        Ok(summary)
    }

    /// Stores a finished export as `<graph>/__exports/<name>.ndjson` (one PUT, tagged
    /// [`EXPORT_TAG`]; `name` keeps only ASCII letters, digits, `-` and `_`) and answers its
    /// location: `s3://bucket/key` or a local path. GC never touches these objects (it sweeps
    /// table directories only); on S3 the module's lifecycle rule expires them by the tag.
    pub async fn store_export(
        &self,
        graph: &GraphId,
        name: &str,
        ndjson: Vec<u8>,
    ) -> Result<String, EngineError> {
        let name: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if name.is_empty() {
            return Err(EngineError::bad_request("the export needs a name"));
        }
        let path = self.layout(graph).export_object(&name);
        let mut tags = object_store::TagSet::default();
        tags.push(EXPORT_TAG.0, EXPORT_TAG.1);
        let options = object_store::PutOptions {
            tags,
            ..Default::default()
        };
        self.store
            .put_opts(&path, object_store::PutPayload::from(ndjson), options)
            .await?;
        Ok(match &self.location {
            StoreLocation::S3 { bucket, .. } => format!("s3://{bucket}/{path}"),
            StoreLocation::Local(dir) => dir.join(path.as_ref()).display().to_string(),
        })
    }

    async fn export_table<W: AsyncWrite + Unpin + Send>(
        &self,
        snapshot: &Snapshot,
        ty: &TypeDef,
        out: &mut W,
        summary: &mut ExportSummary,
    ) -> Result<u64, EngineError> {
        let (_, dataset) = self.open_table(snapshot, &ty.table_key()).await?;
        let mut scanner = dataset.scan();
        scanner.order_by(Some(vec![ColumnOrdering::asc_nulls_first("id".into())]))?;
        let mut stream = scanner.try_into_stream().await?;
        let mut props: Vec<&str> = ty.properties.iter().map(|p| p.name.as_str()).collect();
        props.sort_unstable();
        let mut rows = 0u64;
        while let Some(batch) = stream.try_next().await? {
            let text = batch_lines(ty, &props, &batch)?;
            out.write_all(text.as_bytes()).await.map_err(output_error)?;
            rows += batch.num_rows() as u64;
            summary.bytes += text.len() as u64;
        }
        summary.lines += rows;
        Ok(rows)
    }
}

fn output_error(e: std::io::Error) -> EngineError {
    EngineError::Unavailable(format!("cannot write the export: {e}"))
}

/// The types to export, nodes then edges, each by name.
fn select_types(snapshot: &Snapshot, names: &[String]) -> Result<Vec<TypeDef>, EngineError> {
    let catalog = &snapshot.catalog;
    let mut chosen: Vec<TypeDef> = if names.is_empty() {
        catalog.types().cloned().collect()
    } else {
        let mut chosen = Vec::new();
        for name in names {
            let ty = catalog.node(name).or_else(|| catalog.edge(name));
            match ty {
                Some(ty) => chosen.push(ty.clone()),
                None => {
                    let all: Vec<&String> = catalog.types().map(|t| &t.name).collect();
                    let help = did_you_mean(name, all)
                        .map(|c| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    return Err(EngineError::bad_request(format!(
                        "unknown type `{name}`{help}"
                    )));
                }
            }
        }
        chosen
    };
    chosen.sort_by(|a, b| (a.is_edge(), &a.name).cmp(&(b.is_edge(), &b.name)));
    chosen.dedup_by(|a, b| a.table_key() == b.table_key());
    Ok(chosen)
}

/// One NDJSON line per row of `batch` (a scan of `ty`'s table).
fn batch_lines(ty: &TypeDef, props: &[&str], batch: &RecordBatch) -> Result<String, EngineError> {
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .ok_or_else(|| EngineError::internal(format!("`{}` has no `{name}`", ty.name)))
    };
    let text = |array: &dyn Array, row: usize| -> Result<String, EngineError> {
        let s = array
            .as_string_opt::<i32>()
            .ok_or_else(|| EngineError::internal("id column is not Utf8"))?;
        json_text(&serde_json::Value::String(s.value(row).to_string()))
    };
    let ids = column("id")?;
    let ends = if ty.is_edge() {
        Some((column("src")?, column("dst")?))
    } else {
        None
    };
    let columns: Vec<(&str, &arrow_array::ArrayRef)> = props
        .iter()
        .map(|p| column(p).map(|c| (*p, c)))
        .collect::<Result<_, _>>()?;
    let name = json_text(&serde_json::Value::String(ty.name.clone()))?;
    let mut out = String::new();
    for row in 0..batch.num_rows() {
        match &ends {
            Some((src, dst)) => {
                out.push_str("{\"edge\":");
                out.push_str(&name);
                out.push_str(",\"from\":");
                out.push_str(&text(src.as_ref(), row)?);
                out.push_str(",\"to\":");
                out.push_str(&text(dst.as_ref(), row)?);
            }
            None => {
                out.push_str("{\"type\":");
                out.push_str(&name);
            }
        }
        out.push_str(",\"data\":{\"id\":");
        out.push_str(&text(ids.as_ref(), row)?);
        for (prop, array) in &columns {
            out.push(',');
            out.push_str(&json_text(&serde_json::Value::String(prop.to_string()))?);
            out.push(':');
            let value = cell_value(array.as_ref(), row)?;
            out.push_str(&json_text(&value.to_loadable_json())?);
        }
        out.push_str("}}\n");
    }
    Ok(out)
}

fn json_text(value: &serde_json::Value) -> Result<String, EngineError> {
    serde_json::to_string(value).map_err(|e| EngineError::internal(format!("export encoding: {e}")))
}
