//! The `omnigraph` command-line interface: the embedded engine on a local directory or S3, a
//! deployed API (`--endpoint`), or a local HTTP endpoint over the embedded engine (`serve`).
//!
//! Owns argument parsing, output formatting and exit codes; every operation is an engine call
//! or, in remote mode, one HTTP request (`client.rs` runs the commands both modes serve).

mod args;
mod client;
mod commands;
mod embedded;
mod output;
mod progress;
mod remote;
mod serve;
mod sigv4;
mod stdio;

use std::process::ExitCode;

/// The CLI allocates through mimalloc (glibc malloc dominated bulk-load profiles).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use omnigraph_engine::{Engine, ManifestChoice, ReadTarget, StoreLocation};
use omnigraph_manifest::{BranchName, GraphId};

use args::{Cli, Command, SchemaCommand};
use client::Client;
use commands::{offline, query};
use embedded::Embedded;
use output::{print_value, report, resolve_format, CliError};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                output::EXIT_USAGE
            } else {
                0
            });
        }
    };
    let format = resolve_format(cli.target.format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(output::exit_code(omnigraph_api::ErrorCode::Internal));
        }
    };
    let outcome = runtime.block_on(run(&cli));
    commands::bench::rss::report_if_asked();
    match outcome {
        Ok(Outcome::Text(text)) => {
            output::print_line(&text);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Value(value)) => {
            print_value(&value, format);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::Query(result)) => {
            query::print(&result, format);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Lint {
            json,
            human,
            failed,
        }) => {
            if format == args::Format::Json {
                print_value(&json, format);
            } else {
                output::print_line(&human);
            }
            // Errors in the file: what a query with them would answer (`bad_request`).
            match failed {
                true => ExitCode::from(output::exit_code(omnigraph_api::ErrorCode::BadRequest)),
                false => ExitCode::SUCCESS,
            }
        }
        // Errors are a human sentence unless JSON was asked for explicitly.
        Err(e) => report(e, cli.target.format.unwrap_or(args::Format::Table)),
    }
}

pub(crate) enum Outcome {
    Value(serde_json::Value),
    /// Nothing to print: `serve` after it stopped, or a command that wrote its own output (export).
    Done,
    /// Text printed as is (the benchmark report).
    Text(String),
    /// A read query's answer, printed in the chosen format.
    Query(omnigraph_api::QueryResponse),
    Lint {
        json: serde_json::Value,
        human: String,
        failed: bool,
    },
}

async fn open(cli: &Cli) -> Result<Embedded, CliError> {
    let location = StoreLocation::parse(&cli.target.store)?;
    let manifest = ManifestChoice::parse(&cli.target.manifest)?;
    let graph = GraphId::new(cli.target.graph.clone())?;
    let engine = Engine::open(location, manifest).await?;
    if let Some(secs) = cli.target.recovery_deadline_secs {
        engine.set_sidecar_deadline(std::time::Duration::from_secs(secs));
    }
    Ok(Embedded {
        start: engine.stats_start(),
        engine,
        graph,
        actor: cli.target.actor.clone(),
    })
}

