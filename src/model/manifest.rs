//! The v1alpha2 context manifest (`.contextcore.yaml`): its schema, with positions for every
//! problem, and the typed view the derivations read.

use std::path::Path;

use serde::{Deserialize, Deserializer};
use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::schema;
use crate::source;

pub use super::manifest_formats::{parse_duration_ms, parse_percentage, parse_rate_per_second};
pub use super::manifest_schema::{API_VERSION, CRITICALITIES, KIND, RISK_TYPES, SPEC};

/// The typed view of a valid manifest. Sections we only pass through stay JSON.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub metadata: Metadata,
    pub spec: Spec,
}

/// `metadata`.
#[derive(Debug, Clone, Deserialize)]
pub struct Metadata {
    pub name: String,
    #[serde(default)]
    pub owners: Vec<Json>,
}

/// `spec`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Spec {
    #[serde(default)]
    pub project: Project,
    #[serde(default)]
    pub business: Business,
    #[serde(default)]
    pub requirements: Requirements,
    #[serde(default)]
    pub risks: Vec<Json>,
    #[serde(default)]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub observability: Observability,
    /// `spec.service_communication_graph` as written (its `services.<name>.protocol` says
    /// which SLI metrics a target exposes).
    #[serde(default)]
    pub service_communication_graph: Json,
    /// Whether the manifest has a `requirements` / `observability` section at all: artifact
    /// parameters take the earlier implementation's defaults only when the section is absent.
    #[serde(skip)]
    pub has_requirements: bool,
    #[serde(skip)]
    pub has_observability: bool,
}

/// `spec.project`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Project {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// `spec.business`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Business {
    pub criticality: Option<String>,
    pub owner: Option<String>,
    pub value: Option<String>,
}

/// `spec.requirements`; numbers written unquoted are read as their text.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Requirements {
    #[serde(default, deserialize_with = "scalar_text")]
    pub availability: Option<String>,
    #[serde(default, deserialize_with = "scalar_text", rename = "latencyP99")]
    pub latency_p99: Option<String>,
    #[serde(default, deserialize_with = "scalar_text", rename = "latencyP50")]
    pub latency_p50: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    pub throughput: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    pub error_budget: Option<String>,
    /// The window the error budget is spent over (`30d` when unset).
    #[serde(default, deserialize_with = "scalar_text")]
    pub slo_window: Option<String>,
}

/// One of `spec.targets`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Target {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

impl Target {
    /// Whether the target serves requests that a ServiceMonitor can scrape and HTTP SLOs can
    /// measure (a CronJob, a Job, a ConfigMap or a Secret does not).
    pub fn serves_requests(&self) -> bool {
        matches!(
            self.kind.as_str(),
            "Deployment" | "StatefulSet" | "DaemonSet" | "Service" | "Ingress"
        )
    }
}

/// `spec.observability`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observability {
    #[serde(default, deserialize_with = "scalar_text")]
    pub trace_sampling: Option<String>,
    #[serde(default, deserialize_with = "scalar_text")]
    pub metrics_interval: Option<String>,
    #[serde(default)]
    pub alert_channels: Vec<String>,
    pub log_level: Option<String>,
    pub dashboard_placement: Option<String>,
    /// Labels for every generated Kubernetes object (e.g. `release`, which the
    /// kube-prometheus-stack operator selects rules and monitors by).
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    /// The runbook's URL, linked from every alert (`runbook_url`).
    pub runbook: Option<String>,
    /// The SLI metrics, where they differ from the HTTP (or gRPC) conventions.
    #[serde(default)]
    pub sli: SliConfig,
}

/// `spec.observability.sli`: the metrics `generate`'s SLOs read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SliConfig {
    /// The requests counter (`http_requests_total`).
    pub requests_metric: Option<String>,
    /// The label holding each request's outcome (`code`).
    pub outcome_label: Option<String>,
    /// The regex of outcomes that are errors (`5..`).
    pub error_outcomes: Option<String>,
    /// The latency histogram's base name (`http_request_duration_seconds`).
    pub latency_metric: Option<String>,
}

impl Spec {
    /// The protocol the communication graph gives a service (`grpc`, `http`, …).
    pub fn protocol_of(&self, service: &str) -> Option<&str> {
        self.service_communication_graph
            .pointer(&format!(
                "/services/{}/protocol",
                service.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Json::as_str)
    }

    /// Criticality, `medium` when unset.
    pub fn criticality(&self) -> &str {
        self.business.criticality.as_deref().unwrap_or("medium")
    }

    /// The scrape interval: `observability.metricsInterval`, else by criticality.
    pub fn scrape_interval(&self) -> String {
        self.observability
            .metrics_interval
            .clone()
            .unwrap_or_else(|| {
                match self.criticality() {
                    "critical" => "10s",
                    "high" => "30s",
                    "medium" => "60s",
                    _ => "120s",
                }
                .to_string()
            })
    }
}

impl Manifest {
    /// The project name used in file names and artifact ids: `metadata.name`, else `spec.project.id`.
    pub fn project_name(&self) -> &str {
        if self.metadata.name.is_empty() {
            self.spec.project.id.as_deref().unwrap_or("")
        } else {
            &self.metadata.name
        }
    }

    /// The project's id in documents and artifact ids: `spec.project.id`, else `metadata.name`
    /// (file names keep [`Self::project_name`]), as the earlier implementation has them.
    pub fn project_id(&self) -> &str {
        match self.spec.project.id.as_deref() {
            Some(id) if !id.is_empty() => id,
            _ => self.project_name(),
        }
    }

