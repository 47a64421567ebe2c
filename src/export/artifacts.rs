//! Which observability artifacts each target needs, derived from criticality and
//! requirements, with stable ids (`{target with '-' as '_'}-{suffix}`), and their coverage.
//! Pure: no I/O.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::model::manifest::{Manifest, Target};
use crate::model::reports::{Artifact, Coverage, DerivationRule, TargetCoverage};

/// One kind of per-target artifact: its type name, id suffix and display name (its output
/// conventions are in the [catalog](super::catalog)).
pub struct ArtifactKind {
    pub artifact_type: &'static str,
    pub suffix: &'static str,
    pub title: &'static str,
    /// Words one of which an existing file's name must contain (lower case, no separators).
    pub keywords: &'static [&'static str],
}

/// Every artifact kind, in output order.
pub const KINDS: &[ArtifactKind] = &[
    ArtifactKind {
        artifact_type: "dashboard",
        suffix: "dashboard",
        title: "Service Dashboard",
        keywords: &["dashboard"],
    },
    ArtifactKind {
        artifact_type: "prometheus_rule",
        suffix: "prometheus-rules",
        title: "Alerting Rules",
        keywords: &["prometheusrule", "prometheusrules", "alertrules", "alerts"],
    },
    ArtifactKind {
        artifact_type: "slo_definition",
        suffix: "slo",
        title: "SLO Definition",
        keywords: &["slo"],
    },
    ArtifactKind {
        artifact_type: "service_monitor",
        suffix: "service-monitor",
        title: "Service Monitor",
        keywords: &["servicemonitor"],
    },
    ArtifactKind {
        artifact_type: "loki_rule",
        suffix: "loki-rules",
        title: "Log Recording Rules",
        keywords: &["loki"],
    },
    ArtifactKind {
        artifact_type: "notification_policy",
        suffix: "notification",
        title: "Notification Policy",
        keywords: &["notification", "alertmanager"],
    },
    ArtifactKind {
        artifact_type: "runbook",
        suffix: "runbook",
        title: "Incident Runbook",
        keywords: &["runbook"],
    },
    ArtifactKind {
        artifact_type: "alert_template",
        suffix: "alert-template",
        title: "Alert Template",
        keywords: &["alerttemplate", "template"],
    },
];

/// The kind of an artifact type.
pub fn kind_of(artifact_type: &str) -> Option<&'static ArtifactKind> {
    KINDS.iter().find(|k| k.artifact_type == artifact_type)
}

/// Criticality → alert severity.
pub fn severity(criticality: &str) -> &'static str {
    match criticality {
        "critical" => "P1",
        "high" => "P2",
        "medium" => "P3",
        _ => "P4",
    }
}

/// How much an artifact type matters at a criticality.
pub fn priority(artifact_type: &str, criticality: &str) -> &'static str {
    let high = matches!(criticality, "critical" | "high");
    match artifact_type {
        "dashboard" | "service_monitor" => "required",
        "prometheus_rule" | "notification_policy" if high => "required",
        "slo_definition" | "runbook" if criticality == "critical" => "required",
        "runbook" | "alert_template" => "optional",
        _ => "recommended",
    }
}

/// The id of an artifact: target name with `-` replaced by `_`, then the suffix.
pub fn artifact_id(target: &str, suffix: &str) -> String {
    format!("{}-{suffix}", target.replace('-', "_"))
}

/// File names are compared in lower case without `-`, `_` and `.`.
pub fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// A file that may be an existing artifact: found by `--scan-existing` (matched by name) or
/// named by `--existing ID:PATH`.
#[derive(Debug, Clone)]
pub struct ExistingFile {
    /// Record path.
    pub path: String,
    /// File name, for matching by name.
    pub name: String,
    /// The artifact id `--existing` gave it.
    pub artifact_id: Option<String>,
    /// sha256 of the project context the run that wrote it read, if a run record says.
    pub generated_from: Option<String>,
}

