//! The Grafana dashboard: per target, availability, error rate, P99 latency against its
//! target, and throughput — every panel with a PromQL query.

use serde_json::{Value as Json, json};

use super::{rule_name, selector};
use crate::model::manifest::parse_duration_ms;
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
    for (row, t) in ctx.spec.targets.iter().enumerate() {
        let name = rule_name(t);
        let sel = selector(t);
        let y = row as i64 * 9;
        let mut panel = |title: String,
                         kind: &str,
                         expr: String,
                         unit: &str,
                         x: i64,
                         threshold: Option<f64>| {
            let mut p = json!({
                "id": id, "type": kind, "title": title,
                "gridPos": {"h": 8, "w": 6, "x": x, "y": y},
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "targets": [{"refId": "A", "expr": expr, "legendFormat": t.name}],
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            });
            if let Some(v) = threshold {
                p["fieldConfig"]["defaults"]["thresholds"] = json!({"mode": "absolute", "steps": [{"color": "green", "value": null}, {"color": "red", "value": v}]});
            }
            id += 1;
            panels.push(p);
        };
        panel(
            format!(
                "{} availability (target {}%)",
                t.name,
                r.availability.as_deref().unwrap_or("unset")
            ),
            "stat",
            format!("1 - {name}:http_errors:ratio_rate5m"),
            "percentunit",
            0,
            None,
        );
        panel(
            format!("{} error rate", t.name),
            "timeseries",
            format!("{name}:http_errors:ratio_rate5m"),
            "percentunit",
            6,
            None,
        );
        panel(
            format!("{} P99 latency vs target", t.name),
            "timeseries",
            format!(
                "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{{sel}}}[5m])))"
            ),
            "s",
            12,
            latency_target,
        );
        panel(
            format!("{} throughput", t.name),
            "timeseries",
            format!("{name}:http_requests:rate5m"),
            "reqps",
            18,
            None,
        );
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
