//! The success summary every writing command prints: each output with its action, then the
//! run record's path (or why it was kept); or, with `--json`, the same as one JSON object.

use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value as Json, json};

use crate::fsio::Action;
use crate::output::Finished;

static QUIET: AtomicBool = AtomicBool::new(false);

/// `-q/--quiet`: no success summary (warnings and errors still print).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Where the run's backups went, said once: under one directory, or beside each file.
fn backup_place(run: &Finished) -> Option<String> {
    let (o, b) = run
        .files
        .iter()
        .find_map(|o| o.backup.as_ref().map(|b| (o, b)))?;
    if *b == format!("{}.bak", o.shown) {
        return Some("beside the files, as <file>.bak".into());
    }
    let root = b.strip_suffix(&o.shown).unwrap_or(b);
    Some(format!("under {root}"))
}

/// Prints the summary of a finished run, as text or (with `json`) as JSON carrying `extra`.
pub fn print(command: &str, run: &Finished, json: bool, extra: Json) {
    if json {
        let mut summary = json!({
            "command": command,
            "dry_run": run.dry_run,
            "outputs": run.files.iter().map(|o| json!({"path": o.shown, "action": o.action, "backup": o.backup})).collect::<Vec<_>>(),
            "run_record": run.record.as_ref().map(|(o, id)| json!({"path": o.shown, "action": o.action, "run_id": id})),
        });
        if let (Some(s), Some(e)) = (summary.as_object_mut(), extra.as_object()) {
            s.extend(e.clone());
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        );
        return;
    }
    let verb = |a: Action| match (a, run.dry_run) {
        (Action::Created, false) => "created",
        (Action::Updated, false) => "updated",
        (Action::Unchanged, _) => "unchanged",
        (Action::Created, true) => "would create",
        (Action::Updated, true) => "would update",
    };
    if QUIET.load(Ordering::Relaxed) {
        return;
    }
    for o in &run.files {
        println!("  {:<12} {}", verb(o.action), o.shown);
    }
    if let Some(place) = backup_place(run) {
        let count = run.files.iter().filter(|o| o.backup.is_some()).count();
        println!("previous content: {count} backup(s) {place}");
    }
    match &run.record {
        Some((o, run_id)) if o.action == Action::Unchanged => {
            println!(
                "run record: {} unchanged, record {run_id} still holds",
                o.shown
            )
        }
        Some((o, run_id)) if run.dry_run => {
            println!("run record: {} ({}, run {run_id})", o.shown, verb(o.action))
        }
        Some((o, run_id)) => println!("run record: {} (run {run_id})", o.shown),
        None => println!("run record: not written"),
    }
}
