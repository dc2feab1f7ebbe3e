//! The commands that run in both modes — `init`, `load`, `export`, `query`, `mutate`,
//! `snapshot`, `schema show`, `branch create|list|delete`, `commit list|show` — written once:
//! each builds the API's wire request from its arguments and prints the wire answer, whether the
//! embedded engine ([`Embedded`]) or an endpoint ([`Remote`]) answered. So both modes print the
//! same bytes for the same result (docs/operations.md, "Remote mode: `--endpoint`").

use std::path::PathBuf;

use omnigraph_api::{
    CreateBranchRequest, ExportRequest, InitRequest, LoadRequest, MutateRequest, QueryRequest,
    ReadAt, RequestLimits,
};
use serde_json::Value;

use crate::args::{BranchCommand, Cli, Command, CommitCommand, LimitArgs, SchemaCommand};
use crate::commands::offline;
use crate::embedded::Embedded;
use crate::output::CliError;
use crate::remote::Remote;
use crate::Outcome;

/// Where the commands go.
pub(crate) enum Client {
    Embedded(Box<Embedded>),
    Remote(Remote),
}

/// `commit list`: which page of which branch's history.
pub(crate) struct CommitsPage<'a> {
    pub branch: &'a str,
    pub actor: Option<&'a str>,
    pub limit: usize,
    pub cursor: Option<&'a str>,
}

/// A wire answer as the JSON the CLI prints.
fn answer<T: serde::Serialize>(value: &T) -> Result<Outcome, CliError> {
    serde_json::to_value(value)
        .map(Outcome::Value)
        .map_err(|e| CliError::Usage(format!("cannot encode the answer: {e}")))
}

fn params(text: Option<&str>) -> Result<Option<Value>, CliError> {
    text.map(|t| {
        serde_json::from_str(t).map_err(|e| CliError::Usage(format!("--params is not JSON: {e}")))
    })
    .transpose()
}

fn source(expr: Option<&String>, file: Option<&PathBuf>) -> Result<String, CliError> {
    match (expr, file) {
        (Some(e), _) => Ok(e.clone()),
        (None, Some(f)) => offline::read_source(f),
        (None, None) => Err(CliError::Usage("give -e SOURCE or --file FILE".into())),
    }
}

fn limits(args: &LimitArgs) -> RequestLimits {
    RequestLimits {
        max_rows: args.max_rows,
        max_expansion: args.max_expansion,
        timeout_ms: args.timeout_ms,
    }
}

impl Client {
    /// Runs `cli.command` if it is one of the commands both modes serve (`None` otherwise).
    pub(crate) async fn run(&self, cli: &Cli) -> Result<Option<Outcome>, CliError> {
        let outcome = match &cli.command {
            Command::Init { schema } => {
                let req = InitRequest {
                    graph: cli.target.graph.clone(),
                    schema: offline::read_source(schema)?,
                };
                answer(&match self {
                    Self::Embedded(e) => e.init(&req).await?,
                    Self::Remote(r) => r.init(&req).await?,
                })?
            }
            Command::Load {
                data,
                mode,
                branch,
                from,
                batch_rows,
            } => {
                let req = LoadRequest {
                    branch: Some(branch.clone()),
                    from: from.clone(),
                    mode: Some(mode.clone()),
                    data: None,
                    source: None,
                };
                answer(&match self {
                    Self::Embedded(e) => e.load(&req, data, *batch_rows).await?,
                    Self::Remote(r) => r.load(req, data).await?,
                })?
            }
            Command::Export {
                branch,
                commit,
                version,
                types,
            } => {
                let req = ExportRequest {
                    at: ReadAt {
                        branch: branch.clone(),
                        commit: commit.clone(),
                        version: *version,
                    },
                    types: types.clone(),
                };
                match self {
                    Self::Embedded(e) => e.export(&req).await?,
                    Self::Remote(r) => r.export(&req).await?,
                }
                Outcome::Done
            }
            Command::Query {
                expr,
                file,
                name,
                params: p,
                branch,
                commit,
                version,
                limits: l,
            } => {
                let req = QueryRequest {
                    query: source(expr.as_ref(), file.as_ref())?,
                    name: name.clone(),
                    params: params(p.as_deref())?,
                    at: ReadAt {
                        branch: branch.clone(),
                        commit: commit.clone(),
                        version: *version,
                    },
                    limits: limits(l),
                };
                Outcome::Query(match self {
                    Self::Embedded(e) => e.query(&req).await?,
                    Self::Remote(r) => r.query(&req).await?,
                })
            }
            Command::Mutate {
                expr,
                file,
                name,
                params: p,
                branch,
            } => {
                let req = MutateRequest {
                    query: source(expr.as_ref(), file.as_ref())?,
                    name: name.clone(),
                    params: params(p.as_deref())?,
                    branch: Some(branch.clone()),
                    idempotency_key: None,
                };
                answer(&match self {
                    Self::Embedded(e) => e.mutate(&req).await?,
                    Self::Remote(r) => r.mutate(&req).await?,
                })?
            }
            Command::Snapshot { branch } => answer(&match self {
                Self::Embedded(e) => e.snapshot(branch).await?,
                Self::Remote(r) => r.snapshot(branch).await?,
            })?,
            Command::Schema(SchemaCommand::Show { branch }) => answer(&match self {
                Self::Embedded(e) => e.schema(branch).await?,
                Self::Remote(r) => r.schema(branch).await?,
            })?,
            Command::Branch(BranchCommand::Create { name, from, commit }) => {
                let req = CreateBranchRequest {
                    name: name.clone(),
                    from: from.clone(),
                    commit: commit.clone(),
                };
                answer(&match self {
                    Self::Embedded(e) => e.create_branch(&req).await?,
                    Self::Remote(r) => r.create_branch(&req).await?,
                })?
            }
            Command::Branch(BranchCommand::List) => answer(&match self {
                Self::Embedded(e) => e.list_branches().await?,
                Self::Remote(r) => r.list_branches().await?,
            })?,
            Command::Branch(BranchCommand::Delete { name }) => answer(&match self {
                Self::Embedded(e) => e.delete_branch(name).await?,
                Self::Remote(r) => r.delete_branch(name).await?,
            })?,
            Command::Commit(CommitCommand::List {
                branch,
                actor,
                limit,
                cursor,
            }) => {
                let page = CommitsPage {
                    branch,
                    actor: actor.as_deref(),
                    limit: *limit,
                    cursor: cursor.as_deref(),
                };
                answer(&match self {
                    Self::Embedded(e) => e.commits(&page).await?,
                    Self::Remote(r) => r.commits(&page).await?,
                })?
            }
            Command::Commit(CommitCommand::Show { id }) => answer(&match self {
                Self::Embedded(e) => e.commit(id).await?,
                Self::Remote(r) => r.commit(id).await?,
            })?,
            _ => return Ok(None),
        };
        Ok(Some(outcome))
    }

    /// `--stats`: the storage requests the command made (embedded), or the round trip
    /// (remote: the server counts the storage requests, in its request log line).
    pub(crate) fn print_stats(&self, cli: &Cli) {
        if cli.target.stats {
            match self {
                Self::Embedded(e) => e.print_stats(),
                Self::Remote(r) => r.print_elapsed(),
            }
        }
    }
}
