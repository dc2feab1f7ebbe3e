//! `mutate`: run a `.gq` mutation on a branch as one commit.

use omnigraph_engine::Engine;
use omnigraph_manifest::{BranchName, GraphId};

use crate::commands::offline;
use crate::output::CliError;

/// The `-e` / `--file` / `--name` / `--params` / `--branch` arguments of `mutate`.
pub struct MutateArgs<'a> {
    pub expr: Option<&'a str>,
    pub file: Option<&'a std::path::Path>,
    pub name: Option<&'a str>,
    pub params: Option<&'a str>,
    pub branch: Option<&'a str>,
}

/// Runs the mutation; prints `{"affected_nodes","affected_edges","commit","version"}`.
pub async fn run(
    engine: &Engine,
    graph: &GraphId,
    args: MutateArgs<'_>,
    actor: &str,
) -> Result<serde_json::Value, CliError> {
    let source = match (args.expr, args.file) {
        (Some(e), _) => e.to_string(),
        (None, Some(f)) => offline::read_source(f)?,
        (None, None) => return Err(CliError::Usage("give -e SOURCE or --file FILE".into())),
    };
    let params: Option<serde_json::Value> = match args.params {
        Some(text) => Some(
            serde_json::from_str(text)
                .map_err(|e| CliError::Usage(format!("--params is not JSON: {e}")))?,
        ),
        None => None,
    };
    let branch = BranchName::new(args.branch.unwrap_or("main"))?;
    let out = engine
        .mutate(graph, &branch, &source, args.name, params.as_ref(), actor)
        .await?;
    Ok(serde_json::json!({
        "affected_nodes": out.affected_nodes,
        "affected_edges": out.affected_edges,
        "commit": out.commit,
        "version": out.version,
    }))
}
