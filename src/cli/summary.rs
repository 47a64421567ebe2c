//! The success summary every writing command prints: each output with its action, then the
//! run record's path (or why it was kept); or, with `--json`, the same as one JSON object.

use serde_json::{Value as Json, json};

use crate::fsio::Action;
use crate::output::Finished;

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
    for o in &run.files {
        match &o.backup {
            Some(b) => println!("  {:<12} {} (backup: {b})", verb(o.action), o.shown),
            None => println!("  {:<12} {}", verb(o.action), o.shown),
        }
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
        None => println!("run record: not written (run provenance is off)"),
    }
}