/// Derives every artifact for every target, then the project's capability index, keeping the
/// types the generation profile includes. An existing file generated from a project context
/// other than `context_sha256` makes its artifact `outdated`.
pub fn derive(
    manifest: &Manifest,
    existing: &[ExistingFile],
    context_sha256: &str,
    profile: &str,
) -> Vec<Artifact> {
    let included = |artifact_type: &str| {
        super::catalog::entry(artifact_type)
            .is_some_and(|e| super::catalog::profile_includes(profile, e.category))
    };
    // The kinds the profile includes, with their rules and parameters when the manifest alone
    // gives them (made once, shared by every target's artifact).
    let kinds: Vec<Kind> = KINDS
        .iter()
        .filter(|kind| included(kind.artifact_type))
        .map(|kind| Kind {
            kind,
            rules: manifest_rules(kind.artifact_type, manifest).map(Arc::new),
            parameters: manifest_parameters(kind.artifact_type, manifest).map(Arc::new),
        })
        .collect();
    // Each target's artifacts depend on that target alone: at 3,000 targets they are made
    // on all cores, in target order.
    let mut parts = crate::parallel::in_parts(&manifest.spec.targets, 64, |targets| {
        let mut out = Vec::with_capacity(targets.len() * kinds.len());
        for target in targets {
            for kind in &kinds {
                out.push(kind.artifact(manifest, existing, context_sha256, target));
            }
        }
        out
    })
    .into_iter();
    let mut out = parts.next().unwrap_or_default();
    out.extend(parts.flatten());
    let project = manifest.project_id();
    let id = artifact_id(project, "capability-index");
    let found = find_existing(existing, &id, project, &["capabilityindex", "agentyaml"]);
    let index = Artifact {
        artifact_type: "capability_index".into(),
        name: format!("{project} Capability Index"),
        target: project.to_string(),
        priority: "recommended".into(),
        status: status(found, context_sha256).into(),
        derived_from: Arc::default(),
        parameters: Arc::new(json!({"project_root": ".", "index_dir": "docs/capability-index/"})),
        depends_on: Vec::new(),
        existing_path: found.map(|f| f.path.clone()),
        validation_errors: Vec::new(),
        id,
    };
    if included(&index.artifact_type) {
        out.push(index);
    }
    out
}

/// An artifact kind with what its artifacts share.
struct Kind {
    kind: &'static ArtifactKind,
    rules: Option<Arc<Vec<DerivationRule>>>,
    parameters: Option<Arc<Json>>,
}

impl Kind {
    /// The artifact of this kind for `target`.
    fn artifact(
        &self,
        manifest: &Manifest,
        existing: &[ExistingFile],
        context_sha256: &str,
        target: &Target,
    ) -> Artifact {
        let kind = self.kind;
        let id = artifact_id(&target.name, kind.suffix);
        let found = find_existing(existing, &id, &target.name, kind.keywords)
            .or_else(|| generated_for_project(existing, manifest, target, kind.artifact_type));
        Artifact {
            artifact_type: kind.artifact_type.into(),
            name: format!("{} {}", target.name, kind.title),
            target: target.name.clone(),
            priority: priority(kind.artifact_type, manifest.criticality()).into(),
            status: status(found, context_sha256).into(),
            derived_from: self
                .rules
                .clone()
                .unwrap_or_else(|| Arc::new(target_rules(target))),
            parameters: self.parameters.clone().unwrap_or_else(|| {
                Arc::new(target_parameters(kind.artifact_type, manifest, target))
            }),
            depends_on: depends_on(kind.artifact_type)
                .iter()
                .map(|s| artifact_id(&target.name, s))
                .collect(),
            existing_path: found.map(|f| f.path.clone()),
            validation_errors: Vec::new(),
            id,
        }
    }
}

/// The file that is this artifact: named by id with `--existing`, or the first scanned file
/// whose name holds the target and a keyword of the kind.
fn find_existing<'a>(
    existing: &'a [ExistingFile],
    id: &str,
    target: &str,
    keywords: &[&str],
) -> Option<&'a ExistingFile> {
    existing
        .iter()
        .find(|f| f.artifact_id.as_deref() == Some(id))
        .or_else(|| {
            existing
                .iter()
                .filter(|f| f.artifact_id.is_none())
                .find(|f| {
                    let n = squash(&f.name);
                    n.contains(&squash(target)) && keywords.iter().any(|k| n.contains(k))
                })
        })
}

