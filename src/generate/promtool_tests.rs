//! A `promtool test rules` file for the generated SLO rules, so users keep checking their
//! alerting in their own CI: per monitored target, synthetic traffic at 100 rps (every other
//! target healthy, rules evaluated every minute) where healthy traffic stays quiet, an outage
//! pages, a slow burn (twice the budget) opens a ticket and never pages, and a vanished target
//! alerts. Only what the objective makes possible is asserted: an availability so low that a
//! 14.4× burn exceeds half of all requests cannot page on the fast tier, and the file says so.

use serde_json::{Value as Json, json};

use super::rules::{absent_alert, availability, burn_alert, fmt};
use crate::model::manifest::Target;
use crate::model::project_context::ProjectContext;

/// Requests per minute of the synthetic traffic (100 rps).
const PER_MINUTE: f64 = 6000.0;

/// The test file, reading the plain rule groups from `rules_file` (beside it).
pub fn tests(ctx: &ProjectContext, rules_file: &str) -> Json {
    let project = &ctx.metadata.name;
    let targets: Vec<&Target> = super::monitored(ctx).collect();
    let mut out = Vec::new();
    let Some(budget) = availability(ctx).map(|a| 1.0 - a / 100.0) else {
        return json!({"rule_files": [rules_file], "evaluation_interval": "1m", "tests": []});
    };
    for t in &targets {
        let ns = t.namespace.as_deref().unwrap_or("default");
        let firing = |alert: &str, extra: &str| {
            format!(
                "ALERTS{{alertname=\"{alert}\", namespace=\"{ns}\", {extra}alertstate=\"firing\"}}"
            )
        };
        // Every other target healthy over `minutes`, so only `t` can alert.
        let others = |minutes: u32| -> Vec<Json> {
            targets
                .iter()
                .filter(|u| u.name != t.name || u.namespace != t.namespace)
                .filter_map(|u| series(ctx, u, true, &format!("0+{}x{minutes}", fmt(PER_MINUTE))))
                .collect()
        };
        // Healthy: two hours without an error.
        let mut input = others(120);
        input.extend(series(ctx, t, true, &format!("0+{}x120", fmt(PER_MINUTE))));
        input.extend(series(ctx, t, false, "0x120"));
        out.push(json!({
            "name": format!("{ns}/{}: healthy traffic stays quiet", t.name),
            "interval": "1m",
            "input_series": input,
            "promql_expr_test": [{
                "expr": format!("ALERTS{{project=\"{project}\", alertstate=\"firing\"}}"),
                "eval_time": "120m",
                "exp_samples": [],
            }],
        }));
        // Outage: an hour healthy, then every request fails; the fast page fires.
        let errors_known = super::sli(ctx, t).error_value.is_some();
        if 14.4 * budget < 0.5 && errors_known {
            let mut input = others(90);
            let healthy_total = fmt(PER_MINUTE * 60.0);
            input.extend(series(
                ctx,
                t,
                true,
                &format!("0+{}x60 {healthy_total}+0x30", fmt(PER_MINUTE)),
            ));
            input.extend(series(
                ctx,
                t,
                false,
                &format!("0x60 0+{}x30", fmt(PER_MINUTE)),
            ));
            out.push(json!({
                "name": format!("{ns}/{}: an outage pages", t.name),
                "interval": "1m",
                "input_series": input,
                "promql_expr_test": [{
                    "expr": format!("count by (severity) ({})", firing(&burn_alert(t, "availability"), "long=\"1h\", ")),
                    "eval_time": "90m",
                    "exp_samples": [{"labels": "{severity=\"critical\"}", "value": 1}],
                }],
            }));
        }
        if errors_known {
            // Slow burn: twice the budget for four hours opens the 3-day ticket (after its 3h `for`),
            // never a page.
            let errors = PER_MINUTE * 2.0 * budget;
            let mut input = others(240);
            input.extend(series(
                ctx,
                t,
                true,
                &format!("0+{}x240", fmt(PER_MINUTE - errors)),
            ));
            input.extend(series(ctx, t, false, &format!("0+{}x240", fmt(errors))));
            out.push(json!({
                "name": format!("{ns}/{}: a slow burn opens a ticket and never pages", t.name),
                "interval": "1m",
                "input_series": input,
                "promql_expr_test": [{
                    "expr": format!("count by (severity, long) ({})", firing(&burn_alert(t, "availability"), "")),
                    "eval_time": "240m",
                    "exp_samples": [{"labels": "{long=\"3d\", severity=\"warning\"}", "value": 1}],
                }],
            }));
        }
        // Vanished: no requests from the target at all.
        out.push(json!({
            "name": format!("{ns}/{}: a vanished target alerts", t.name),
            "interval": "1m",
            "input_series": others(15),
            "promql_expr_test": [{
                "expr": format!("count({})", firing(&absent_alert(t), "")),
                "eval_time": "10m",
                "exp_samples": [{"labels": "{}", "value": 1}],
            }],
        }));
    }
    json!({"rule_files": [rules_file], "evaluation_interval": "1m", "tests": out})
}

/// One input series of a target's requests with a success (`ok`) or an error outcome; none
/// for an error when the SLI's error regex gives no plain example.
fn series(ctx: &ProjectContext, t: &Target, ok: bool, values: &str) -> Option<Json> {
    let m = super::sli(ctx, t);
    let outcome = if ok { Some(m.ok_value) } else { m.error_value }?;
    Some(json!({
        "series": format!(
            "{}{{job=\"{}\", namespace=\"{}\", {}=\"{outcome}\"}}",
            m.requests,
            t.name,
            t.namespace.as_deref().unwrap_or("default"),
            m.outcome_label
        ),
        "values": values,
    }))
}