async fn run(cli: &Cli) -> Result<Outcome, CliError> {
    // Offline commands first: they never touch a store.
    match &cli.command {
        Command::Version => {
            return Ok(Outcome::Value(
                serde_json::json!({"omnigraph": env!("CARGO_PKG_VERSION"),
                    "failpoints": omnigraph_engine::failpoints::ENABLED}),
            ))
        }
        Command::Bench(cmd) => return Ok(Outcome::Text(commands::bench::dispatch(cmd).await?)),
        Command::Lint {
            file,
            schema: Some(schema),
        } => {
            let catalog = offline::compile(schema)?;
            let r = offline::lint(file, &catalog)?;
            return Ok(Outcome::Lint {
                json: r.json,
                human: r.human,
                failed: r.has_errors,
            });
        }
        Command::Schema(SchemaCommand::Plan {
            schema,
            from: Some(from),
        }) => {
            let accepted = offline::compile(from)?;
            return Ok(Outcome::Value(offline::plan(&accepted, schema)?));
        }
        _ => {}
    }
    if let Some(endpoint) = &cli.target.endpoint {
        let remote = remote::Remote::new(endpoint, cli.target.token.clone(), &cli.target.graph)?
            .with_iam_auth()
            .await?;
        let client = Client::Remote(remote);
        return match client.run(cli).await? {
            Some(outcome) => {
                client.print_stats(cli);
                Ok(outcome)
            }
            None => Err(CliError::Usage(format!(
                "`{}` runs on an embedded store only; drop --endpoint",
                command_name(&cli.command)
            ))),
        };
    }
    if let Command::Serve {
        bind,
        max_body_bytes,
        max_rows,
        max_inline_export_bytes,
    } = &cli.command
    {
        let mut config = omnigraph_api::ApiConfig::new(&cli.target.store, &cli.target.manifest);
        config.max_body_bytes = *max_body_bytes;
        config.max_rows = *max_rows;
        config.max_inline_export_bytes = *max_inline_export_bytes;
        if let Some(secs) = cli.target.recovery_deadline_secs {
            config.recovery_deadline_secs = secs;
        }
        // One JSON summary line per request on stderr, as the functions log.
        let _ = tracing_subscriber::fmt()
            .json()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,omnigraph=info")),
            )
            .with_writer(std::io::stderr)
            .try_init();
        let service = omnigraph_api::Service::open(config)
            .await
            .map_err(CliError::Api)?;
        let options = serve::ServeOptions {
            bind: bind.clone(),
            token: cli.target.token.clone().filter(|t| !t.is_empty()),
            actor: cli.target.actor.clone(),
        };
        serve::run(service, options)
            .await
            .map_err(|e| CliError::Usage(format!("cannot serve on {bind}: {e}")))?;
        return Ok(Outcome::Done);
    }
    let client = Client::Embedded(Box::new(open(cli).await?));
    if let Some(outcome) = client.run(cli).await? {
        client.print_stats(cli);
        return Ok(outcome);
    }
    let Client::Embedded(embedded) = &client else {
        return Err(CliError::Usage("unreachable command routing".into()));
    };
    let (engine, g) = (&embedded.engine, &embedded.graph);
    // The commands that need the store itself.
    let value = match &cli.command {
        Command::Recover { dry_run, now } => {
            commands::recover::run(engine, g, now.as_deref(), *dry_run).await?
        }
        Command::Cleanup {
            keep,
            older_than,
            confirm,
            now,
            guard,
            function_timeout,
        } => {
            let args = commands::cleanup::CleanupArgs {
                keep: *keep,
                older_than: older_than.as_deref(),
                confirm: *confirm,
                now: now.as_deref(),
                guard: guard.as_deref(),
                function_timeout: function_timeout.as_deref(),
            };
            commands::cleanup::run(engine, g, args).await?
        }
        Command::Schema(SchemaCommand::Plan { schema, from: None }) => {
            let snap = engine
                .snapshot(g, &ReadTarget::Branch(BranchName::main()))
                .await?;
            offline::plan(&snap.catalog, schema)?
        }
        Command::Lint { file, schema: None } => {
            let snap = engine
                .snapshot(g, &ReadTarget::Branch(BranchName::main()))
                .await?;
            let r = offline::lint(file, &snap.catalog)?;
            client.print_stats(cli);
            return Ok(Outcome::Lint {
                json: r.json,
                human: r.human,
                failed: r.has_errors,
            });
        }
        _ => return Err(CliError::Usage("unreachable command routing".into())),
    };
    client.print_stats(cli);
    Ok(Outcome::Value(value))
}

/// The subcommand's name, for messages.
fn command_name(command: &Command) -> String {
    let debug = format!("{command:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("command")
        .to_ascii_lowercase()
}
