//! `load` (streamed from a file or stdin, with a progress bar on a terminal) and `export`
//! (NDJSON streamed to stdout).

use omnigraph_engine::{Engine, EngineError, LoadMode, LoadOptions, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId};
use tokio::io::{AsyncBufRead, BufReader};

use crate::output::CliError;
use crate::progress;

/// The arguments of `load`.
pub struct LoadArgs<'a> {
    pub data: &'a std::path::Path,
    pub mode: &'a str,
    pub branch: &'a str,
    pub from: Option<&'a str>,
    pub batch_rows: usize,
}

/// Streams the input into the engine; prints `{branch, commit, version, tables}`.
pub async fn load(
    engine: &Engine,
    graph: &GraphId,
    args: LoadArgs<'_>,
    actor: &str,
) -> Result<serde_json::Value, CliError> {
    let mode = LoadMode::parse(args.mode)?;
    let branch = BranchName::new(args.branch)?;
    let from = args.from.map(BranchName::new).transpose()?;
    let (reader, size): (Box<dyn AsyncBufRead + Unpin + Send>, Option<u64>) =
        if args.data.as_os_str() == "-" {
            (Box::new(BufReader::new(crate::stdio::stdin_reader())), None)
        } else {
            let file = tokio::fs::File::open(args.data).await.map_err(|e| {
                CliError::Usage(format!("cannot read {}: {e}", args.data.display()))
            })?;
            let size = file.metadata().await.ok().map(|m| m.len());
            let reader = BufReader::with_capacity(1 << 20, file);
            (Box::new(reader), size)
        };
    let options = LoadOptions {
        batch_rows: args.batch_rows,
        progress: progress::load_bar(size),
    };
    let outcome = engine
        .load_reader(graph, &branch, from.as_ref(), reader, mode, actor, &options)
        .await?;
    serde_json::to_value(outcome).map_err(|e| CliError::Usage(e.to_string()))
}

/// Writes the export to stdout. A closed pipe (`omnigraph export | head`) ends it quietly.
pub async fn export(
    engine: &Engine,
    graph: &GraphId,
    target: &ReadTarget,
    types: &[String],
) -> Result<(), CliError> {
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, crate::stdio::Stdout::new());
    match engine.export(graph, target, types, &mut out).await {
        Ok(_) => Ok(()),
        Err(EngineError::Unavailable(msg)) if msg.contains("Broken pipe") => Ok(()),
        Err(e) => Err(e.into()),
    }
}
