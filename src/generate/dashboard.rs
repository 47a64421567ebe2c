//! The Grafana dashboard: per target, availability, error rate, P99 latency against its
//! target, and throughput — every panel with a PromQL query.

use serde_json::{Value as Json, json};

use super::rules::SLO_WINDOW;
use super::selector;
use crate::model::manifest::{parse_duration_ms, parse_percentage};
use crate::model::project_context::ProjectContext;

/// The dashboard JSON model. Its uid is derived from the project, so reruns are identical.
pub fn dashboard(ctx: &ProjectContext) -> Json {
    let project = &ctx.metadata.name;
    let r = &ctx.spec.requirements;
    let latency_target = r
        .latency_p99
        .as_deref()
        .and_then(parse_duration_ms)
        .map(|ms| ms / 1000.0);
    let mut panels = Vec::new();
    let mut id = 1;
    for (row, t) in super::monitored(ctx).enumerate() {
        let sel = selector(t);
        let y = row as i64 * 17;
        let mut panel = |title: String,
                         kind: &str,
                         expr: String,
                         unit: &str,
                         x: i64,
                         threshold: Option<f64>| {
            let mut p = json!({
                "id": id, "type": kind, "title": title,
                // `x` past the 24 columns continues on the target's second line.
                "gridPos": {"h": 8, "w": 6, "x": x % 24, "y": y + x / 24 * 8},
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "targets": [{"refId": "A", "expr": expr, "legendFormat": t.name}],
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            });
            if let Some(v) = threshold {
                p["fieldConfig"]["defaults"]["thresholds"] = json!({"mode": "absolute", "steps": [{"color": "green", "value": null}, {"color": "red", "value": v}]});
                // Drawn as a line on time series (Grafana hides thresholds by default).
                p["fieldConfig"]["defaults"]["custom"] =
                    json!({"thresholdsStyle": {"mode": "line"}});
            }
            id += 1;
            panels.push(p);
        };
        let m = format!(
            "project=\"{project}\", namespace=\"{}\", job=\"{}\"",
            t.namespace.as_deref().unwrap_or("default"),
            t.name
        );
        let availability = r.availability.as_deref().and_then(parse_percentage);
        panel(
            format!(
                "{} availability over {SLO_WINDOW} (target {}%)",
                t.name,
                r.availability.as_deref().unwrap_or("unset")
            ),
            "stat",
            format!("slo:sli_availability:ratio_rate{SLO_WINDOW}{{{m}, slo=\"availability\"}}"),
            "percentunit",
            0,
            None,
        );
        panel(
            format!("{} error budget remaining", t.name),
            "stat",
            format!("slo:error_budget:remaining_ratio{{{m}}}"),
            "percentunit",
            6,
            None,
        );
        panel(
            format!("{} error ratio (5m, 1h, 6h)", t.name),
            "timeseries",
            format!(
                "slo:sli_error:ratio_rate5m{{{m}}} or slo:sli_error:ratio_rate1h{{{m}}} or slo:sli_error:ratio_rate6h{{{m}}}"
            ),
            "percentunit",
            12,
            availability.map(|a| 1.0 - a / 100.0),
        );
        panel(
            format!("{} requests by status code", t.name),
            "timeseries",
            format!("sum by (code) (rate(http_requests_total{{{sel}}}[5m]))"),
            "reqps",
            18,
            None,
        );
        // Latency panels only where the manifest sets a target.
        if latency_target.is_some() {
            panel(
                format!("{} P99 latency vs target", t.name),
                "timeseries",
                format!(
                    "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{{sel}}}[5m])))"
                ),
                "s",
                24,
                latency_target,
            );
        }
    }
    json!({
        "uid": format!("cc-{}", &crate::fingerprint::Digests::of_bytes(project.as_bytes()).sha256[..12]),
        "title": format!("{project} service overview"),
        "tags": ["contextcore", project],
        "schemaVersion": 39,
        "editable": true,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [{"name": "datasource", "type": "datasource", "query": "prometheus"}]},
        "panels": panels,
    })
}
