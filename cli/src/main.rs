//! The `omnigraph` command-line interface: the embedded engine on a local directory or S3,
//! or a remote endpoint.

use clap::{Parser, Subcommand};

/// OmniGraph: an object-store-native typed property-graph database.
#[derive(Parser, Debug)]
#[command(name = "omnigraph", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the version.
    Version,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Version => {
            println!("omnigraph {}", env!("CARGO_PKG_VERSION"));
            std::process::ExitCode::SUCCESS
        }
    }
}
