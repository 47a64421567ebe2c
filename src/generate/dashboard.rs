//! The Grafana dashboard: per monitored target, availability over the SLO window, error
//! budget remaining, burn rate per alert window, requests by outcome and (with a latency
//! target) P50/P90/P99 against it with the threshold drawn; a namespace variable.

use serde_json::{Value as Json, json};

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
    let window = super::rules::slo_window(ctx);
    let mut panels = Vec::new();
    let mut id = 1;
    for (row, t) in super::monitored(ctx).enumerate() {
        let sli = super::sli(ctx, t);
        // The target's series, and only while the namespace variable includes its namespace.
        let sel = format!("{}, namespace=~\"$namespace\"", selector(t));
        let y = row as i64 * 17;
        let mut panel = |title: String,
                         kind: &str,
                         queries: Vec<(String, String)>,
                         unit: &str,
                         x: i64,
                         threshold: Option<f64>| {
            let targets: Vec<Json> = queries
                .into_iter()
                .zip('A'..)
                .map(|((legend, expr), r)| json!({"refId": r.to_string(), "expr": expr, "legendFormat": legend}))
                .collect();
            let mut p = json!({
                "id": id, "type": kind, "title": title,
                // `x` past the 24 columns continues on the target's second line.
                "gridPos": {"h": 8, "w": 6, "x": x % 24, "y": y + x / 24 * 8},
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "targets": targets,
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
            "project=\"{project}\", namespace=\"{}\", namespace=~\"$namespace\", job=\"{}\"",
            t.namespace.as_deref().unwrap_or("default"),
            t.name
        );
        let one = |expr: String| vec![(t.name.clone(), expr)];
        let availability = r.availability.as_deref().and_then(parse_percentage);
        panel(
            format!(
                "{} availability over {window} (target {}%)",
                t.name,
                r.availability.as_deref().unwrap_or("unset")
            ),
            "stat",
            one(format!(
                "slo:sli_availability:ratio_rate{window}{{{m}, slo=\"availability\"}}"
            )),
            "percentunit",
            0,
            None,
        );
        panel(
            format!("{} error budget remaining", t.name),
            "stat",
            one(format!(
                "slo:error_budget:remaining_ratio{{{m}, slo=\"availability\"}}"
            )),
            "percentunit",
            6,
            None,
        );
        if let Some(a) = availability {
            // Burn rate per alert window: the error ratio in budgets (1 spends it in exactly
            // the SLO window; the fast page is at 14.4).
            let budget = super::rules::fmt(1.0 - a / 100.0);
            panel(
                format!("{} error budget burn rate", t.name),
                "timeseries",
                ["5m", "1h", "6h", "3d"]
                    .iter()
                    .map(|w| (w.to_string(), format!("slo:sli_error:ratio_rate{w}{{{m}, slo=\"availability\"}} / {budget}")))
                    .collect(),
                "none",
                12,
                Some(14.4),
            );
        }
        panel(
            format!("{} requests by {}", t.name, sli.outcome_label),
            "timeseries",
            vec![(
                format!("{{{{{}}}}}", sli.outcome_label),
                format!(
                    "sum by ({}) (rate({}{{{sel}}}[5m]))",
                    sli.outcome_label, sli.requests
                ),
            )],
            "reqps",
            18,
            None,
        );
        // Latency panels only where the manifest sets a target.
        if latency_target.is_some() {
            panel(
                format!("{} latency P50 / P90 / P99 vs target", t.name),
                "timeseries",
                [("p50", "0.5"), ("p90", "0.9"), ("p99", "0.99")]
                    .iter()
                    .map(|(legend, q)| {
                        (legend.to_string(), format!("histogram_quantile({q}, sum by (le) (rate({}_bucket{{{sel}}}[5m])))", sli.latency))
                    })
                    .collect(),
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
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus"},
            {"name": "namespace", "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"},
             "query": "label_values(slo:sli_error:ratio_rate5m, namespace)", "includeAll": true, "multi": true,
             "allValue": ".*", "current": {"text": "All", "value": "$__all"}, "refresh": 2},
        ]},
        "panels": panels,
    })
}
