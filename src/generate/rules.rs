//! Prometheus rule groups: recording rules per target, then alerts whose thresholds follow the
//! requirements (availability/error budget → error-rate and burn-rate, latencyP99 → latency).

use serde_json::{Value as Json, json};

use super::{alert_severity, rule_name, selector};
use crate::model::manifest::{parse_duration_ms, parse_percentage};
use crate::model::project_context::ProjectContext;

/// `spec.groups` of the PrometheusRule (also a valid `promtool check rules` file body).
pub fn groups(ctx: &ProjectContext) -> Vec<Json> {
    let r = &ctx.spec.requirements;
    let criticality = ctx.spec.business.criticality.as_deref().unwrap_or("medium");
    let severity = alert_severity(criticality);
    let priority = crate::export::artifacts::severity(criticality);
    let channels = ctx.spec.observability.alert_channels.join(",");
    let owner = ctx.spec.business.owner.clone().unwrap_or_default();
    // Error budget as a ratio: 1 - availability, else errorBudget (percent).
    let budget = r
        .availability
        .as_deref()
        .and_then(parse_percentage)
        .map(|a| 100.0 - a)
        .or_else(|| r.error_budget.as_deref().and_then(parse_percentage))
        .map(|p| p / 100.0);
    let latency_s = r
        .latency_p99
        .as_deref()
        .and_then(parse_duration_ms)
        .map(|ms| ms / 1000.0);

    let mut recording = Vec::new();
    let mut alerts = Vec::new();
    for t in &ctx.spec.targets {
        let name = rule_name(t);
        let sel = selector(t);
        recording.push(json!({"record": format!("{name}:http_requests:rate5m"), "expr": format!("sum(rate(http_requests_total{{{sel}}}[5m]))")}));
        recording.push(json!({"record": format!("{name}:http_errors:ratio_rate5m"), "expr": format!("sum(rate(http_requests_total{{{sel}, code=~\"5..\"}}[5m])) / sum(rate(http_requests_total{{{sel}}}[5m]))")}));
        recording.push(json!({"record": format!("{name}:http_errors:ratio_rate1h"), "expr": format!("sum(rate(http_requests_total{{{sel}, code=~\"5..\"}}[1h])) / sum(rate(http_requests_total{{{sel}}}[1h]))")}));
        let labels = |kind: &str| json!({"severity": severity, "priority": priority, "team": owner, "channel": channels, "target": t.name, "alert_kind": kind});
        let title = camel(&t.name);
        if let Some(budget) = budget {
            alerts.push(json!({
                "alert": format!("{title}HighErrorRate"),
                "expr": format!("{name}:http_errors:ratio_rate5m > {}", fmt(budget)),
                "for": "5m",
                "labels": labels("error_rate"),
                "annotations": {"summary": format!("{} error rate above its budget of {}%", t.name, fmt(budget * 100.0)), "description": "Error ratio over 5m exceeds the error budget derived from the availability requirement."},
            }));
            alerts.push(json!({
                "alert": format!("{title}ErrorBudgetBurn"),
                "expr": format!("{name}:http_errors:ratio_rate1h > {} and {name}:http_errors:ratio_rate5m > {}", fmt(14.4 * budget), fmt(14.4 * budget)),
                "for": "2m",
                "labels": labels("burn_rate"),
                "annotations": {"summary": format!("{} is burning its error budget 14.4x too fast", t.name), "description": "Fast burn: at this rate a 30-day budget is gone in about two days."},
            }));
        }
        if let Some(latency) = latency_s {
            alerts.push(json!({
                "alert": format!("{title}HighLatencyP99"),
                "expr": format!("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{{sel}}}[5m]))) > {}", fmt(latency)),
                "for": "10m",
                "labels": labels("latency"),
                "annotations": {"summary": format!("{} P99 latency above {}s", t.name, fmt(latency)), "description": "P99 latency exceeds the latencyP99 requirement."},
            }));
        }
    }
    let project = crate::export::metric_name(&ctx.metadata.name);
    let mut groups = vec![json!({"name": format!("{project}.recording"), "rules": recording})];
    if !alerts.is_empty() {
        groups.push(json!({"name": format!("{project}.alerts"), "rules": alerts}));
    }
    groups
}

/// A number without float noise (`0.0005`, not `0.0004999999`).
fn fmt(v: f64) -> String {
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// `checkout-api` → `CheckoutApi`.
fn camel(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_without_noise() {
        assert_eq!(fmt(1.0 - 0.9995), "0.0005");
        assert_eq!(fmt(0.25), "0.25");
        assert_eq!(camel("checkout-api"), "CheckoutApi");
    }
}
