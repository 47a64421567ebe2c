//! Prometheus rules for each target's SLOs, as the Google SRE Workbook's multi-window,
//! multi-burn-rate alerting (what Sloth and Pyrra generate): the SLI's error ratio recorded over
//! every alert window and the SLO window, aggregated `by (namespace, job)` and labelled with the
//! project, target and SLO, so targets and projects never share a series; a page when the budget
//! burns 14.4× over 1h and 5m or 6× over 6h and 30m, a ticket at 3× over 1d and 2h or 1× over 3d
//! and 6h; an alert when the SLI's series vanish; budget remaining and SLO-window availability.
//! No static threshold alert pages. One rule group per target.
//!
//! SLOs: availability (requests answered without a 5xx, objective from
//! `spec.requirements.availability`, else 100 − `errorBudget`) and latency (requests faster than
//! `latencyP99`, objective 99 %, from the histogram bucket at the target).

use serde_json::{Value as Json, json};

use super::selector;
use crate::model::manifest::{Target, parse_duration_ms, parse_percentage};
use crate::model::project_context::ProjectContext;

/// The SLO window the error budget is spent over: `spec.requirements.sloWindow`, else 30 days.
pub fn slo_window(ctx: &ProjectContext) -> String {
    ctx.spec
        .requirements
        .slo_window
        .clone()
        .unwrap_or_else(|| "30d".into())
}

/// The windows the error ratio is recorded over (the alerts' long and short windows).
const WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// (long window, short window, burn rate, severity, for): two page and two ticket tiers.
const BURNS: [(&str, &str, f64, &str, &str); 4] = [
    ("1h", "5m", 14.4, "critical", "2m"),
    ("6h", "30m", 6.0, "critical", "15m"),
    ("1d", "2h", 3.0, "warning", "1h"),
    ("3d", "6h", 1.0, "warning", "3h"),
];

/// One SLO of a target: its name, objective (a ratio) and the PromQL of its error ratio over a
/// window.
struct Slo {
    name: &'static str,
    objective: f64,
    errors: Box<dyn Fn(&str) -> String>,
}

/// The availability objective in percent: `availability`, else 100 − `errorBudget`.
pub fn availability(ctx: &ProjectContext) -> Option<f64> {
    let r = &ctx.spec.requirements;
    r.availability
        .as_deref()
        .and_then(parse_percentage)
        .or_else(|| {
            r.error_budget
                .as_deref()
                .and_then(parse_percentage)
                .map(|b| 100.0 - b)
        })
}

/// The name of a target's burn-rate alerts for an SLO.
pub fn burn_alert(t: &Target, slo: &str) -> String {
    format!("{}{}ErrorBudgetBurn", camel(&t.name), camel(slo))
}

/// The name of a target's vanished-SLI alert.
pub fn absent_alert(t: &Target) -> String {
    format!("{}SLIAbsent", camel(&t.name))
}

/// The SLOs the requirements set for a target.
fn slos(ctx: &ProjectContext, t: &Target) -> Vec<Slo> {
    let r = &ctx.spec.requirements;
    let sel = selector(t);
    let mut out = Vec::new();
    let m = std::rc::Rc::new(super::sli(ctx, t));
    if let Some(a) = availability(ctx) {
        let s = sel.clone();
        let m = m.clone();
        out.push(Slo {
            name: "availability",
            objective: a / 100.0,
            // No error series yet is a ratio of 0, not no ratio.
            errors: Box::new(move |w| {
                let total = format!("sum by (namespace, job) (rate({}{{{s}}}[{w}]))", m.requests);
                format!(
                    "(sum by (namespace, job) (rate({}{{{s}, {}=~\"{}\"}}[{w}])) or {total} * 0) / {total}",
                    m.requests, m.outcome_label, m.errors
                )
            }),
        });
    }
    if let Some(ms) = r.latency_p99.as_deref().and_then(parse_duration_ms) {
        let le = fmt(ms / 1000.0);
        let s = sel.clone();
        out.push(Slo {
            name: "latency",
            objective: 0.99,
            errors: Box::new(move |w| {
                let total = format!("sum by (namespace, job) (rate({}_count{{{s}}}[{w}]))", m.latency);
                format!(
                    "({total} - sum by (namespace, job) (rate({}_bucket{{{s}, le=\"{le}\"}}[{w}]))) / {total}",
                    m.latency
                )
            }),
        });
    }
    out
}

