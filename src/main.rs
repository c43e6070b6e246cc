//! `zkcredit`: private credit proofs — the command-line tool.
//!
//! Exit codes: 0 success; 1 a check that ran and said no (e.g. an invalid proof);
//! 2 malformed input or usage.

mod bench_cmd;
mod ceremony_cmd;
mod circuits_cmd;
mod coop_cmd;
mod credential_cmd;
mod demo_cmd;
mod exit;
mod export_cmd;
mod files;
mod identity_cmd;
mod import_cmd;
mod keys;
mod ledger_cmd;
mod node_cmd;
mod output;
mod prove_cmd;
mod registry_cmd;
mod setup_cmd;
mod verify_cmd;

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
    /// Groth16 setup for one circuit shape: writes a keys directory.
    Setup(setup_cmd::Args),
    /// Make or show an identity (a secret and its public commitment).
    #[command(subcommand)]
    Identity(identity_cmd::Command),
    /// Issue a credential (issuers) or show its commitment and registry leaf.
    #[command(subcommand)]
    Credential(credential_cmd::Command),
    /// Local registry and members files: show, root, add, revoke.
    #[command(subcommand)]
    Registry(registry_cmd::Command),
    /// Make a proof (borrowers and members).
    #[command(subcommand)]
    Prove(prove_cmd::Command),
    /// Verify a proof or a batch against what you require (lenders): exit 0 valid, 1 invalid,
    /// 2 malformed input or usage.
    Verify(verify_cmd::Args),
    /// Export a proof and its key for other verifiers.
    #[command(subcommand)]
    Export(export_cmd::Command),
    /// Measure constraints, setup, prove, verify and batch-verify times and sizes.
    Bench(bench_cmd::Args),
    /// The proof-carrying co-op ledger: keygen, init, params, sign, submit, status, produce,
    /// show, verify, path.
    Ledger(ledger_cmd::Args),
    /// A member's actions in one command (plan, prove, sign, submit, report): join, apply,
    /// vote, propose, deposit, withdraw, repay, cancel-loan, claim-history; on --dir DIR or
    /// --node URL.
    Coop(coop_cmd::Args),
    /// Run a whole lending co-op on a fresh ledger, step by step, with figures.
    Demo(demo_cmd::Args),
    /// Serve a ledger over HTTP/JSON as the co-op's node (API v1, dashboard, metrics).
    Node(node_cmd::Args),
    /// Multi-party trusted setup in snarkjs .zkey format: init, contribute, beacon, verify, import.
    #[command(subcommand)]
    Ceremony(ceremony_cmd::Command),
    /// Import a proof made by snarkjs or rapidsnark (proof.json, public.json) as a zkcredit
    /// proof file, after checking it.
    #[command(subcommand)]
    Import(import_cmd::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Circuits(args) => circuits_cmd::run(&args),
        Command::Setup(args) => setup_cmd::run(&args),
        Command::Identity(cmd) => identity_cmd::run(&cmd),
        Command::Credential(cmd) => credential_cmd::run(&cmd),
        Command::Registry(cmd) => registry_cmd::run(&cmd),
        Command::Prove(cmd) => prove_cmd::run(&cmd),
        Command::Verify(args) => verify_cmd::run(&args),
        Command::Export(cmd) => export_cmd::run(&cmd),
        Command::Bench(args) => bench_cmd::run(&args),
        Command::Ledger(args) => ledger_cmd::run(&args),
        Command::Coop(args) => coop_cmd::run(&args),
        Command::Demo(args) => demo_cmd::run(&args),
        Command::Node(args) => node_cmd::run(&args),
        Command::Ceremony(cmd) => ceremony_cmd::run(&cmd),
        Command::Import(cmd) => import_cmd::run(&cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let code = exit::code_of(&e);
            if code == 1 {
                // A check said no: the message starts with what said no ("invalid: …",
                // "refused: …").
                eprintln!("{e:#}");
            } else {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(code)
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
