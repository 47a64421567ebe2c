//! Inferring a manifest from plan and requirement blocks. Each inferred field keeps its
//! evidence: file, line range and the block's text. Pure: blocks in, manifest and report out.

use serde_json::{Map, Value as Json, json};

use super::markdown::{Block, Kind};
use crate::model::manifest::RISK_TYPES;
use crate::model::reports::{
    Evidence, Inference, InitFromPlanReport, PlanInput, PlanInputs, Readiness, ReadinessCheck,
};
use crate::paths::check_safe_name;

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

/// Lower-case words of a text with surrounding punctuation removed.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| {
                !(c.is_alphanumeric() || matches!(c, '%' | '.' | '#' | '-' | '/' | '_'))
            })
            .trim_end_matches('.')
            .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// A number (commas allowed) at the start of a word, and the rest of the word.
fn number(word: &str) -> Option<(f64, &str)> {
    let end = word
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(word.len());
    let n: f64 = word[..end]
        .replace(',', "")
        .trim_end_matches('.')
        .parse()
        .ok()?;
    Some((n, &word[end..]))
}

/// The first number followed by one of `units` (in the same word or the next words).
fn quantity(ws: &[String], units: &[&str]) -> Option<(f64, String)> {
    for (i, w) in ws.iter().enumerate() {
        let Some((n, rest)) = number(w) else { continue };
        let following = ws[i + 1..]
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        for unit in units {
            if rest == *unit
                || (rest.is_empty()
                    && (following == *unit || following.starts_with(&format!("{unit} "))))
            {
                return Some((n, unit.to_string()));
            }
        }
    }
    None
}