    /// Criticality, `medium` when unset.
    pub fn criticality(&self) -> &str {
        self.spec.criticality()
    }
}

/// A parsed manifest, its full JSON form (for pass-through) and its warnings.
pub struct LoadedManifest {
    pub manifest: Manifest,
    pub document: Json,
    pub warnings: Vec<Diagnostic>,
}

/// Reads and checks a manifest: every problem is collected; any error fails with all of them.
pub fn load(path: &Path, shown: &str) -> Result<LoadedManifest> {
    let node = source::read_yaml(path, shown)?;
    let diagnostics = validate_node(&node, shown);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(Error::Input(diagnostics));
    }
    let document = node.to_json();
    let mut manifest: Manifest = serde_json::from_value(document.clone()).map_err(|e| {
        Error::at(
            shown,
            node.pos,
            format!("manifest does not fit the v1alpha2 model: {e}"),
        )
    })?;
    manifest.spec.has_requirements = document.pointer("/spec/requirements").is_some();
    manifest.spec.has_observability = document.pointer("/spec/observability").is_some();
    Ok(LoadedManifest {
        manifest,
        document,
        warnings: diagnostics,
    })
}

/// All diagnostics of a parsed manifest (errors and warnings), in source order.
pub fn validate_node(node: &crate::yaml::Node, shown: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    schema::check(node, &super::manifest_schema::MANIFEST, shown, "", &mut out);
    out.sort_by_key(|d| (d.line, d.column));
    out
}

/// Checks manifest text a command is about to write (it must be valid v1alpha2); errors carry
/// their positions under `shown`.
pub fn check_text(text: &str, shown: &str) -> Result<()> {
    let node = crate::yaml::parse(text).map_err(|e| Error::at(shown, e.pos, e.message))?;
    let errors: Vec<Diagnostic> = validate_node(&node, shown)
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Input(errors))
    }
}

fn scalar_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Json>::deserialize(d)? {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let node = crate::yaml::parse(text).unwrap();
        validate_node(&node, "m.yaml")
            .iter()
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn wrong_types_and_values_are_located() {
        let text = "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: a/b\nspec:\n  business:\n    criticality: urgent\n  requirements:\n    latencyP99: fast\n  targets: nope\n";
        let p = problems(text);
        assert!(
            p.iter()
                .any(|l| l.starts_with("m.yaml:4:9: error: metadata.name")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|l| l.starts_with("m.yaml:7:18: error:")),
            "{p:?}"
        );
        assert!(
            p.iter().any(|l| l.starts_with("m.yaml:9:17: error:")),
            "{p:?}"
        );
        assert!(
            p.iter()
                .any(|l| l.starts_with("m.yaml:10:12: error: spec.targets: expected a list")),
            "{p:?}"
        );
    }

    const SPEC_OK: &str =
        "spec:\n  project:\n    id: ok\n  targets:\n    - kind: Deployment\n      name: ok\n";

    fn with_head(rest: &str) -> String {
        format!(
            "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: ok\n{rest}"
        )
    }

    #[test]
    fn unknown_keys_are_warnings() {
        let text = with_head(&format!("  colour: red\n{SPEC_OK}"));
        assert_eq!(
            problems(&text),
            vec!["m.yaml:5:3: warning: metadata.colour: unknown key, ignored"]
        );
    }

    #[test]
    fn a_project_and_a_target_are_required() {
        let p = problems(&with_head("spec:\n  targets: []\n"));
        assert_eq!(
            p,
            vec![
                "m.yaml:6:3: error: spec.project: required key is missing",
                "m.yaml:6:12: error: spec.targets: must list at least one item",
            ]
        );
    }

    #[test]
    fn enum_errors_list_the_allowed_values() {
        let text = with_head(&format!(
            "{SPEC_OK}  risks:\n    - type: dependency\n      description: d\n"
        ));
        assert_eq!(
            problems(&text),
            vec![
                "m.yaml:12:13: error: spec.risks[0].type: 'dependency' is not one of security, \
                 compliance, data-integrity, availability, financial, reputational"
            ]
        );
    }

    #[test]
    fn strategy_rules_span_fields() {
        let text = with_head(&format!(
            "{SPEC_OK}strategy:\n  objectives:\n    - id: OBJ-A\n      description: a\n      keyResults:\n        - metricKey: availability\n          unit: ms\n          target: 99.9\n  tactics:\n    - id: TAC-1\n      description: t\n      status: blocked\n      linkedObjectives: [OBJ-B]\n"
        ));
        let p = problems(&text);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].starts_with("m.yaml:17:17: error: strategy.objectives[0].keyResults[0].unit: 'ms' does not fit metric 'availability'; allowed: %"), "{p:?}");
        assert!(p[1].starts_with("m.yaml:22:15: error: strategy.tactics[0].status: a blocked tactic needs blockedReason"), "{p:?}");
        assert!(p[2].starts_with("m.yaml:23:26: error: strategy.tactics[0].linkedObjectives[0]: 'OBJ-B' is not an objective"), "{p:?}");
    }

    #[test]
    fn unquoted_numbers_are_not_strings() {
        let text = with_head(&format!(
            "{SPEC_OK}  requirements:\n    availability: 99.9\n"
        ));
        assert_eq!(
            problems(&text),
            vec![
                "m.yaml:12:19: error: spec.requirements.availability: expected a string (put the value in quotes to keep it as text), found a number"
            ]
        );
    }
}
