//! The binary edge: parse arguments, run the command, print its error, pick the exit code.

pub mod args;
mod contract;
pub mod contract_args;
mod export;
mod export_inputs;
mod generate;
mod hook;
mod lineage;
mod locate;
mod man;
mod manifest;
mod plan;
mod progress;
mod replay;
mod reproduce;
mod rerun;
mod summary;

use clap::Parser;

use crate::error::{EXIT_BAD_INPUT, Error};
use args::{Cli, Command, HookCommand, ManifestCommand, NotesCommand, ProvenanceCommand};

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
    summary::set_quiet(cli.quiet);
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
        Command::Manifest(ManifestCommand::Init(a)) | Command::Init(a) => manifest::init(a),
        Command::Rerun(a) => rerun::run(a),
        Command::Manifest(ManifestCommand::Validate(a)) | Command::Validate(a) => {
            manifest::validate(a)
        }
        Command::Manifest(ManifestCommand::InitFromPlan(a)) => plan::run(a),
        Command::Manifest(ManifestCommand::Export(a)) | Command::Export(a) => export::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Contract(c) => contract::run(c),
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
        Command::Hook(HookCommand::Run { hook, .. }) => hook::run(hook),
    }
}

/// Where a writing command runs, and the policy it runs under (its warnings printed).
fn session(
    policy: Option<&std::path::Path>,
) -> Result<(crate::workspace::Workspace, crate::policy::Policy), Error> {
    let workspace = crate::workspace::Workspace::current();
    let policy = crate::policy::Policy::discover(
        policy,
        std::path::Path::new("."),
        workspace.repo_root.as_deref(),
    )?;
    manifest::print_warnings(&policy.warnings);
    Ok((workspace, policy))
}

/// Everything a command's derivation runs against besides its options: the workspace, the
/// policy, and (for a reproduction) the document time to render with. A command run from the
/// command line gets [`Site::current`]; a replay builds one for the working tree or a scratch
/// directory.
#[derive(Clone)]
pub(crate) struct Site {
    pub workspace: crate::workspace::Workspace,
    pub policy: crate::policy::Policy,
    /// Forces `generated_at`: a reproduction renders at the recorded document time.
    pub document_time: Option<String>,
    /// Print nothing (no summary, no warnings): replays report for themselves.
    pub quiet: bool,
    /// A replay's recorded configuration: an option replayed with its recorded value keeps its
    /// recorded source (a replay names every path explicitly, but the user may not have).
    pub recorded: Option<crate::policy::ConfigSnapshot>,
}

impl Site {
    /// The current directory's workspace and policy (`--policy` overrides discovery).
    fn current(policy: Option<&std::path::Path>) -> Result<Self, Error> {
        let (workspace, policy) = session(policy)?;
        Ok(Self {
            workspace,
            policy,
            document_time: None,
            quiet: false,
            recorded: None,
        })
    }

    /// Gives each option replayed with its recorded value its recorded source, so that a
    /// replay that changes nothing keeps the run record as it is.
    fn keep_recorded_sources(&self, config: &mut crate::policy::ConfigSnapshot) {
        let Some(recorded) = &self.recorded else {
            return;
        };
        for (key, setting) in config.0.iter_mut() {
            if let Some(r) = recorded.0.get(key).filter(|r| r.value == setting.value) {
                setting.source = r.source.clone();
            }
        }
    }
}

/// What a command run did: its exit code and, when it wrote, what it wrote.
pub(crate) struct Ran {
    pub code: i32,
    pub finished: Option<crate::output::Finished>,
}

impl Ran {
    /// A run stopped by a failed check before writing anything.
    fn stopped(code: i32) -> Self {
        Self {
            code,
            finished: None,
        }
    }
}

/// The start of a writing run: its recorder, strict quality and run provenance, and write
/// strategy, each resolved flag > policy > default and recorded.
fn begin(
    command: &str,
    workspace: &crate::workspace::Workspace,
    policy: &crate::policy::Policy,
    write: &args::WriteArgs,
    strict_flag: Option<bool>,
    strict_default: bool,
) -> (
    crate::provenance::Recorder,
    crate::policy::StrictAndProvenance,
    crate::paths::WriteStrategy,
) {
    let mut recorder = crate::provenance::Recorder::start(command, workspace);
    let resolved = policy.resolve_strict_and_provenance(
        &mut recorder.config,
        strict_flag,
        write.emit_run_provenance(),
        strict_default,
    );
    let strategy =
        policy.resolve_write_strategy(&mut recorder.config, write.document_write_strategy);
    (recorder, resolved, strategy)
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
