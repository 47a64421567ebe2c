//! The command tree (clap derive); `///` comments are the `--help` text. No logic here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ops::options::{self, DocFormat, ReportFormat};
use crate::paths::WriteStrategy;

/// Derive files from a service's context manifest, in place, and record their lineage in git.
#[derive(Debug, Parser)]
#[command(name = "contextcore", version, propagate_version = true)]
pub struct Cli {
    /// Print no success summary (warnings and errors still go to stderr).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, check and export context manifests.
    #[command(subcommand)]
    Manifest(ManifestCommand),
    /// Export a manifest (same as `manifest export`).
    Export(ExportArgs),
    /// Write a starter manifest (same as `manifest init`).
    Init(InitArgs),
    /// Check a manifest (same as `manifest validate`).
    Validate(ValidateArgs),
    /// Lineage of the working tree (same as `provenance status`).
    Status(JsonFlag),
    /// Check lineage (same as `provenance verify`).
    Verify(VerifyArgs),
    /// Generate ServiceMonitor, PrometheusRule and Grafana dashboard from an exported project context, offline.
    Generate(GenerateArgs),
    /// Rerun every stale run (or one whose outputs were edited or deleted), in dependency order,
    /// each with the options its run record holds.
    Rerun(RerunArgs),
    /// Read, check and report run lineage.
    #[command(subcommand)]
    Provenance(ProvenanceCommand),
    /// Check an export directory before anything consumes it (the export gates).
    #[command(subcommand)]
    Contract(super::contract_args::ContractCommand),
    /// Attach run records to commits as git notes, and share them.
    #[command(subcommand)]
    Notes(NotesCommand),
    /// Install the git hooks, or run one (the hooks call this).
    #[command(subcommand)]
    Hook(HookCommand),
    /// Check that this clone is set up for lineage (hooks, notes config, remotes, policy, records).
    Doctor(JsonFlag),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write every page (contextcore-*(1), git-contextcore(1)).
    Man {
        /// Write all pages into this directory (e.g. ~/.local/share/man/man1) instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProvenanceCommand {
    /// Like `git status` for lineage: fresh, stale, modified, missing and unowned files.
    Status(JsonFlag),
    /// Check the lineage of the index, a commit, or every commit of a range; exit 1 on violation.
    Verify(VerifyArgs),
    /// Print the run records of a commit (from its note) or of a run-record file.
    Show(ShowArgs),
    /// A Markdown lineage summary of a range of commits, for a pull-request comment.
    Report(ReportArgs),
    /// A run record as an in-toto Statement v1 with a SLSA Provenance v1 predicate.
    Export(ProvenanceExportArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatementFormat {
    InToto,
}

#[derive(Debug, Args)]
pub struct ProvenanceExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "in-toto")]
    pub format: StatementFormat,
    /// A run-record file, or a commit whose records to export (one statement per line); default HEAD.
    pub target: Option<String>,
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Check the index (what the next commit would hold).
    #[arg(long, conflicts_with_all = ["range", "rev"])]
    pub staged: bool,
    /// Check every commit of A..B (e.g. origin/main..HEAD).
    #[arg(long, conflicts_with = "rev")]
    pub range: Option<String>,
    /// Check one commit (default HEAD).
    pub rev: Option<String>,
    /// Also re-derive every recorded output from the recorded inputs as the commit (or the
    /// index) holds them, with the recorded options, and compare bytes (default in CI when
    /// the policy's lineage.reproduce is ci or hook).
    #[arg(long)]
    pub reproduce: bool,
    /// With --reproduce: a run that cannot be reproduced (inputs outside the repository,
    /// options that cannot be replayed) fails the check instead of warning.
    #[arg(long, requires = "reproduce")]
    pub strict: bool,
    /// Check one of N parts (K from 1 to N), for a CI matrix: the commits are split into N
    /// consecutive parts, and with --reproduce the distinct runs of the whole range are dealt
    /// out in turn, each replayed by one part only. Together the N parts report every commit
    /// and every run exactly once.
    #[arg(long, value_name = "K/N", conflicts_with = "staged")]
    pub shard: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RerunArgs {
    /// Only runs whose record or outputs lie under these paths (default: the whole working tree).
    pub paths: Vec<PathBuf>,
    /// List the runs that would run, in order, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A commit (its note) or a run-record file; default HEAD.
    pub target: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Commits to report on, A..B.
    #[arg(long)]
    pub range: String,
}

#[derive(Debug, Subcommand)]
pub enum NotesCommand {
    /// Compute a commit's note from the run records it added or changed (default HEAD), or
    /// every note of a range (after a squash merge, or to rewrite notes of earlier releases).
    Attach {
        #[arg(conflicts_with = "range")]
        rev: Option<String>,
        /// Every commit of A..B.
        #[arg(long, value_name = "A..B")]
        range: Option<String>,
    },
    /// Push the notes ref, merging by run id first if the remote moved.
    Push {
        #[arg(default_value = "origin")]
        remote: String,
    },
    /// Fetch the notes ref and merge it into ours by run id (no run is lost).
    Fetch {
        #[arg(default_value = "origin")]
        remote: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Write pre-commit, post-commit and post-rewrite hooks and the notes configuration.
    Install(InstallArgs),
    /// Run one hook (what the installed scripts call).
    Run {
        #[arg(value_enum)]
        hook: HookName,
        /// Arguments git passes to the hook.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Replace foreign hooks instead of chaining to them.
    #[arg(long)]
    pub force: bool,
    /// Print a .pre-commit-config.yaml snippet for the pre-commit framework; install nothing.
    #[arg(long)]
    pub print_pre_commit_config: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HookName {
    PreCommit,
    /// An automatic merge commit: checked like a commit.
    PreMergeCommit,
    /// A patch applied by `git am`: checked like a commit.
    PreApplypatch,
    PostCommit,
    /// After a merge or pull: the merge commit gets its note.
    PostMerge,
    PostRewrite,
}

#[derive(Debug, Subcommand)]
pub enum ManifestCommand {
    /// Write a starter .contextcore.yaml and its run record.
    Init(InitArgs),
    /// Infer a manifest from a Markdown plan and requirement documents, with evidence.
    InitFromPlan(InitFromPlanArgs),
    /// Check a manifest; every problem is printed as file:line:col: message.
    Validate(ValidateArgs),
    /// Derive the project context, artifact manifest and reports, and record the run.
    Export(ExportArgs),
}

/// Options shared by every command that writes files.
#[derive(Debug, Args, Clone)]
pub struct WriteArgs {
    /// update_existing rewrites canonical files; new_output writes name.N.ext beside them.
    #[arg(long, value_enum)]
    pub document_write_strategy: Option<WriteStrategy>,
    /// Write the run record (default from policy: emit_run_provenance_default).
    #[arg(long, overrides_with = "no_emit_run_provenance")]
    pub emit_run_provenance: bool,
    /// Do not write the run record (strict mode writes it anyway unless the policy allows the exception).
    #[arg(long)]
    pub no_emit_run_provenance: bool,
    /// Write a new run record even when the existing one still describes this run.
    #[arg(long)]
    pub force_record: bool,
    /// Policy file (default: nearest .contextcore-quality.yaml up to the repository root).
    #[arg(long)]
    pub policy: Option<PathBuf>,
}

/// `--document-write-strategy`'s values: the library's type, spelled for clap here, so clap
/// stays in the CLI.
impl ValueEnum for WriteStrategy {
    fn value_variants<'a>() -> &'a [Self] {
        &WriteStrategy::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let help = match self {
            WriteStrategy::UpdateExisting => "Rewrite the canonical file in place",
            WriteStrategy::NewOutput => {
                "Never touch an existing file; write `name.N.ext` with the next free N"
            }
        };
        Some(clap::builder::PossibleValue::new(self.as_str()).help(help))
    }
}

#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// Manifest to write.
    #[arg(short, long, default_value = ".contextcore.yaml")]
    pub path: PathBuf,
    /// Project name (metadata.name): letters, digits, '.', '_', '-' [default: the name of the
    /// manifest's directory].
    #[arg(long)]
    pub name: Option<String>,
    /// Replace an existing manifest (its previous content is kept as a backup).
    #[arg(long)]
    pub force: bool,
    /// Validate the written manifest (default on).
    #[arg(long, overrides_with = "no_validate")]
    pub validate: bool,
    /// Skip validating the written manifest.
    #[arg(long)]
    pub no_validate: bool,
    /// Print a machine-readable summary.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Manifest to check [default: the nearest .contextcore.yaml, here or in a parent directory
    /// up to the repository root].
    #[arg(short, long)]
    pub path: Option<PathBuf>,
    /// Treat warnings (unknown keys) as errors.
    #[arg(long)]
    pub strict: bool,
    /// Output format (`--json` is the same as `--format json`).
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// Manifest to export [default: the nearest .contextcore.yaml, here or in a parent directory
    /// up to the repository root].
    #[arg(short = 'p', long = "path", value_name = "PATH")]
    pub path_arg: Option<PathBuf>,
    /// Output directory [default: out/ beside the manifest].
    #[arg(short = 'o', long = "output-dir", value_name = "OUTPUT_DIR")]
    pub output_dir_arg: Option<PathBuf>,
    /// Kubernetes namespace of the project context.
    #[arg(short, long, default_value = "default")]
    pub namespace: String,
    /// Directory to scan for existing artifacts by file name (repeatable) [default: the
    /// policy's scan_existing_default].
    #[arg(long)]
    pub scan_existing: Vec<PathBuf>,
    /// An existing artifact, `ARTIFACT_ID:PATH` (repeatable); marks that artifact as existing.
    #[arg(short = 'e', long = "existing", value_name = "ID:PATH")]
    pub existing: Vec<String>,
    /// Generation profile: which artifact types and onboarding sections to export.
    #[arg(long, default_value = "full", value_parser = clap::builder::PossibleValuesParser::new(crate::export::catalog::PROFILES))]
    pub profile: String,
    /// JSON file of per-service metadata (transport_protocol, schema_contract, …).
    #[arg(long, value_name = "PATH")]
    pub service_metadata: Option<PathBuf>,
    /// Also embed the legacy provenance block in the artifact manifest's metadata.
    #[arg(long)]
    pub embed_provenance: bool,
    /// After writing, run the export-integrity gate (Gate 1) on the output; exit 1 when unhealthy.
    #[arg(long)]
    pub verify: bool,
    /// Format of the artifact manifest.
    #[arg(short, long, value_enum, default_value = "yaml")]
    pub format: DocFormat,
    /// Fail (exit 1) when coverage or task mapping fall short (default from policy).
    #[arg(long, overrides_with = "no_strict_quality")]
    pub strict_quality: bool,
    /// Do not fail on quality shortfalls.
    #[arg(long)]
    pub no_strict_quality: bool,
    /// Minimum coverage percent (default: the environment's threshold from policy).
    #[arg(long)]
    pub min_coverage: Option<f64>,
    /// Environment whose coverage threshold applies (default from policy: default_environment).
    #[arg(long)]
    pub environment: Option<String>,
    /// JSON task mapping: artifact id → task.
    #[arg(long)]
    pub task_mapping: Option<PathBuf>,
    /// Project id for task tracking, checked and recorded; no document changes (their ids follow
    /// spec.project.id and their file names metadata.name, as in the earlier implementation).
    #[arg(long)]
    pub project_id: Option<String>,
    /// Keep artifacts free of times and run ids (default on).
    #[arg(long, overrides_with = "no_deterministic_output")]
    pub deterministic_output: bool,
    /// Put the generation time into the artifact manifest and the reports.
    #[arg(long)]
    pub no_deterministic_output: bool,
    /// Also write the legacy provenance.json.
    #[arg(long)]
    pub emit_provenance: bool,
    /// Write onboarding-metadata.json (default on).
    #[arg(long, overrides_with = "no_onboarding")]
    pub emit_onboarding: bool,
    /// Skip onboarding-metadata.json.
    #[arg(long)]
    pub no_onboarding: bool,
    /// Write export-quality-report.json (default from policy).
    #[arg(long, overrides_with = "no_emit_quality_report")]
    pub emit_quality_report: bool,
    /// Skip export-quality-report.json.
    #[arg(long)]
    pub no_emit_quality_report: bool,
    /// Show every path and the action it would take; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a machine-readable summary.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Debug, Args, Clone)]
pub struct GenerateArgs {
    /// The exported project context ({project}-projectcontext.yaml) [default: the one the
    /// nearest manifest's export wrote, out/{project}-projectcontext.yaml beside it].
    #[arg(short = 'c', long = "context", value_name = "CONTEXT")]
    pub context_arg: Option<PathBuf>,
    /// Output directory [default: generated/, beside the manifest when the context was found
    /// through it].
    #[arg(short = 'o', long = "output", value_name = "OUTPUT")]
    pub output_arg: Option<PathBuf>,
    /// Generate the ServiceMonitor.
    #[arg(long)]
    pub service_monitor: bool,
    /// Generate the PrometheusRule.
    #[arg(long)]
    pub prometheus_rule: bool,
    /// Generate the Grafana dashboard.
    #[arg(long)]
    pub dashboard: bool,
    /// Generate everything (the default when nothing is selected).
    #[arg(long)]
    pub all: bool,
    /// Also write the earlier implementation's names ({project}-servicemonitor.yaml,
    /// {project}-prometheusrule.yaml), same content.
    #[arg(long)]
    pub write_legacy_aliases: bool,
    /// Fail (exit 1, nothing written) when the context lacks what an artifact needs (default on).
    #[arg(long, overrides_with = "no_strict_quality")]
    pub strict_quality: bool,
    /// Generate what can be generated and warn about the rest.
    #[arg(long)]
    pub no_strict_quality: bool,
    /// Write generation-report.json (default on).
    #[arg(long, overrides_with = "no_emit_report")]
    pub emit_report: bool,
    /// Skip generation-report.json.
    #[arg(long)]
    pub no_emit_report: bool,
    /// Show every path and the action it would take; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a machine-readable summary.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Debug, Args, Clone)]
pub struct InitFromPlanArgs {
    /// The plan (Markdown).
    #[arg(long)]
    pub plan: PathBuf,
    /// Requirement documents (Markdown, repeatable).
    #[arg(long)]
    pub requirements: Vec<PathBuf>,
    /// Directory whose Kubernetes manifests name the targets.
    #[arg(long)]
    pub project_root: Option<PathBuf>,
    /// Manifest to write.
    #[arg(short, long, default_value = ".contextcore.yaml")]
    pub output: PathBuf,
    /// Project name (default: inferred from the plan).
    #[arg(long)]
    pub name: Option<String>,
    /// Report file name, beside the manifest (default {manifest stem}.init-from-plan-report.json).
    #[arg(long)]
    pub report_out: Option<PathBuf>,
    /// Exit 1 and write nothing when the verdict is `insufficient` (default on).
    #[arg(long, overrides_with = "no_strict_quality")]
    pub strict_quality: bool,
    /// Write the manifest whatever the verdict.
    #[arg(long)]
    pub no_strict_quality: bool,
    /// Replace an existing manifest (its previous content is kept as a backup).
    #[arg(long)]
    pub force: bool,
    /// Show every path and the action it would take; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print a machine-readable summary (with the verdict).
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub write: WriteArgs,
}

/// Each command's clap arguments become the typed options of `crate::ops`.
impl From<WriteArgs> for options::WriteOptions {
    fn from(a: WriteArgs) -> Self {
        Self {
            document_write_strategy: a.document_write_strategy,
            emit_run_provenance: a.emit_run_provenance,
            no_emit_run_provenance: a.no_emit_run_provenance,
            force_record: a.force_record,
            policy: a.policy,
        }
    }
}

impl From<InitArgs> for options::InitOptions {
    fn from(a: InitArgs) -> Self {
        Self {
            path: a.path,
            name: a.name,
            force: a.force,
            validate: a.validate,
            no_validate: a.no_validate,
            json: a.json,
            write: a.write.into(),
        }
    }
}

impl From<ValidateArgs> for options::ValidateOptions {
    fn from(a: ValidateArgs) -> Self {
        Self {
            path: a.path,
            strict: a.strict,
            format: a.format,
            json: a.json,
        }
    }
}

impl From<ExportArgs> for options::ExportOptions {
    fn from(a: ExportArgs) -> Self {
        Self {
            path_arg: a.path_arg,
            path: Default::default(),
            output_dir_arg: a.output_dir_arg,
            output_dir: Default::default(),
            namespace: a.namespace,
            scan_existing: a.scan_existing,
            scan_from_flag: Default::default(),
            existing: a.existing,
            profile: a.profile,
            service_metadata: a.service_metadata,
            embed_provenance: a.embed_provenance,
            verify: a.verify,
            format: a.format,
            strict_quality: a.strict_quality,
            no_strict_quality: a.no_strict_quality,
            min_coverage: a.min_coverage,
            environment: a.environment,
            task_mapping: a.task_mapping,
            project_id: a.project_id,
            deterministic_output: a.deterministic_output,
            no_deterministic_output: a.no_deterministic_output,
            emit_provenance: a.emit_provenance,
            emit_onboarding: a.emit_onboarding,
            no_onboarding: a.no_onboarding,
            emit_quality_report: a.emit_quality_report,
            no_emit_quality_report: a.no_emit_quality_report,
            dry_run: a.dry_run,
            json: a.json,
            write: a.write.into(),
        }
    }
}

impl From<GenerateArgs> for options::GenerateOptions {
    fn from(a: GenerateArgs) -> Self {
        Self {
            context_arg: a.context_arg,
            context: Default::default(),
            output_arg: a.output_arg,
            output: Default::default(),
            service_monitor: a.service_monitor,
            prometheus_rule: a.prometheus_rule,
            dashboard: a.dashboard,
            all: a.all,
            write_legacy_aliases: a.write_legacy_aliases,
            strict_quality: a.strict_quality,
            no_strict_quality: a.no_strict_quality,
            emit_report: a.emit_report,
            no_emit_report: a.no_emit_report,
            dry_run: a.dry_run,
            json: a.json,
            write: a.write.into(),
        }
    }
}

impl From<InitFromPlanArgs> for options::InitFromPlanOptions {
    fn from(a: InitFromPlanArgs) -> Self {
        Self {
            plan: a.plan,
            requirements: a.requirements,
            project_root: a.project_root,
            output: a.output,
            name: a.name,
            report_out: a.report_out,
            strict_quality: a.strict_quality,
            no_strict_quality: a.no_strict_quality,
            force: a.force,
            dry_run: a.dry_run,
            json: a.json,
            write: a.write.into(),
        }
    }
}

impl ValueEnum for DocFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[DocFormat::Yaml, DocFormat::Json]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            DocFormat::Yaml => "yaml",
            DocFormat::Json => "json",
        }))
    }
}

impl ValueEnum for ReportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[ReportFormat::Text, ReportFormat::Json]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            ReportFormat::Text => "text",
            ReportFormat::Json => "json",
        }))
    }
}

impl From<HookName> for crate::lineage::hook_run::Hook {
    fn from(h: HookName) -> Self {
        use crate::lineage::hook_run::Hook;
        match h {
            HookName::PreCommit => Hook::PreCommit,
            HookName::PreMergeCommit => Hook::PreMergeCommit,
            HookName::PreApplypatch => Hook::PreApplypatch,
            HookName::PostCommit => Hook::PostCommit,
            HookName::PostMerge => Hook::PostMerge,
            HookName::PostRewrite => Hook::PostRewrite,
        }
    }
}