/// `spec.groups` of the PrometheusRule (also a valid `promtool check rules` file body): one
/// group per target, its recording rules before its alerts.
pub fn groups(ctx: &ProjectContext) -> Vec<Json> {
    let project = &ctx.metadata.name;
    let criticality = ctx.spec.business.criticality.as_deref().unwrap_or("medium");
    let priority = crate::export::artifacts::severity(criticality);
    let mut groups = Vec::new();
    for t in super::monitored(ctx) {
        let slos = slos(ctx, t);
        if slos.is_empty() {
            continue;
        }
        let namespace = t.namespace.as_deref().unwrap_or("default");
        let series = |slo: &str| {
            format!(
                "project=\"{project}\", namespace=\"{namespace}\", job=\"{}\", slo=\"{slo}\"",
                t.name
            )
        };
        // `namespace` is also a rule label: promtool lint tells rules apart by their labels.
        let labels = |slo: &str| json!({"project": project, "namespace": namespace, "target": t.name, "slo": slo});
        let mut recording = Vec::new();
        let mut alerts = Vec::new();
        for slo in &slos {
            let budget = 1.0 - slo.objective;
            let m = series(slo.name);
            for w in WINDOWS {
                recording.push(json!({"record": format!("slo:sli_error:ratio_rate{w}"), "expr": (slo.errors)(w), "labels": labels(slo.name)}));
            }
            let fixed = |record: &str, expr: String| {
                let mut l = labels(slo.name);
                l["job"] = json!(t.name);
                json!({"record": record, "expr": expr, "labels": l})
            };
            let window = slo_window(ctx);
            recording.push(json!({"record": format!("slo:sli_error:ratio_rate{window}"), "expr": format!("avg_over_time(slo:sli_error:ratio_rate5m{{{m}}}[{window}])"), "labels": labels(slo.name)}));
            recording.push(fixed(
                "slo:objective:ratio",
                format!("vector({})", fmt(slo.objective)),
            ));
            recording.push(json!({"record": format!("slo:sli_availability:ratio_rate{window}"), "expr": format!("1 - slo:sli_error:ratio_rate{window}{{{m}}}"), "labels": labels(slo.name)}));
            recording.push(json!({"record": "slo:error_budget:remaining_ratio", "expr": format!("1 - slo:sli_error:ratio_rate{window}{{{m}}} / {}", fmt(budget)), "labels": labels(slo.name)}));
            for tier in BURNS {
                alerts.push(burn_rule(ctx, t, slo, &m, &window, labels(slo.name), tier));
            }
        }
        let sel = selector(t);
        alerts.push(json!({
            "alert": absent_alert(t),
            "expr": format!("absent({}{{{sel}}})", super::sli(ctx, t).requests),
            "for": "5m",
            "labels": {"project": project, "target": t.name, "namespace": namespace, "job": t.name, "slo": "availability", "severity": "critical", "priority": priority},
            "annotations": {
                "summary": format!("{namespace}/{} reports no requests: its SLOs cannot be measured", t.name),
                "description": format!("No {} series for the target: it is down, not scraped, or renamed.", super::sli(ctx, t).requests),
            },
        }));
        // One group per target, recording rules first: a group evaluates its rules in order,
        // so every alert reads the ratios of the same evaluation (across groups, the order is
        // not defined and an alert could read a ratio one interval old). Group names are
        // unique per file: two targets may share a name in two namespaces.
        recording.extend(alerts);
        groups.push(json!({"name": format!("{namespace}/{} slo", t.name), "rules": recording}));
    }
    groups
}

/// One burn-rate alert of an SLO: both windows of the tier over the threshold, labelled with
/// the tier, severity, priority, owner and channels; its summary carries the value.
fn burn_rule(
    ctx: &ProjectContext,
    t: &Target,
    slo: &Slo,
    series: &str,
    window: &str,
    mut labels: Json,
    (long, short, burn, severity, for_): (&str, &str, f64, &str, &str),
) -> Json {
    let criticality = ctx.spec.business.criticality.as_deref().unwrap_or("medium");
    labels["severity"] = json!(severity);
    labels["priority"] = json!(crate::export::artifacts::severity(criticality));
    labels["long"] = json!(long);
    labels["short"] = json!(short);
    if let Some(owner) = ctx.spec.business.owner.as_deref().filter(|o| !o.is_empty()) {
        labels["team"] = json!(owner);
    }
    let channels = ctx.spec.observability.alert_channels.join(",");
    if !channels.is_empty() {
        labels["channel"] = json!(channels);
    }
    let mut annotations = json!({
        "summary": format!("{{{{ $labels.namespace }}}}/{} is burning its {} error budget {burn}x too fast over {long}: error ratio {{{{ $value | humanizePercentage }}}}", t.name, slo.name),
        "description": format!("The {} SLO is {}% over {window}; at this rate its error budget lasts {} (page: act now; ticket: act within days).", slo.name, fmt(slo.objective * 100.0), budget_lasts(window, burn)),
    });
    if let Some(url) = &ctx.spec.observability.runbook {
        annotations["runbook_url"] = json!(url);
    }
    let threshold = fmt(burn * (1.0 - slo.objective));
    json!({
        "alert": burn_alert(t, slo.name),
        "expr": format!("slo:sli_error:ratio_rate{long}{{{series}}} > {threshold} and slo:sli_error:ratio_rate{short}{{{series}}} > {threshold}"),
        "for": for_,
        "labels": labels,
        "annotations": annotations,
    })
}

/// How long a budget over `window` (`Nd`) lasts at a burn rate.
fn budget_lasts(window: &str, burn: f64) -> String {
    let window_days: f64 = window.trim_end_matches('d').parse().unwrap_or(30.0);
    let days = window_days / burn;
    if days < 2.0 {
        format!("{} hours", fmt((days * 24.0).round()))
    } else {
        format!("{} days", fmt(days.round()))
    }
}

/// A number without float noise (`0.0005`, not `0.0004999999`).
pub fn fmt(v: f64) -> String {
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
