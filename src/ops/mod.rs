//! The commands as a library: each takes its typed options ([`options`]) and a [`Site`] and
//! returns what it wrote ([`Ran`]). The command line (`src/cli/`) turns its arguments into
//! these options; lineage's replay (`crate::lineage::replay`) turns a run record into the same
//! options and calls the same functions.

pub mod contract;
pub mod export;
mod export_inputs;
pub mod generate;
pub mod init_from_plan;
pub mod locate;
pub mod manifest;
mod noop;
pub mod options;
pub mod summary;

use crate::error::Error;

/// Where a writing command runs, and the policy it runs under (its warnings printed).
pub fn session(
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
pub struct Site {
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
    pub fn current(policy: Option<&std::path::Path>) -> Result<Self, Error> {
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
    pub fn keep_recorded_sources(&self, config: &mut crate::policy::ConfigSnapshot) {
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
pub struct Ran {
    pub code: i32,
    pub finished: Option<crate::output::Finished>,
}

impl Ran {
    /// A run stopped by a failed check before writing anything.
    pub fn stopped(code: i32) -> Self {
        Self {
            code,
            finished: None,
        }
    }
}

/// The start of a writing run: its recorder, strict quality and run provenance, and write
/// strategy, each resolved flag > policy > default and recorded.
pub fn begin(
    command: &str,
    workspace: &crate::workspace::Workspace,
    policy: &crate::policy::Policy,
    write: &options::WriteOptions,
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
