//! The success summary every writing command prints: each output with its action, then the
//! run record's path (or why it was kept).

use crate::fsio::Action;
use crate::output::Outcome;

/// Prints one line per output and the run-record line.
pub fn print(outcomes: &[Outcome], record: Option<&(Outcome, String)>, dry_run: bool) {
    let verb = |a: Action| match (a, dry_run) {
        (Action::Created, false) => "created",
        (Action::Updated, false) => "updated",
        (Action::Unchanged, _) => "unchanged",
        (Action::Created, true) => "would create",
        (Action::Updated, true) => "would update",
    };
    for o in outcomes {
        match &o.backup {
            Some(b) => println!("  {:<12} {} (backup: {b})", verb(o.action), o.shown),
            None => println!("  {:<12} {}", verb(o.action), o.shown),
        }
    }
    match record {
        Some((o, run_id)) if o.action == Action::Unchanged => println!(
            "run record: {} unchanged, record {run_id} still holds",
            o.shown
        ),
        Some((o, run_id)) if dry_run => {
            println!("run record: {} ({}, run {run_id})", o.shown, verb(o.action))
        }
        Some((o, run_id)) => println!("run record: {} (run {run_id})", o.shown),
        None => println!("run record: not written (run provenance is off)"),
    }
}
