//! Inferring a manifest from plan and requirement blocks: walks the blocks that speak about
//! this service (see `scope`), asks `identity`, `quantities` and `risks` what each states, and
//! keeps every inferred field with its evidence (file, line range, the block's text). Pure:
//! blocks in, manifest out.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use super::identity::{self, Fact, slug};
use super::markdown::{Block, Kind};
use super::{document, quantities, risks, scope};
use crate::model::reports::{Evidence, Inference};
use crate::paths::check_safe_name;

pub use super::report::{ReportContext, report};

/// One input document, already read and split into blocks.
pub struct SourceDoc {
    pub shown: String,
    pub role: &'static str,
    pub sha256: String,
    pub blocks: Vec<Block>,
}

/// A Kubernetes workload found under `--project-root`.
pub struct Workload {
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub shown: String,
    pub line: usize,
}

/// The fields whose presence decides readiness.
pub const CORE_FIELDS: &[&str] = &[
    "spec.project.id",
    "spec.project.description",
    "spec.business.criticality",
    "spec.business.owner",
    "spec.requirements.availability",
    "spec.requirements.latencyP99",
    "spec.requirements.throughput",
    "spec.risks",
    "spec.targets",
];

/// The phrasings inference reads for a core field, so a user can add the missing fact in a
/// form it will find (examples/plan/payments-plan.md shows them all).
fn looked_for(field: &str) -> &'static str {
    match field {
        "spec.project.id" => {
            "front matter `service:`, a `| Service | … |` row, or `**Service:** name`"
        }
        "spec.project.description" => "a paragraph under the title",
        "spec.business.criticality" => "`Tier: 1`, `Criticality: high` or `Priority: P1`",
        "spec.business.owner" => {
            "front matter `owner:`, `**Team:** x`, `Owning team — x` or \"owned by the x team\""
        }
        "spec.requirements.availability" => "`99.9% availability` or an SLO table's target column",
        "spec.requirements.latencyP99" => "`p99 under 300 ms` or an SLO table's target column",
        "spec.requirements.throughput" => "`2.5k requests/second`, `1200 rps` or `msg/s`",
        "spec.risks" => "a section such as Risks, Failure modes or What could go wrong",
        _ => "Kubernetes workloads (Deployment, StatefulSet, …) under --project-root",
    }
}

/// The result: manifest document, evidence, and readiness.
pub struct Inferred {
    pub manifest: Json,
    pub inferences: Vec<Inference>,
    pub core_inferred_count: usize,
    pub core_missing: Vec<&'static str>,
    pub verdict: &'static str,
    pub reasons: Vec<String>,
}

fn evidence(doc: &SourceDoc, b: &Block) -> Evidence {
    Evidence {
        file: doc.shown.clone(),
        line_start: b.line_start,
        line_end: b.line_end,
        text: b.text.clone(),
    }
}

/// A safe name from free text, or `fallback` when nothing usable is left.
pub fn slug_or(text: &str, fallback: &str) -> String {
    let s = slug(text);
    if check_safe_name(&s).is_ok() {
        s
    } else {
        fallback.to_string()
    }
}

/// How a scalar field was stated: a label beats prose.
const LABELLED: u8 = 0;
const PROSE: u8 = 1;

#[derive(Default)]
struct Collector {
    inferences: Vec<Inference>,
    /// The rank of the inference each scalar field holds now.
    ranks: BTreeMap<String, u8>,
}

impl Collector {
    fn has(&self, field: &str) -> bool {
        self.inferences.iter().any(|i| i.field_path == field)
    }
    /// Sets a scalar field unless it already holds a value stated at least as firmly.
    fn offer(&mut self, field: &str, value: Json, source: Evidence, rank: u8) {
        let confidence = if rank == LABELLED { "high" } else { "medium" };
        let new = Inference {
            field_path: field.into(),
            value,
            source,
            confidence: confidence.into(),
        };
        match self.ranks.get(field) {
            None => {
                self.ranks.insert(field.into(), rank);
                self.inferences.push(new);
            }
            Some(&held) if rank < held => {
                self.ranks.insert(field.into(), rank);
                if let Some(slot) = self.inferences.iter_mut().find(|i| i.field_path == field) {
                    *slot = new;
                }
            }
            Some(_) => {}
        }
    }
    fn set(&mut self, field: &str, value: Json, source: Evidence) {
        self.offer(field, value, source, LABELLED);
    }
    fn push(&mut self, field: &str, value: Json, source: Evidence) {
        self.inferences.push(Inference {
            field_path: field.into(),
            value,
            source,
            confidence: "high".into(),
        });
    }
    fn facts(&mut self, doc: &SourceDoc, b: &Block, facts: Vec<Fact>, rank: u8) {
        for f in facts {
            self.offer(f.field, json!(f.value), evidence(doc, b), rank);
        }
    }

