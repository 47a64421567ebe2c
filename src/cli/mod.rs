//! The binary edge: parse arguments, run the command, print its error, pick the exit code.

pub mod args;
pub mod contract_args;
mod hook;
mod lineage;
mod man;
mod progress;

use clap::Parser;

use crate::error::{EXIT_BAD_INPUT, Error};
use crate::ops;
use args::{Cli, Command, HookCommand, ManifestCommand, NotesCommand, ProvenanceCommand};
use contract_args::ContractCommand;

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    restore_sigpipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_BAD_INPUT } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    ops::summary::set_quiet(cli.quiet);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            report(&e);
            e.exit_code()
        }
    }
}

fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Manifest(ManifestCommand::Init(a)) | Command::Init(a) => {
            ops::manifest::init(a.into())
        }
        Command::Rerun(a) => crate::lineage::rerun::run(&a.paths, a.dry_run, a.json),
        Command::Manifest(ManifestCommand::Validate(a)) | Command::Validate(a) => {
            ops::manifest::validate(a.into())
        }
        Command::Manifest(ManifestCommand::InitFromPlan(a)) => ops::init_from_plan::run(a.into()),
        Command::Manifest(ManifestCommand::Export(a)) | Command::Export(a) => {
            ops::export::run(a.into())
        }
        Command::Generate(a) => ops::generate::run(a.into()),
        Command::Contract(ContractCommand::CheckPipeline(a)) => {
            ops::contract::check_pipeline(a.into())
        }
        Command::Contract(ContractCommand::Diagnose(a)) => ops::contract::diagnose(a.into()),
        Command::Provenance(ProvenanceCommand::Status(a)) | Command::Status(a) => {
            lineage::status(a.json)
        }
        Command::Provenance(ProvenanceCommand::Verify(a)) | Command::Verify(a) => {
            lineage::verify(a)
        }
        Command::Provenance(ProvenanceCommand::Show(a)) => lineage::show(a),
        Command::Provenance(ProvenanceCommand::Report(a)) => lineage::report(&a.range),
        Command::Provenance(ProvenanceCommand::Export(a)) => {
            lineage::export_statement(a.target.as_deref())
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "contextcore", &mut std::io::stdout());
            Ok(0)
        }
        Command::Man { out_dir } => man::run(out_dir.as_deref()),
        Command::Notes(NotesCommand::Attach { rev, range }) => {
            hook::notes_attach(rev.as_deref(), range.as_deref())
        }
        Command::Notes(NotesCommand::Push { remote }) => hook::notes_push(&remote),
        Command::Notes(NotesCommand::Fetch { remote }) => hook::notes_fetch(&remote),
        Command::Hook(HookCommand::Install(a)) => hook::install(a),
        Command::Doctor(a) => hook::doctor(a.json),
        Command::Hook(HookCommand::Run { hook, .. }) => crate::lineage::hook_run::run(hook.into()),
    }
}

/// Like every Unix filter, end quietly when the reader of our output goes away
/// (`contextcore provenance show | head`) instead of panicking on a broken pipe.
fn restore_sigpipe() {
    #[cfg(unix)]
    // Safety: called once at start-up, before any thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Errors name files and quote values from them: control characters are escaped, never
/// sent to the terminal.
fn report(e: &Error) {
    use crate::quote::line;
    match e {
        Error::Input(diagnostics) => {
            for d in diagnostics {
                eprintln!("{}", line(&d.to_string()));
            }
        }
        Error::CheckFailed(message) => eprintln!("{}", lines(message)),
        Error::Untrusted { .. } => eprintln!("tampered: {}", line(&e.to_string())),
        other => eprintln!("error: {}", lines(&other.to_string())),
    }
}

/// A message of several lines, each line's control characters escaped: a message's own line
/// breaks stay line breaks (values inside it were quoted where they were put in).
fn lines(message: &str) -> String {
    message
        .split('\n')
        .map(crate::quote::line)
        .collect::<Vec<_>>()
        .join("\n")
}