/// `generate` writes one file per project for every target it monitors
/// (`{metadata.name}-dashboard.json`, `-prometheus-rules.yaml`, `-service-monitor.yaml`): a
/// scanned file of that name that a `generate` run record lists is the artifact of that type
/// of each target that serves requests.
fn generated_for_project<'a>(
    existing: &'a [ExistingFile],
    manifest: &Manifest,
    target: &crate::model::manifest::Target,
    artifact_type: &str,
) -> Option<&'a ExistingFile> {
    let suffix = match artifact_type {
        "dashboard" => "dashboard.json",
        "prometheus_rule" => "prometheus-rules.yaml",
        "service_monitor" => "service-monitor.yaml",
        _ => return None,
    };
    let name = format!("{}-{suffix}", manifest.metadata.name);
    existing.iter().find(|f| {
        target.serves_requests()
            && f.artifact_id.is_none()
            && f.generated_from.is_some()
            && f.name == name
    })
}

fn status(found: Option<&ExistingFile>, context_sha256: &str) -> &'static str {
    match found {
        None => "needed",
        Some(f)
            if f.generated_from
                .as_deref()
                .is_some_and(|s| s != context_sha256) =>
        {
            "outdated"
        }
        Some(_) => "exists",
    }
}

fn depends_on(artifact_type: &str) -> &'static [&'static str] {
    match artifact_type {
        "prometheus_rule" | "slo_definition" => &["service-monitor"],
        "notification_policy" => &["prometheus-rules"],
        "runbook" => &["prometheus-rules", "notification"],
        "alert_template" => &["notification"],
        _ => &[],
    }
}

fn rule(
    property: &'static str,
    source: &'static str,
    transformation: String,
    rationale: &'static str,
) -> DerivationRule {
    DerivationRule {
        property: property.into(),
        source_field: source.into(),
        transformation,
        rationale: rationale.into(),
    }
}

/// How an artifact type's properties follow from the manifest, when the manifest alone gives
/// them (`None` for the types whose rules name the target).
fn manifest_rules(artifact_type: &str, m: &Manifest) -> Option<Vec<DerivationRule>> {
    let r = &m.spec.requirements;
    let criticality = m.criticality();
    let or_unset = |v: &Option<String>| v.clone().unwrap_or_else(|| "unset".into());
    Some(match artifact_type {
        "dashboard" => vec![
            rule(
                "title",
                "spec.targets[].name",
                // The title's template, as the earlier implementation records it.
                "'{name} Service Dashboard'".into(),
                "One dashboard per target",
            ),
            rule(
                "panels.availability",
                "spec.requirements.availability",
                format!("SLO threshold: {}%", or_unset(&r.availability)),
                "Dashboard shows availability against the SLO target",
            ),
        ],
        "prometheus_rule" => vec![
            rule(
                "severity",
                "spec.business.criticality",
                format!("{criticality} → {}", severity(criticality)),
                "Alert severity follows business criticality",
            ),
            rule(
                "threshold",
                "spec.requirements.availability",
                format!("Target: {}%", or_unset(&r.availability)),
                "Error-rate alerts follow the availability target",
            ),
            rule(
                "latencyThreshold",
                "spec.requirements.latencyP99",
                format!("P99 < {}", or_unset(&r.latency_p99)),
                "Latency alert follows the P99 requirement",
            ),
        ],
        "slo_definition" => vec![
            rule(
                "objective",
                "spec.requirements.availability",
                format!("Availability SLO: {}%", or_unset(&r.availability)),
                "SLO objective is the availability requirement",
            ),
            rule(
                "errorBudget",
                "spec.requirements.errorBudget",
                format!("Error budget: {}%", or_unset(&r.error_budget)),
                "Error budget as stated",
            ),
        ],
        "service_monitor" => vec![rule(
            "scrapeInterval",
            "spec.observability.metricsInterval",
            format!("Interval: {}", m.spec.scrape_interval()),
            "Scrape interval from observability or criticality",
        )],
        "loki_rule" => return None,
        "notification_policy" => vec![rule(
            "channels",
            "spec.observability.alertChannels",
            format!("Channels: {:?}", m.spec.observability.alert_channels),
            "Alerts route to the stated channels",
        )],
        "runbook" => vec![rule(
            "risks",
            "spec.risks[]",
            format!("Risk count: {}", m.spec.risks.len()),
            "One runbook section per documented risk",
        )],
        _ => vec![rule(
            "severity",
            "spec.business.criticality",
            severity(criticality).to_string(),
            "Template severity follows criticality",
        )],
    })
}