    /// Name, title, description, owner and criticality.
    fn identity(&mut self, doc: &SourceDoc, b: &Block) {
        if let Kind::Heading(1) = b.kind {
            self.offer("spec.project.name", json!(b.text), evidence(doc, b), PROSE);
            self.facts(
                doc,
                b,
                identity::titled(&b.code).into_iter().collect(),
                PROSE,
            );
        }
        let mut labelled = false;
        match &b.kind {
            Kind::Row { header, cells } => {
                self.facts(
                    doc,
                    b,
                    identity::row_facts(&doc.blocks, b, header, cells),
                    LABELLED,
                );
            }
            Kind::Meta | Kind::Paragraph | Kind::Item { depth: 1, .. } => {
                let lines = b.line_blocks();
                for line in &lines {
                    self.facts(doc, line, identity::labels_in_line(&line.text), LABELLED);
                }
                labelled =
                    !lines.is_empty() && lines.iter().all(|l| identity::label(&l.text).is_some());
                self.facts(doc, b, identity::prose(&b.text, &b.code), PROSE);
            }
            _ => {}
        }
        if b.kind == Kind::Paragraph && !labelled && !self.has("spec.project.description") {
            self.offer(
                "spec.project.description",
                json!(b.text),
                evidence(doc, b),
                PROSE,
            );
        }
    }

    /// Availability, p99 latency, throughput, error budget, requirement ids, alert channels.
    fn requirements(&mut self, doc: &SourceDoc, b: &Block) {
        if matches!(b.kind, Kind::Heading(1 | 2)) {
            return;
        }
        let text = scope::target_text(b);
        let mut clauses = scope::clauses(&text);
        // Metrics named in the header of a table (`| Availability | p99 latency |`).
        let cells = scope::header_cells(b);
        clauses.extend(cells.iter().map(String::as_str));
        for clause in clauses {
            if scope::about_other_system(clause) {
                continue;
            }
            let found = [
                ("availability", quantities::availability(clause)),
                ("latencyP99", quantities::latency_p99(clause)),
                ("throughput", quantities::throughput(clause)),
            ];
            for (key, value) in found {
                if let Some(v) = value
                    && !self.has(&format!("spec.requirements.{key}"))
                {
                    self.set(
                        &format!("spec.requirements.{key}"),
                        json!(v),
                        evidence(doc, b),
                    );
                }
            }
            let ws = quantities::words(clause);
            if clause.to_lowercase().contains("error budget")
                && let Some(v) = ws.iter().find_map(|w| w.strip_suffix('%'))
                && v.parse::<f64>().is_ok()
            {
                self.set("spec.requirements.errorBudget", json!(v), evidence(doc, b));
            }
        }
        let ws = quantities::words(&b.text);
        for w in &ws {
            if w.starts_with("req-") {
                self.push("requirementIds", json!(w.to_uppercase()), evidence(doc, b));
            }
        }
        if b.text.to_lowercase().contains("alert") {
            for w in ws.iter().filter(|w| w.starts_with('#') && w.len() > 1) {
                self.push(
                    "spec.observability.alertChannels",
                    json!(w),
                    evidence(doc, b),
                );
            }
        }
    }

    /// Objectives, milestones and questions, by the section a block sits in.
    fn sections(&mut self, doc: &SourceDoc, b: &Block) {
        if !matches!(b.kind, Kind::Item { depth: 1, .. }) {
            return;
        }
        if section_is(b, &["objective", "goal"]) {
            let n = self.values("strategy.objectives").len() + 1;
            self.push(
                "strategy.objectives",
                json!({"id": format!("OBJ-{n}"), "description": b.text}),
                evidence(doc, b),
            );
        } else if section_is(
            b,
            &[
                "plan",
                "milestone",
                "roadmap",
                "phase",
                "timeline",
                "deliver",
            ],
        ) {
            let n = self.values("strategy.tactics").len() + 1;
            self.push(
                "strategy.tactics",
                json!({"id": format!("TAC-{n}"), "description": b.text, "status": "planned"}),
                evidence(doc, b),
            );
        } else if section_is(b, &["question"]) {
            let n = self.values("guidance.questions").len() + 1;
            self.push(
                "guidance.questions",
                json!({"id": format!("Q-{n}"), "question": b.text, "status": "open"}),
                evidence(doc, b),
            );
        }
    }

