//! `generate` derivations: ServiceMonitor, PrometheusRule and Grafana dashboard from an
//! exported project context, offline. Pure: the context in, documents and checks out.

mod dashboard;
mod promtool_tests;
mod rules;

use serde_json::{Value as Json, json};

use crate::export::{to_json, to_yaml};
use crate::model::manifest::Target;
use crate::model::project_context::ProjectContext;
pub use crate::model::reports::Check;
use crate::model::reports::{GeneratedArtifact, GeneratedFrom, GenerationReport};

/// Which artifacts to generate.
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    pub service_monitor: bool,
    pub prometheus_rule: bool,
    pub dashboard: bool,
}

/// A generated artifact: its type, canonical file name and bytes.
pub struct Generated {
    pub artifact_type: &'static str,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The checks a context must pass for the selected artifacts to mean anything.
pub fn strict_checks(ctx: &ProjectContext, sel: Selection) -> Vec<Check> {
    let r = &ctx.spec.requirements;
    let mut checks = vec![Check {
        check: "has_targets".into(),
        passed: !ctx.spec.targets.is_empty(),
        detail: "spec.targets lists the workloads to monitor".into(),
    }];
    if sel.prometheus_rule || sel.dashboard {
        checks.push(Check {
            check: "has_requirements".into(),
            passed: r.availability.is_some() || r.latency_p99.is_some(),
            detail: "spec.requirements.availability or latencyP99 gives alert thresholds".into(),
        });
    }
    checks
}

/// Labels of every generated Kubernetes object: the manifest's
/// (`spec.observability.labels`), then ours.
fn labels(ctx: &ProjectContext) -> Json {
    let mut l: serde_json::Map<String, Json> = ctx
        .spec
        .observability
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    l.insert("app.kubernetes.io/managed-by".into(), json!("contextcore"));
    l.insert("contextcore.io/project".into(), json!(ctx.metadata.name));
    Json::Object(l)
}

/// The monitored targets: those that serve requests.
pub fn monitored(ctx: &ProjectContext) -> impl Iterator<Item = &Target> {
    ctx.spec.targets.iter().filter(|t| t.serves_requests())
}

/// The targets left out of the ServiceMonitor and the SLO rules, each with why.
pub fn left_out(ctx: &ProjectContext) -> Vec<String> {
    ctx.spec
        .targets
        .iter()
        .filter(|t| !t.serves_requests())
        .map(|t| {
            format!(
                "{} {} is left out of the ServiceMonitor and the SLO rules: it serves no requests to scrape or measure",
                t.kind, t.name
            )
        })
        .collect()
}

/// The objects' namespace: the first monitored target's (where the workload runs), else the
/// project context's (export's `-n`), else `default`.
fn namespace(ctx: &ProjectContext) -> String {
    monitored(ctx)
        .find_map(|t| t.namespace.clone())
        .or_else(|| ctx.metadata.namespace.clone())
        .unwrap_or_else(|| "default".into())
}

fn service_monitor(ctx: &ProjectContext) -> Json {
    let project = &ctx.metadata.name;
    let names: Vec<&str> = monitored(ctx).map(|t| t.name.as_str()).collect();
    let mut namespaces: Vec<String> = monitored(ctx)
        .map(|t| t.namespace.clone().unwrap_or_else(|| "default".into()))
        .collect();
    namespaces.sort();
    namespaces.dedup();
    json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": project, "namespace": namespace(ctx), "labels": labels(ctx)},
        "spec": {
            // The scraped series' `job` is the target's name, which the SLO rules select.
            "jobLabel": "app.kubernetes.io/name",
            "selector": {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": names}]},
            "namespaceSelector": {"matchNames": namespaces},
            "endpoints": [{"port": "metrics", "path": "/metrics", "interval": ctx.spec.scrape_interval()}],
        },
    })
}

/// The metrics a target's SLIs read: the HTTP conventions by default, the gRPC server
/// metrics (go-grpc-prometheus and its kin) when the communication graph says the service
/// speaks gRPC, each part replaced by what `spec.observability.sli` sets.
pub struct Sli {
    /// The requests counter.
    pub requests: String,
    /// The label that holds the outcome, and the regex of its values that are errors.
    pub outcome_label: String,
    pub errors: String,
    /// An outcome that is a success and one that is an error (for generated tests); no error
    /// example when the error regex gives none plainly.
    pub ok_value: String,
    pub error_value: Option<String>,
    /// The latency histogram (`_bucket`, `_count`).
    pub latency: String,
}