fn trim_number(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
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

fn slug(text: &str) -> String {
    let s: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn priority_of(text: &str) -> Option<&'static str> {
    let t = text.to_lowercase();
    let t = t.trim();
    Some(match t {
        "p1" | "critical" | "very high" | "severe" => "P1",
        "p2" | "high" | "major" => "P2",
        "p3" | "medium" | "moderate" => "P3",
        "p4" | "low" | "minor" => "P4",
        _ => return None,
    })
}

struct Collector {
    inferences: Vec<Inference>,
}

impl Collector {
    fn has(&self, field: &str) -> bool {
        self.inferences.iter().any(|i| i.field_path == field)
    }
    fn set(&mut self, field: &str, value: Json, source: Evidence, confidence: &'static str) {
        if !self.has(field) {
            self.inferences.push(Inference {
                field_path: field.into(),
                value,
                source,
                confidence: confidence.into(),
            });
        }
    }
    fn push(&mut self, field: &str, value: Json, source: Evidence) {
        self.inferences.push(Inference {
            field_path: field.into(),
            value,
            source,
            confidence: "high".into(),
        });
    }
    /// Project id, name, description, criticality and owner.
    fn identity(&mut self, doc: &SourceDoc, b: &Block, ws: &[String], lower: &str) {
        // Project identity.
        if let Kind::Heading(1) = b.kind {
            self.set(
                "spec.project.name",
                json!(b.text),
                evidence(doc, b),
                "medium",
            );
        }
        if let Some(i) = ws
            .iter()
            .position(|w| w == "service")
            .filter(|_| lower.contains("service:"))
            && let Some(id) = ws
                .get(i + 1)
                .map(|w| w.trim_matches('`').to_string())
                .filter(|id| check_safe_name(id).is_ok())
        {
            self.set("spec.project.id", json!(id), evidence(doc, b), "high");
        }
        if b.kind == Kind::Paragraph {
            self.set(
                "spec.project.description",
                json!(b.text),
                evidence(doc, b),
                "medium",
            );
        }
        if let Some(i) = ws
            .iter()
            .position(|w| w == "criticality" || w == "criticality:")
            && let Some(level) = ws[i + 1..]
                .iter()
                .take(3)
                .find(|w| crate::model::manifest::CRITICALITIES.contains(&w.as_str()))
        {
            self.set(
                "spec.business.criticality",
                json!(level),
                evidence(doc, b),
                "high",
            );
        }
        if let Some(i) = ws.windows(2).position(|p| p[0] == "owned" && p[1] == "by") {
            let mut team: Vec<&str> = ws[i + 2..]
                .iter()
                .map(String::as_str)
                .filter(|w| *w != "the")
                .take_while(|w| *w != "team")
                .collect();
            team.truncate(4);
            if !team.is_empty() {
                self.set(
                    "spec.business.owner",
                    json!(slug(&team.join(" "))),
                    evidence(doc, b),
                    "high",
                );
            }
        }
    }

    /// Requirements, from any prose block.
    fn requirements(&mut self, doc: &SourceDoc, b: &Block, ws: &[String], lower: &str) {
        // Requirements, from any prose block.
        if b.kind != Kind::Heading(1) && b.kind != Kind::Heading(2) {
            if (lower.contains("availab") || lower.contains("uptime"))
                && let Some((v, _)) = quantity(ws, &["%"]).filter(|(v, _)| *v > 0.0 && *v <= 100.0)
            {
                self.set(
                    "spec.requirements.availability",
                    json!(trim_number(v)),
                    evidence(doc, b),
                    "high",
                );
            }
            if (lower.contains("p99") || lower.contains("99th percentile"))
                && let Some((v, unit)) = quantity(ws, &["ms", "milliseconds", "s", "seconds"])
            {
                let ms = if unit.starts_with('m') { v } else { v * 1000.0 };
                self.set(
                    "spec.requirements.latencyP99",
                    json!(format!("{}ms", trim_number(ms))),
                    evidence(doc, b),
                    "high",
                );
            }
            if let Some((v, _)) = quantity(
                ws,
                &[
                    "queries per second",
                    "requests per second",
                    "rps",
                    "qps",
                    "req/s",
                ],
            ) {
                self.set(
                    "spec.requirements.throughput",
                    json!(format!("{}rps", trim_number(v))),
                    evidence(doc, b),
                    "high",
                );
            }
            if lower.contains("error budget")
                && let Some((v, _)) = quantity(ws, &["%"])
            {
                self.set(
                    "spec.requirements.errorBudget",
                    json!(trim_number(v)),
                    evidence(doc, b),
                    "high",
                );
            }
            for w in ws {
                if w.starts_with("req-") {
                    self.push("requirementIds", json!(w.to_uppercase()), evidence(doc, b));
                }
            }
            if lower.contains("alert") {
                for w in ws.iter().filter(|w| w.starts_with('#') && w.len() > 1) {
                    self.push(
                        "spec.observability.alertChannels",
                        json!(w),
                        evidence(doc, b),
                    );
                }
            }
        }
    }

    /// Risks, objectives, milestones and questions, by the section a block sits in.
    fn sections(&mut self, doc: &SourceDoc, b: &Block) {
        // Sections.
        let nested = matches!(b.kind, Kind::Item { depth, .. } if depth > 1);
        if nested {
            return;
        }
        if section_is(b, &["risk"])
            && let Some(risk) = risk_of(b)
        {
            self.push("spec.risks", risk, evidence(doc, b));
        }
        if let Kind::Item { .. } = b.kind {
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
    let mut c = Collector {
        inferences: Vec::new(),
    };
    for doc in docs {
        for b in &doc.blocks {
            let ws = words(&b.text);
            let lower = b.text.to_lowercase();
            c.identity(doc, b, &ws, &lower);
            c.requirements(doc, b, &ws, &lower);
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
        .map(|f| format!("{f} not found in the plan or requirements"))
        .collect();
    let manifest = build_manifest(&c, &id);
    Inferred {
        manifest,
        inferences: c.inferences,
        core_inferred_count,
        core_missing,
        verdict,
        reasons,
    }
}

fn risk_of(b: &Block) -> Option<Json> {
    let mut risk = Map::new();
    match &b.kind {
        Kind::Row { header, cells } => {
            for (h, v) in header.iter().zip(cells) {
                let h = h.to_lowercase();
                if v.is_empty() {
                    continue;
                }
                if h.contains("risk")
                    || h.contains("description")
                    || h.contains("issue")
                    || h.contains("threat")
                {
                    risk.insert("description".into(), json!(v));
                } else if h.contains("impact") || h.contains("severity") || h.contains("priority") {
                    if let Some(p) = priority_of(v) {
                        risk.insert("priority".into(), json!(p));
                    }
                } else if h.contains("likelihood") || h.contains("probability") {
                    risk.insert("likelihood".into(), json!(v.to_lowercase()));
                } else if h.contains("mitigation") || h.contains("response") {
                    risk.insert("mitigation".into(), json!(v));
                } else if h.contains("type") || h.contains("category") {
                    risk.insert("type".into(), json!(v.to_lowercase()));
                }
            }
        }
        Kind::Item { .. } | Kind::Paragraph => {
            risk.insert("description".into(), json!(b.text));
        }
        Kind::Heading(_) => return None,
    }
    let description = risk.get("description")?.clone();
    let stated = risk.remove("type");
    let stated = stated.as_ref().and_then(Json::as_str).unwrap_or("");
    let mut out = Map::new();
    out.insert(
        "type".into(),
        json!(risk_type_of(stated, description.as_str().unwrap_or(""))),
    );
    out.insert("description".into(), description);
    for key in ["priority", "mitigation"] {
        if let Some(v) = risk.remove(key) {
            out.insert(key.into(), v);
        }
    }
    if let Some(l) = risk.remove("likelihood") {
        out.insert(
            "scope".into(),
            json!(format!("likelihood: {}", l.as_str().unwrap_or(""))),
        );
    }
    Some(Json::Object(out))
}

/// Words that place a risk in one of the manifest's risk types, checked in this order.
const RISK_TYPE_WORDS: &[(&str, &[&str])] = &[
    (
        "security",
        &[
            "security",
            "auth",
            "credential",
            "encrypt",
            "vulnerab",
            "attack",
            "breach",
            "injection",
        ],
    ),
    (
        "compliance",
        &[
            "compliance",
            "regulat",
            "audit",
            "gdpr",
            "hipaa",
            "pci",
            "sox",
            "legal",
        ],
    ),
    (
        "data-integrity",
        &[
            "data integrity",
            "corrupt",
            "data loss",
            "consisten",
            "backup",
            "replication",
        ],
    ),
    (
        "availability",
        &[
            "availability",
            "uptime",
            "downtime",
            "outage",
            "failover",
            "disaster",
            "redundan",
        ],
    ),
    (
        "financial",
        &["cost", "budget", "spend", "billing", "financial", "revenue"],
    ),
    (
        "reputational",
        &["reputation", "customer trust", "brand", "public", "media"],
    ),
];

/// The risk type of a plan risk: the stated type when it is one of the manifest's, else the first
/// type whose words the stated type or description mention, else `availability` (the type every
/// service has), as the earlier implementation did.
fn risk_type_of(stated: &str, description: &str) -> &'static str {
    let stated = stated.trim().to_lowercase();
    if let Some(t) = RISK_TYPES.iter().find(|t| **t == stated) {
        return t;
    }
    let text = format!("{stated} {}", description.to_lowercase());
    RISK_TYPE_WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| text.contains(w)))
        .map_or("availability", |(t, _)| t)
}

fn build_manifest(c: &Collector, id: &str) -> Json {
    let mut project = Map::new();
    project.insert("id".into(), json!(id));
    project.insert(
        "name".into(),
        c.value("spec.project.name").unwrap_or_else(|| json!(id)),
    );
    if let Some(d) = c.value("spec.project.description") {
        project.insert("description".into(), d);
    }
    let mut business = Map::new();
    for (key, field) in [
        ("criticality", "spec.business.criticality"),
        ("owner", "spec.business.owner"),
    ] {
        if let Some(v) = c.value(field) {
            business.insert(key.into(), v);
        }
    }
    let mut requirements = Map::new();
    for key in ["availability", "latencyP99", "throughput", "errorBudget"] {
        if let Some(v) = c.value(&format!("spec.requirements.{key}")) {
            requirements.insert(key.into(), v);
        }
    }
    let mut spec = Map::new();
    spec.insert("project".into(), Json::Object(project));
    if !business.is_empty() {
        spec.insert("business".into(), Json::Object(business));
    }
    if !requirements.is_empty() {
        spec.insert("requirements".into(), Json::Object(requirements));
    }
    for (key, field) in [("risks", "spec.risks"), ("targets", "spec.targets")] {
        let values = c.values(field);
        if !values.is_empty() {
            spec.insert(key.into(), json!(values));
        }
    }
    if !spec.contains_key("targets") {
        // A manifest needs a target; without evidence for one, name the project's own workload
        // (not recorded as an inference, so readiness still reports spec.targets as missing).
        spec.insert(
            "targets".into(),
            json!([{"kind": "Deployment", "name": id, "namespace": "default"}]),
        );
    }
    let mut channels = c.values("spec.observability.alertChannels");
    channels.dedup();
    if !channels.is_empty() {
        spec.insert("observability".into(), json!({"alertChannels": channels}));
    }
    let mut doc = json!({
        "apiVersion": crate::model::manifest::API_VERSION,
        "kind": crate::model::manifest::KIND,
        "metadata": {"name": id},
        "spec": spec,
    });
    let (objectives, tactics) = (
        c.values("strategy.objectives"),
        c.values("strategy.tactics"),
    );
    if !objectives.is_empty() || !tactics.is_empty() {
        doc["strategy"] = json!({"objectives": objectives, "tactics": tactics});
    }
    let questions = c.values("guidance.questions");
    if !questions.is_empty() {
        doc["guidance"] = json!({"questions": questions});
    }
    doc
}

/// How a report came about: its time, the run's mode, and what else it should say.
pub struct ReportContext<'a> {
    pub generated_at: &'a str,
    pub dry_run: bool,
    pub strict_quality: bool,
    pub project_root: Option<String>,
    pub validation_warnings: Vec<String>,
}

/// The `init-from-plan` report.
pub fn report(
    docs: &[SourceDoc],
    output_manifest: &str,
    inferred: &Inferred,
    context: ReportContext,
) -> InitFromPlanReport {
    let shown = |role: &str| -> Vec<String> {
        docs.iter()
            .filter(|d| d.role == role)
            .map(|d| d.shown.clone())
            .collect()
    };
    InitFromPlanReport {
        version: "1.1.0".into(),
        schema: "contextcore.io/init-from-plan-report/v1".into(),
        generated_at: context.generated_at.to_string(),
        status: if context.dry_run {
            "dry_run"
        } else {
            "written"
        }
        .into(),
        strict_quality: context.strict_quality,
        warnings: inferred.reasons.clone(),
        validation_warnings: context.validation_warnings,
        inputs: PlanInputs {
            plan: shown("plan").into_iter().next().unwrap_or_default(),
            requirements: shown("requirements"),
            project_root: context.project_root,
            files: docs
                .iter()
                .map(|d| PlanInput {
                    path: d.shown.clone(),
                    role: d.role.into(),
                    sha256: d.sha256.clone(),
                })
                .collect(),
        },
        output_manifest: output_manifest.into(),
        inferences: inferred.inferences.clone(),
        core_inferred_count: inferred.core_inferred_count,
        core_fields_missing: inferred
            .core_missing
            .iter()
            .map(|f| f.to_string())
            .collect(),
        downstream_readiness: Readiness {
            score: crate::export::artifacts::percent(
                inferred.core_inferred_count,
                CORE_FIELDS.len(),
            ),
            verdict: inferred.verdict.into(),
            reasons: inferred.reasons.clone(),
            checks: CORE_FIELDS
                .iter()
                .map(|f| ReadinessCheck {
                    field: f.to_string(),
                    inferred: !inferred.core_missing.contains(f),
                })
                .collect(),
        },
        run_provenance: crate::paths::INIT_RUN_RECORD.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_risks_get_one_of_the_manifest_risk_types() {
        assert_eq!(risk_type_of("Security", "anything"), "security");
        assert_eq!(
            risk_type_of("operational", "Backup restore never tested"),
            "data-integrity"
        );
        assert_eq!(risk_type_of("", "Cloud spend doubles at peak"), "financial");
        assert_eq!(
            risk_type_of("", "Index rebuilds starve queries"),
            "availability"
        );
        assert!(RISK_TYPE_WORDS.iter().all(|(t, _)| RISK_TYPES.contains(t)));
    }
}
