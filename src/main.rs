//! `zkcredit`: private credit proofs — the command-line tool.
//!
//! Exit codes: 0 success; 1 a check that ran and said no (e.g. an invalid proof);
//! 2 malformed input or usage.

mod circuits_cmd;
mod output;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// zkcredit: prove that attested numbers meet a lender's policy without revealing them.
#[derive(Debug, Parser)]
#[command(name = "zkcredit", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show each circuit's id, constraints, public inputs and witness variables.
    Circuits(circuits_cmd::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Circuits(args) => circuits_cmd::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