/// The derivation rules of `loki_rule`, the one type whose rules name the target.
fn target_rules(t: &Target) -> Vec<DerivationRule> {
    vec![
        rule(
            "logSelectors",
            "spec.targets[].name",
            format!("{{job=\"{}\"}}", t.name),
            "Log selectors from the target name",
        ),
        rule(
            "logFormat",
            "spec.observability.logLevel",
            "otel".into(),
            "Logs follow the OpenTelemetry log bridge conventions",
        ),
    ]
}

/// The parameters of an artifact type that depend on the manifest alone (`None` for the
/// types whose parameters name their target).
fn manifest_parameters(artifact_type: &str, m: &Manifest) -> Option<Json> {
    let r = &m.spec.requirements;
    let o = &m.spec.observability;
    let criticality = m.criticality();
    // Without the section, the earlier implementation's defaults; with it, what it says.
    let req = |v: &Option<String>, default: &str| {
        if m.spec.has_requirements {
            v.clone()
        } else {
            Some(default.to_string())
        }
    };
    let obs = |v: &Option<String>, default: &str| {
        if m.spec.has_observability {
            v.clone()
        } else {
            Some(default.to_string())
        }
    };
    Some(match artifact_type {
        "dashboard" => {
            json!({"criticality": criticality, "dashboardPlacement": obs(&o.dashboard_placement, "standard"), "datasources": ["Tempo", "Loki", "mimir"], "risks": full_risks(m)})
        }
        "prometheus_rule" => {
            json!({"alertSeverity": severity(criticality), "availabilityThreshold": req(&r.availability, "99.9"), "latencyThreshold": req(&r.latency_p99, "200ms"), "latencyP50Threshold": r.latency_p50, "throughput": r.throughput})
        }
        "slo_definition" => {
            json!({"availability": req(&r.availability, "99.9"), "latencyP99": req(&r.latency_p99, "200ms"), "errorBudget": req(&r.error_budget, "0.1"), "throughput": r.throughput})
        }
        "notification_policy" => {
            json!({"alertChannels": o.alert_channels, "owner": m.spec.business.owner, "owners": full_owners(m)})
        }
        "runbook" => json!({"risks": full_risks(m), "escalationContacts": full_owners(m)}),
        _ => return None,
    })
}

/// The parameters of an artifact type that name the target.
fn target_parameters(artifact_type: &str, m: &Manifest, t: &Target) -> Json {
    let o = &m.spec.observability;
    match artifact_type {
        "service_monitor" => {
            let interval = if m.spec.has_observability {
                o.metrics_interval.clone()
            } else {
                Some("30s".to_string())
            };
            let mut p = json!({"metricsInterval": interval});
            if let Some(ns) = &t.namespace {
                p["namespace"] = json!(ns);
            }
            p
        }
        "loki_rule" => {
            let metric = crate::export::metric_name(&t.name);
            json!({"logSelectors": [format!("{{app=\"{}\"}}", t.name)], "recordingRules": [format!("{metric}:error_rate_5m"), format!("{metric}:request_rate_5m")], "labelExtractors": ["level", "status_code", "method", "path"], "logFormat": "otel"})
        }
        _ => {
            json!({"alertSeverity": severity(m.criticality()), "summaryTemplate": format!("[{{{{ .Status | toUpper }}}}] {} {{{{ .CommonLabels.alertname }}}}", t.name), "descriptionTemplate": "{{ range .Alerts }}{{ .Annotations.description }}\n{{ end }}", "alertChannels": o.alert_channels})
        }
    }
}

