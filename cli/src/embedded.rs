//! The embedded backend: the commands both modes serve, as calls to the engine on a local
//! directory or S3, answered with the API's wire types (built by `omnigraph_api`, as the
//! service builds them). `load` streams its input with a progress bar on a terminal and
//! `export` streams NDJSON to stdout; everything else is one engine call.

use std::path::Path;

use omnigraph_api::{
    answer_query, read_target, CommitPageResponse, CommitResponse, CreateBranchRequest,
    CreateBranchResponse, DeleteBranchResponse, ExportRequest, InitRequest, InitResponse,
    ListBranchesResponse, LoadRequest, LoadResponse, MutateRequest, MutateResponse, QueryRequest,
    QueryResponse, SchemaResponse, SnapshotResponse,
};
use omnigraph_engine::{
    BranchSource, Engine, EngineError, LoadMode, LoadOptions, QueryLimits, ReadTarget, StatsStart,
};
use omnigraph_manifest::{BranchName, GraphId, PageRequest};
use tokio::io::{AsyncBufRead, BufReader};

use crate::client::CommitsPage;
use crate::output::{print_stats, CliError};
use crate::progress;

/// The engine, the graph the commands name, and the actor recorded on commits.
pub(crate) struct Embedded {
    pub engine: Engine,
    pub graph: GraphId,
    pub actor: String,
    /// The storage counters when the command started (`--stats`).
    pub start: StatsStart,
}

fn branch(name: &str) -> Result<BranchName, CliError> {
    Ok(BranchName::new(name)?)
}

impl Embedded {
    pub(crate) async fn init(&self, req: &InitRequest) -> Result<InitResponse, CliError> {
        let graph = GraphId::new(req.graph.clone())?;
        let head = self.engine.init(&graph, &req.schema, &self.actor).await?;
        Ok(InitResponse::new(&graph, &head))
    }

    /// Streams the input (a file, or standard input for `-`) into the engine as one commit.
    pub(crate) async fn load(
        &self,
        req: &LoadRequest,
        data: &Path,
        batch_rows: usize,
    ) -> Result<LoadResponse, CliError> {
        let mode = LoadMode::parse(req.mode.as_deref().unwrap_or("overwrite"))?;
        let branch = branch(req.branch.as_deref().unwrap_or("main"))?;
        let from = req.from.as_deref().map(BranchName::new).transpose()?;
        let (reader, size): (Box<dyn AsyncBufRead + Unpin + Send>, Option<u64>) =
            if data.as_os_str() == "-" {
                (Box::new(BufReader::new(crate::stdio::stdin_reader())), None)
            } else {
                let file = tokio::fs::File::open(data)
                    .await
                    .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", data.display())))?;
                let size = file.metadata().await.ok().map(|m| m.len());
                (Box::new(BufReader::with_capacity(1 << 20, file)), size)
            };
        let options = LoadOptions {
            batch_rows,
            progress: progress::load_bar(size),
        };
        let outcome = self
            .engine
            .load_reader(
                &self.graph,
                &branch,
                from.as_ref(),
                reader,
                mode,
                &self.actor,
                &options,
            )
            .await?;
        Ok(LoadResponse::from(outcome))
    }

    /// Writes the export to stdout. A closed pipe (`omnigraph export | head`) ends it quietly.
    pub(crate) async fn export(&self, req: &ExportRequest) -> Result<(), CliError> {
        let target = read_target(&req.at)?;
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, crate::stdio::Stdout::new());
        match self
            .engine
            .export(&self.graph, &target, &req.types, &mut out)
            .await
        {
            Ok(_) => Ok(()),
            Err(EngineError::Unavailable(msg)) if msg.contains("Broken pipe") => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Runs a read query with the asked limits (the engine's defaults where none is asked).
    pub(crate) async fn query(&self, req: &QueryRequest) -> Result<QueryResponse, CliError> {
        let limits = req.limits.over(&QueryLimits::default());
        Ok(answer_query(&self.engine, &self.graph, req, &limits).await?)
    }

    /// Runs a mutation as one commit.
    pub(crate) async fn mutate(&self, req: &MutateRequest) -> Result<MutateResponse, CliError> {
        let branch = branch(req.branch.as_deref().unwrap_or("main"))?;
        let out = self
            .engine
            .mutate(
                &self.graph,
                &branch,
                &req.query,
                req.name.as_deref(),
                req.params.as_ref(),
                &self.actor,
            )
            .await?;
        Ok(MutateResponse::from(out))
    }

    pub(crate) async fn snapshot(&self, name: &str) -> Result<SnapshotResponse, CliError> {
        let snap = self
            .engine
            .snapshot(&self.graph, &ReadTarget::Branch(branch(name)?))
            .await?;
        Ok(SnapshotResponse::from(&snap))
    }

    pub(crate) async fn schema(&self, name: &str) -> Result<SchemaResponse, CliError> {
        let snap = self
            .engine
            .snapshot(&self.graph, &ReadTarget::Branch(branch(name)?))
            .await?;
        let schema = self
            .engine
            .schema_source(&self.graph, &snap.schema_hash)
            .await?;
        Ok(SchemaResponse {
            schema,
            hash: snap.schema_hash,
        })
    }

    pub(crate) async fn create_branch(
        &self,
        req: &CreateBranchRequest,
    ) -> Result<CreateBranchResponse, CliError> {
        let source = match (&req.from, &req.commit) {
            (_, Some(id)) => BranchSource::Commit(id.clone()),
            (Some(b), None) => BranchSource::Branch(branch(b)?),
            (None, None) => BranchSource::Branch(BranchName::main()),
        };
        let name = branch(&req.name)?;
        let head = self
            .engine
            .create_branch(&self.graph, &name, &source)
            .await?;
        Ok(CreateBranchResponse::new(&name, &head))
    }

    pub(crate) async fn list_branches(&self) -> Result<ListBranchesResponse, CliError> {
        Ok(self.engine.list_branches(&self.graph).await?.into())
    }

    pub(crate) async fn delete_branch(&self, name: &str) -> Result<DeleteBranchResponse, CliError> {
        self.engine
            .delete_branch(&self.graph, &branch(name)?)
            .await?;
        Ok(DeleteBranchResponse {
            deleted: name.to_string(),
        })
    }

    pub(crate) async fn commits(
        &self,
        page: &CommitsPage<'_>,
    ) -> Result<CommitPageResponse, CliError> {
        let request = PageRequest {
            cursor: page.cursor.map(str::to_string),
            limit: page.limit,
        };
        let found = self
            .engine
            .list_commits(&self.graph, &branch(page.branch)?, page.actor, &request)
            .await?;
        Ok(found.into())
    }

    pub(crate) async fn commit(&self, id: &str) -> Result<CommitResponse, CliError> {
        Ok(self.engine.require_commit(&self.graph, id).await?.into())
    }

    /// `--stats`: the storage requests made since the command started, on stderr.
    pub(crate) fn print_stats(&self) {
        print_stats(&self.engine.stats_since(&self.start));
    }
}
