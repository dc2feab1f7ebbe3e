//! Commands on a graph in a store: init, snapshot, branches, commits, schema show/plan.

use omnigraph_engine::{BranchSource, Engine, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId, PageRequest};
use serde_json::json;

use crate::args::{BranchCommand, CommitCommand};
use crate::output::CliError;

fn branch(name: &str) -> Result<BranchName, CliError> {
    Ok(BranchName::new(name)?)
}

pub async fn init(
    engine: &Engine,
    graph: &GraphId,
    schema_src: &str,
    actor: &str,
) -> Result<serde_json::Value, CliError> {
    let head = engine.init(graph, schema_src, actor).await?;
    Ok(
        json!({"graph": graph, "branch": "main", "version": head.version, "commit": head.commit_id,
              "tables": head.tables.len()}),
    )
}

/// The JSONL input of `load`: a file, or standard input for `-`.
pub fn read_data(data: &std::path::Path) -> Result<String, CliError> {
    if data.as_os_str() == "-" {
        let mut buf = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut buf)
            .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
        Ok(buf)
    } else {
        crate::commands::offline::read_source(data)
    }
}

pub async fn snapshot(
    engine: &Engine,
    graph: &GraphId,
    name: &str,
) -> Result<serde_json::Value, CliError> {
    let snap = engine
        .snapshot(graph, &ReadTarget::Branch(branch(name)?))
        .await?;
    let tables: Vec<serde_json::Value> = snap
        .tables
        .iter()
        .map(|(key, pin)| json!({"table_key": key, "version": pin.version, "rows": pin.rows}))
        .collect();
    Ok(
        json!({"graph": graph, "branch": snap.branch, "version": snap.version, "commit": snap.commit,
              "schema_hash": snap.schema_hash, "tables": tables}),
    )
}

pub async fn branch_cmd(
    engine: &Engine,
    graph: &GraphId,
    cmd: &BranchCommand,
) -> Result<serde_json::Value, CliError> {
    match cmd {
        BranchCommand::Create { name, from, commit } => {
            let source = match (from, commit) {
                (_, Some(id)) => BranchSource::Commit(id.clone()),
                (Some(b), None) => BranchSource::Branch(branch(b)?),
                (None, None) => BranchSource::Branch(BranchName::main()),
            };
            let head = engine.create_branch(graph, &branch(name)?, &source).await?;
            Ok(json!({"branch": name, "version": head.version, "commit": head.commit_id}))
        }
        BranchCommand::List => Ok(json!({"branches": engine.list_branches(graph).await?})),
        BranchCommand::Delete { name } => {
            engine.delete_branch(graph, &branch(name)?).await?;
            Ok(json!({"deleted": name}))
        }
    }
}

pub async fn commit_cmd(
    engine: &Engine,
    graph: &GraphId,
    cmd: &CommitCommand,
) -> Result<serde_json::Value, CliError> {
    match cmd {
        CommitCommand::List {
            branch: b,
            actor,
            limit,
            cursor,
        } => {
            let page = PageRequest {
                cursor: cursor.clone(),
                limit: *limit,
            };
            let page = engine
                .list_commits(graph, &branch(b)?, actor.as_deref(), &page)
                .await?;
            Ok(serde_json::to_value(page).map_err(|e| CliError::Usage(e.to_string()))?)
        }
        CommitCommand::Show { id } => {
            let commit = engine.require_commit(graph, id).await?;
            Ok(serde_json::to_value(commit).map_err(|e| CliError::Usage(e.to_string()))?)
        }
    }
}

pub async fn schema_show(
    engine: &Engine,
    graph: &GraphId,
    name: &str,
) -> Result<serde_json::Value, CliError> {
    let snap = engine
        .snapshot(graph, &ReadTarget::Branch(branch(name)?))
        .await?;
    let source = engine.schema_source(graph, &snap.schema_hash).await?;
    Ok(json!({"schema": source, "hash": snap.schema_hash}))
}