    fn values(&self, field: &str) -> Vec<Json> {
        self.inferences
            .iter()
            .filter(|i| i.field_path == field)
            .map(|i| i.value.clone())
            .collect()
    }
    fn value(&self, field: &str) -> Option<Json> {
        self.inferences
            .iter()
            .find(|i| i.field_path == field)
            .map(|i| i.value.clone())
    }
}

fn section_is(b: &Block, words: &[&str]) -> bool {
    let s = b.section.to_lowercase();
    words.iter().any(|w| s.contains(w))
}

/// Infers a manifest from the documents (plan first) and workloads.
pub fn infer(
    docs: &[SourceDoc],
    workloads: &[Workload],
    name_flag: Option<&str>,
    fallback_name: &str,
) -> Inferred {
    let mut c = Collector::default();
    for doc in docs {
        for i in scope::relevant(&doc.blocks) {
            let b = &doc.blocks[i];
            if risks::in_risk_section(b) {
                if let Some(risk) = risks::risk_of(&doc.blocks, i) {
                    c.push("spec.risks", risk, evidence(doc, b));
                }
                continue;
            }
            c.identity(doc, b);
            c.requirements(doc, b);
            c.sections(doc, b);
        }
    }
    for w in workloads {
        let e = Evidence {
            file: w.shown.clone(),
            line_start: w.line,
            line_end: w.line,
            text: format!("kind: {}, name: {}", w.kind, w.name),
        };
        c.push(
            "spec.targets",
            json!({"kind": w.kind, "name": w.name, "namespace": w.namespace}),
            e,
        );
    }
    let id = match name_flag {
        Some(n) => n.to_string(),
        None => c
            .value("spec.project.id")
            .and_then(|v| v.as_str().map(String::from))
            .or_else(|| {
                c.value("spec.project.name")
                    .and_then(|v| {
                        v.as_str()
                            .map(|s| slug(s.split(['—', ':', '(']).next().unwrap_or(s)))
                    })
                    .filter(|s| check_safe_name(s).is_ok())
            })
            .unwrap_or_else(|| fallback_name.to_string()),
    };
    let have = |f: &str| {
        c.has(f) || (f == "spec.project.id" && (name_flag.is_some() || c.has("spec.project.name")))
    };
    let core_missing: Vec<&'static str> =
        CORE_FIELDS.iter().copied().filter(|f| !have(f)).collect();
    let core_inferred_count = CORE_FIELDS.len() - core_missing.len();
    let verdict = if core_missing.is_empty() {
        "ready"
    } else if have("spec.project.id") && core_inferred_count >= 4 {
        "needs_review"
    } else {
        "insufficient"
    };
    let reasons = core_missing
        .iter()
        .map(|f| {
            format!(
                "{f} not found in the plan or requirements (looked for {})",
                looked_for(f)
            )
        })
        .collect();
    let manifest = document::build_manifest(&c.inferences, &id);
    Inferred {
        manifest,
        inferences: c.inferences,
        core_inferred_count,
        core_missing,
        verdict,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn doc(text: &str) -> SourceDoc {
        SourceDoc {
            shown: "plan.md".into(),
            role: "plan",
            sha256: String::new(),
            blocks: super::super::markdown::blocks(text),
        }
    }

    proptest! {
        /// Whatever the plan holds, inference finishes, and everything it infers has evidence.
        #[test]
        fn inference_never_panics_and_always_cites(
            text in "[-#*|`:;.,()—–≤<%kK0-9a-zA-ZİÖé \n]{0,400}"
        ) {
            let inferred = infer(&[doc(&text)], &[], None, "plan");
            for i in &inferred.inferences {
                prop_assert!(i.source.line_start >= 1 && !i.source.file.is_empty());
            }
        }

        /// The same over plans assembled from the shapes the rules look for.
        #[test]
        fn shaped_plans_never_panic(lines in prop::collection::vec(prop::sample::select(vec![
            "---", "service: x-api", "tier: 9", "# Plan `ab-service`", "## Risks", "**Risks**",
            "### Risk 1: İ", "| Risk | Mitigation |", "|---|---|", "| a — b; mitigation: | |",
            "- **T** — x — y", "  - Mitigation: z", "- Risk:", "Owner: İ team", "Owned by the",
            "p99 ≤ 1.5 s", "99th 5 ms (p99).", "2.5k events/s", "> must not be used", "",
            "| Service | Owner | Tier |", "| s | o | 2 |", "## Appendix", "Team —", "1. x; fall back",
        ]), 0..30)) {
            let text = lines.join("\n");
            let inferred = infer(&[doc(&text)], &[], None, "plan");
            for i in &inferred.inferences {
                prop_assert!(i.source.line_start >= 1 && !i.source.file.is_empty());
            }
        }
    }
}
