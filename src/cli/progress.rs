//! One line of progress on stderr while a long operation runs (checking or reproducing a range
//! of commits): only on a terminal, never under `--json`, updated at most every 80 ms and
//! cleared at the end. No crate: one line that rewrites itself.

use std::cell::Cell;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// The shortest time between two updates of the line.
const EVERY: Duration = Duration::from_millis(80);

pub struct Progress {
    on: bool,
    what: &'static str,
    total: usize,
    shown: Cell<Option<Instant>>,
}

impl Progress {
    /// Progress over `total` steps of `what` (e.g. "checking commit"), when `wanted` (not
    /// `--json`) and stderr is a terminal.
    pub fn new(wanted: bool, what: &'static str, total: usize) -> Self {
        Self {
            on: wanted && total > 1 && std::io::stderr().is_terminal(),
            what,
            total,
            shown: Cell::new(None),
        }
    }

    /// Step `n` (0-based) has started; `label` names it (a short commit id).
    pub fn show(&self, n: usize, label: &str) {
        if !self.on || self.shown.get().is_some_and(|t| t.elapsed() < EVERY) {
            return;
        }
        self.shown.set(Some(Instant::now()));
        eprint!("\r{} {}/{} {label}\x1b[K", self.what, n + 1, self.total);
    }

    /// Clears the line, if it was ever shown.
    pub fn done(&self) {
        if self.shown.get().is_some() {
            eprint!("\r\x1b[K");
            self.shown.set(None);
        }
    }
}
