//! The human-readable reports of both gates, in the earlier text layout. Every text that came
//! from the checked directory goes through [`printable`] before it reaches the terminal.

use super::diagnose::{DiagnosticReport, QuestionResult, QuestionStatus};
use super::gate::{GateResult, Outcome};
use super::pipeline::PipelineReport;
use super::text::printable;

impl PipelineReport {
    /// The human report; every text that came from the directory is made printable.
    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        let status = if self.is_healthy {
            "HEALTHY"
        } else {
            "UNHEALTHY"
        };
        out.push(format!("Pipeline Integrity: {status}"));
        out.push(format!("  Project:   {}", printable(&self.project_id)));
        out.push(format!("  Directory: {}", printable(&self.output_dir)));
        out.push(format!("  Checked:   {}", self.checked_at));
        out.push(format!(
            "  Gates:     {}/{} passed",
            self.passed, self.total_gates
        ));
        out.push(String::new());
        for gate in &self.gates {
            out.extend(gate_lines(gate));
            out.push(String::new());
        }
        for (title, items) in [
            ("Warnings", &self.warnings),
            ("Skipped checks", &self.skipped),
        ] {
            if !items.is_empty() {
                out.push(format!("  {title}:"));
                out.extend(items.iter().map(|i| format!("    - {}", printable(i))));
                out.push(String::new());
            }
        }
        out.join("\n")
    }
}

fn gate_lines(gate: &GateResult) -> Vec<String> {
    let verdict = match gate.result {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
    };
    let blocking = if gate.blocking { " [BLOCKING]" } else { "" };
    let mut lines = vec![
        format!("  {verdict}{blocking}  {}", printable(&gate.gate_id)),
        format!("    {}", printable(&gate.reason)),
    ];
    if gate.result == Outcome::Fail {
        lines.push(format!("    -> {}", gate.next_action));
    }
    lines.extend(gate.evidence.iter().map(|e| {
        format!(
            "      [{}] {}: {}",
            e.kind,
            printable(&e.reference),
            printable(&e.description)
        )
    }));
    lines
}

impl DiagnosticReport {
    /// The human report; every text that came from the directory is made printable.
    pub fn to_text(&self) -> String {
        let verdict = if self.all_passed {
            "ALL CLEAR"
        } else {
            "ISSUE FOUND"
        };
        let mut out = vec![
            format!("Three Questions Diagnostic: {verdict}"),
            format!("  Project:   {}", printable(&self.project_id)),
            format!("  Directory: {}", printable(&self.export_dir)),
            format!("  Checked:   {}", self.checked_at),
            String::new(),
        ];
        for q in &self.questions {
            out.extend(question_lines(q));
            out.push(String::new());
        }
        if !self.start_here.is_empty() {
            out.push(format!("  >>> START HERE: {}", printable(&self.start_here)));
            out.push(String::new());
        }
        out.join("\n")
    }
}

fn question_lines(q: &QuestionResult) -> Vec<String> {
    let mark = match q.status {
        QuestionStatus::Pass => "PASS",
        QuestionStatus::Fail => "FAIL",
        QuestionStatus::Skipped => "SKIP",
        QuestionStatus::NotReached => "----",
    };
    let mut lines = vec![
        format!("  Q{}. {}  [{mark}]", q.number, q.title),
        format!("      Layer: {}", q.layer),
    ];
    if q.status == QuestionStatus::NotReached {
        lines.push("      (not reached: an earlier question failed)".to_string());
        return lines;
    }
    lines.push(format!(
        "      Checks: {}/{} passed",
        q.checks_passed, q.checks_total
    ));
    for c in &q.checks {
        let mark = match (c.passed, c.severity.as_str()) {
            (true, _) => "ok",
            (false, "error") => "FAIL",
            (false, _) => "WARN",
        };
        lines.push(format!("        [{mark}] {}", printable(&c.name)));
        if !c.passed {
            lines.push(format!("              {}", printable(&c.detail)));
        }
    }
    if !q.recommendation.is_empty() {
        lines.push(format!(
            "      Recommendation: {}",
            printable(&q.recommendation)
        ));
    }
    lines
}