/// Coverage of required artifacts, overall and per target (manifest targets, then any other
/// target an artifact has, such as the project of its capability index); `byType` counts the
/// artifacts still to generate (needed or outdated) per type.
pub fn coverage(artifacts: &[Artifact], targets: &[Target]) -> Coverage {
    let required: Vec<&Artifact> = artifacts
        .iter()
        .filter(|a| a.priority == "required")
        .collect();
    let existing = required.iter().filter(|a| a.status == "exists").count();
    let outdated = required.iter().filter(|a| a.status == "outdated").count();
    // One pass over the required artifacts, grouped by target (targets × artifacts would be
    // quadratic for large manifests).
    let mut per_target: HashMap<&str, (usize, usize, Vec<&str>)> = HashMap::new();
    for a in &required {
        let entry = per_target.entry(a.target.as_str()).or_default();
        entry.0 += 1;
        if a.status == "exists" {
            entry.1 += 1;
        } else {
            entry.2.push(&a.id);
        }
    }
    let mut names: Vec<(&str, Option<&str>)> = targets
        .iter()
        .map(|t| (t.name.as_str(), t.namespace.as_deref()))
        .collect();
    let mut known: HashSet<&str> = names.iter().map(|(n, _)| *n).collect();
    // Artifacts come in runs of one target: each run's target is looked up once.
    let mut previous = None;
    for a in artifacts {
        let target = a.target.as_str();
        if previous != Some(target) && known.insert(target) {
            names.push((target, None));
        }
        previous = Some(target);
    }
    let by_target = names
        .into_iter()
        .map(|(name, namespace)| {
            let (count, have, gaps) = per_target.get(name).cloned().unwrap_or_default();
            TargetCoverage {
                target: name.to_string(),
                namespace: namespace.unwrap_or("default").to_string(),
                required_count: count,
                existing_count: have,
                coverage_percent: percent(have, count),
                gaps: gaps.into_iter().map(String::from).collect(),
            }
        })
        .collect();
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for a in artifacts.iter().filter(|a| a.status != "exists") {
        *by_type.entry(&a.artifact_type).or_default() += 1;
    }
    let by_type = by_type
        .into_iter()
        .map(|(t, n)| (t.to_string(), n))
        .collect();
    Coverage {
        total_required: required.len(),
        total_existing: existing,
        total_outdated: outdated,
        overall_coverage: percent(existing, required.len()),
        by_target,
        by_type,
    }
}

/// A percentage rounded to one decimal; 100 when nothing is required.
pub fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 100.0;
    }
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

/// Each entry with every key of its model, absent ones null (or `[]` for a list), in the
/// model's order: consumers of the parameters index them without checking.
fn with_model_keys(items: &[Json], keys: &[(&str, Json)]) -> Vec<Json> {
    items
        .iter()
        .map(|item| {
            let mut out = serde_json::Map::new();
            for (key, default) in keys {
                let value = item.get(*key).cloned().unwrap_or_else(|| default.clone());
                out.insert((*key).to_string(), value);
            }
            if let Some(given) = item.as_object() {
                for (k, v) in given {
                    out.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            Json::Object(out)
        })
        .collect()
}

/// `spec.risks`, each with type, description, priority, mitigation and controls.
fn full_risks(m: &Manifest) -> Vec<Json> {
    with_model_keys(
        &m.spec.risks,
        &[
            ("type", Json::Null),
            ("description", Json::Null),
            ("priority", Json::Null),
            ("mitigation", Json::Null),
            ("controls", json!([])),
        ],
    )
}

/// `metadata.owners`, each with team, slack, email and oncall.
fn full_owners(m: &Manifest) -> Vec<Json> {
    with_model_keys(
        &m.metadata.owners,
        &[
            ("team", Json::Null),
            ("slack", Json::Null),
            ("email", Json::Null),
            ("oncall", Json::Null),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_follow_criticality() {
        assert_eq!(priority("prometheus_rule", "high"), "required");
        assert_eq!(priority("prometheus_rule", "low"), "recommended");
        assert_eq!(priority("runbook", "critical"), "required");
        assert_eq!(priority("runbook", "high"), "optional");
        assert_eq!(priority("dashboard", "low"), "required");
    }

    #[test]
    fn ids_keep_the_earlier_scheme() {
        assert_eq!(
            artifact_id("ledger-api", "dashboard"),
            "ledger_api-dashboard"
        );
    }

    #[test]
    fn percent_rounds_to_one_decimal() {
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(0, 0), 100.0);
    }
}