/// The SLI metrics of a target.
pub fn sli(ctx: &ProjectContext, t: &Target) -> Sli {
    let grpc = ctx.spec.protocol_of(&t.name) == Some("grpc");
    let (requests, label, errors, ok, latency) = if grpc {
        (
            "grpc_server_handled_total",
            "grpc_code",
            "Unknown|DeadlineExceeded|Internal|Unavailable|DataLoss",
            "OK",
            "grpc_server_handling_seconds",
        )
    } else {
        (
            "http_requests_total",
            "code",
            "5..",
            "200",
            "http_request_duration_seconds",
        )
    };
    let c = &ctx.spec.observability.sli;
    let errors = c.error_outcomes.clone().unwrap_or_else(|| errors.into());
    Sli {
        requests: c.requests_metric.clone().unwrap_or_else(|| requests.into()),
        outcome_label: c.outcome_label.clone().unwrap_or_else(|| label.into()),
        // An example error: the regex's first alternative with `.` as `0` (`5..` → `500`),
        // when that is plain text.
        error_value: errors
            .split('|')
            .next()
            .map(|e| e.replace('.', "0"))
            .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')),
        ok_value: if errors.starts_with(|c: char| c.is_ascii_digit()) {
            "200"
        } else {
            ok
        }
        .into(),
        errors,
        latency: c.latency_metric.clone().unwrap_or_else(|| latency.into()),
    }
}

/// The PromQL label matcher of a target's series.
fn selector(t: &Target) -> String {
    format!(
        "job=\"{}\", namespace=\"{}\"",
        t.name,
        t.namespace.as_deref().unwrap_or("default")
    )
}

/// Generates the selected artifacts, in canonical order.
pub fn generate(ctx: &ProjectContext, sel: Selection) -> Vec<Generated> {
    let project = &ctx.metadata.name;
    let mut out = Vec::new();
    if sel.service_monitor {
        out.push(Generated {
            artifact_type: "service_monitor",
            name: format!("{project}-service-monitor.yaml"),
            bytes: to_yaml(&service_monitor(ctx)),
        });
    }
    if sel.prometheus_rule {
        let groups = rules::groups(ctx);
        let rule = json!({
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PrometheusRule",
            "metadata": {"name": format!("{project}-rules"), "namespace": namespace(ctx), "labels": labels(ctx)},
            "spec": {"groups": groups},
        });
        out.push(Generated {
            artifact_type: "prometheus_rule",
            name: format!("{project}-prometheus-rules.yaml"),
            bytes: to_yaml(&rule),
        });
        // The same groups as a plain rule file (Prometheus without the operator, and
        // `promtool test rules`), and the unit tests that replay traffic against them.
        let plain = format!("{project}-slo-rules.yaml");
        out.push(Generated {
            artifact_type: "prometheus_rule_file",
            name: plain.clone(),
            bytes: to_yaml(&json!({"groups": groups})),
        });
        out.push(Generated {
            artifact_type: "prometheus_rule_test",
            name: format!("{project}-slo-rules.test.yaml"),
            bytes: to_yaml(&promtool_tests::tests(ctx, &plain)),
        });
    }
    if sel.dashboard {
        let json = to_json(&dashboard::dashboard(ctx));
        let name = format!("{project}-dashboard.json");
        // The same dashboard as a ConfigMap the Grafana sidecar (kube-prometheus-stack) loads.
        let mut l = labels(ctx);
        l["grafana_dashboard"] = json!("1");
        let configmap = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": format!("{project}-dashboard"), "namespace": namespace(ctx), "labels": l},
            "data": {name.clone(): String::from_utf8_lossy(&json)},
        });
        out.push(Generated {
            artifact_type: "dashboard",
            name,
            bytes: json,
        });
        out.push(Generated {
            artifact_type: "dashboard_configmap",
            name: format!("{project}-dashboard-configmap.yaml"),
            bytes: to_yaml(&configmap),
        });
    }
    out
}

/// `generation-report.json`: what was generated from which context, and the strict checks.
/// `generated` holds (record path, artifact, sha256, git blob) of each file written.
pub fn report(
    project: &str,
    context: GeneratedFrom,
    generated: &[(String, &Generated, String, String)],
    checks: &[Check],
    strict: bool,
) -> Vec<u8> {
    to_json(&GenerationReport {
        schema: "contextcore.io/generation-report/v1".into(),
        project: project.into(),
        context,
        strict_quality: strict,
        artifacts: generated
            .iter()
            .map(|(path, g, sha256, git_blob)| GeneratedArtifact {
                artifact_type: g.artifact_type.into(),
                path: path.clone(),
                sha256: sha256.clone(),
                git_blob: git_blob.clone(),
            })
            .collect(),
        strict_checks: checks.to_vec(),
        passed: checks.iter().all(|c| c.passed),
        run_provenance: crate::paths::RUN_RECORD.into(),
    })
}
