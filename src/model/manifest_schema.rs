//! The v1alpha2 manifest schema as a table: every enum, required key, format and range the
//! earlier implementation's model enforced (plus our safe-name rule), checked by `schema`.
//! docs/DECISIONS.md ("Manifest validation vs the earlier model") lists where we differ.

use super::manifest_formats::{
    check_datetime, check_duration, check_http_url, check_label_name, check_label_regex,
    check_metric_name, check_percentage, check_rate, check_scrape_interval, check_slo_window,
    parse_percentage,
};
use crate::paths::check_safe_name;
use crate::schema::{Shape, join, opt, req};
use crate::yaml::{Node, Pos, Value};

/// The only manifest apiVersion we read.
pub const API_VERSION: &str = "contextcore.io/v1alpha2";
/// The manifest kind.
pub const KIND: &str = "ContextManifest";
/// Business criticality levels, most critical first.
pub const CRITICALITIES: &[&str] = &["critical", "high", "medium", "low"];
/// Risk categories.
pub const RISK_TYPES: &[&str] = &[
    "security",
    "compliance",
    "data-integrity",
    "availability",
    "financial",
    "reputational",
];
/// Business value classes.
pub const BUSINESS_VALUES: &[&str] = &[
    "revenue-primary",
    "revenue-secondary",
    "cost-reduction",
    "compliance",
    "enabler",
    "internal",
];
/// Kubernetes kinds a target may name.
pub const TARGET_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Service",
    "Ingress",
    "ConfigMap",
    "Secret",
    "CronJob",
    "Job",
];
/// Alert priorities of a risk.
pub const ALERT_PRIORITIES: &[&str] = &["P1", "P2", "P3", "P4"];
/// Tactic execution states.
pub const TACTIC_STATUSES: &[&str] = &[
    "planned",
    "in_progress",
    "blocked",
    "in_review",
    "done",
    "cancelled",
];
/// Units of a key result.
pub const METRIC_UNITS: &[&str] = &["%", "ms", "s", "rps", "rpm", "count", "ratio"];
/// Priorities of a question (the task priority scale).
pub const PRIORITIES: &[&str] = &["critical", "high", "medium", "low"];

const OWNER: Shape = Shape::Map(&[
    req("team", Shape::Str),
    opt("slack", Shape::Str),
    opt("email", Shape::Str),
    opt("oncall", Shape::Str),
]);

const CHANGE: Shape = Shape::Map(&[
    req("date", Shape::Str),
    req("version", Shape::Str),
    opt("actor", Shape::Str),
    req("summary", Shape::Str),
]);

const METADATA: Shape = Shape::Map(&[
    req("name", Shape::Check(check_safe_name)),
    opt("owners", Shape::List(&OWNER)),
    opt("changelog", Shape::List(&CHANGE)),
    opt("lastUpdated", Shape::Check(check_datetime)),
    opt("links", Shape::MapOf(&Shape::Str)),
]);

const PROJECT: Shape = Shape::Map(&[
    req("id", Shape::Check(check_safe_name)),
    opt("name", Shape::Str),
    opt("description", Shape::Str),
    opt("epic", Shape::Str),
    opt("tasks", Shape::List(&Shape::Str)),
    opt("traceId", Shape::Str),
]);

const URL: Shape = Shape::Check(check_http_url);

const DESIGN: Shape = Shape::Map(&[
    opt("doc", URL),
    opt("adr", Shape::Str),
    opt("apiContract", URL),
    opt("diagrams", Shape::List(&URL)),
]);

const BUSINESS: Shape = Shape::Map(&[
    opt("criticality", Shape::OneOf(CRITICALITIES)),
    opt("value", Shape::OneOf(BUSINESS_VALUES)),
    opt("owner", Shape::Str),
    opt("costCenter", Shape::Str),
    opt("stakeholders", Shape::List(&Shape::Str)),
]);

const REQUIREMENTS: Shape = Shape::Rule(
    &Shape::Map(&[
        opt("availability", Shape::Check(check_percentage)),
        opt("latencyP99", Shape::Check(check_duration)),
        opt("latencyP50", Shape::Check(check_duration)),
        opt("throughput", Shape::Check(check_rate)),
        opt("errorBudget", Shape::Check(check_percentage)),
        opt("sloWindow", Shape::Check(check_slo_window)),
        opt("source", Shape::Str),
    ]),
    budget_is_usable,
);

const RISK: Shape = Shape::Map(&[
    req("type", Shape::OneOf(RISK_TYPES)),
    req("description", Shape::Str),
    opt("priority", Shape::OneOf(ALERT_PRIORITIES)),
    opt("mitigation", Shape::Str),
    opt("scope", Shape::Str),
    opt("component", Shape::Str),
    opt("controls", Shape::List(&Shape::Str)),
]);

const TARGET: Shape = Shape::Map(&[
    req("kind", Shape::OneOf(TARGET_KINDS)),
    req("name", Shape::Check(check_safe_name)),
    opt("namespace", Shape::Check(check_safe_name)),
]);

const OBSERVABILITY: Shape = Shape::Map(&[
    opt("traceSampling", Shape::Range(0.0, 1.0)),
    opt("metricsInterval", Shape::Check(check_scrape_interval)),
    opt("alertChannels", Shape::List(&Shape::Str)),
    opt(
        "logLevel",
        Shape::OneOf(&["debug", "info", "warn", "error"]),
    ),
    opt(
        "dashboardPlacement",
        Shape::OneOf(&["featured", "standard", "archived"]),
    ),
    opt("runbook", URL),
    opt("labels", Shape::MapOf(&Shape::Str)),
    opt(
        "sli",
        Shape::Map(&[
            opt("requestsMetric", Shape::Check(check_metric_name)),
            opt("outcomeLabel", Shape::Check(check_label_name)),
            opt("errorOutcomes", Shape::Check(check_label_regex)),
            opt("latencyMetric", Shape::Check(check_metric_name)),
        ]),
    ),
]);

const DATA_STORE: Shape = Shape::Map(&[
    req("id", Shape::Str),
    req("type", Shape::Str),
    opt("clientLibrary", Shape::Str),
    opt("credentialSource", Shape::Str),
    opt("sensitivity", Shape::Str),
    opt(
        "accessPolicy",
        Shape::Map(&[
            opt("allowedPrincipals", Shape::List(&Shape::Str)),
            opt("requiredRole", Shape::Str),
            opt("auditAccess", Shape::Bool),
        ]),
    ),
]);

const SECURITY: Shape = Shape::Map(&[
    opt("sensitivity", Shape::Str),
    opt("dataStores", Shape::List(&DATA_STORE)),
]);

/// `spec` of a manifest: a project and at least one target are required.
pub const SPEC: Shape = Shape::Map(&[
    req("project", PROJECT),
    opt("design", DESIGN),
    opt("business", BUSINESS),
    opt("requirements", REQUIREMENTS),
    opt("risks", Shape::List(&RISK)),
    req("targets", Shape::NonEmptyList(&TARGET)),
    opt("observability", OBSERVABILITY),
    opt("security", SECURITY),
    // Written by init-from-plan (services, their protocols, languages, calls and imports) and
    // read by export's instrumentation hints; free-form, as in the earlier implementation.
    opt("service_communication_graph", Shape::Any),
]);

/// `spec` of an exported project context: the same sections, none required (generate's quality
/// gates report a missing project or target, exit 1, rather than refusing the file). `design` is
/// passed through unchecked: generate never reads it, and hand-written contexts (the earlier
/// implementation's own sample) put relative paths where the manifest wants URLs.
pub const CONTEXT_SPEC: Shape = Shape::Map(&[
    opt("project", PROJECT),
    opt("design", Shape::Any),
    opt("business", BUSINESS),
    opt("requirements", REQUIREMENTS),
    opt("risks", Shape::List(&RISK)),
    opt("targets", Shape::List(&TARGET)),
    opt("observability", OBSERVABILITY),
    opt("security", SECURITY),
]);

const KEY_RESULT: Shape = Shape::Rule(
    &Shape::Map(&[
        req("metricKey", Shape::Str),
        req("unit", Shape::OneOf(METRIC_UNITS)),
        req("target", Shape::Number),
        opt("targetOperator", Shape::OneOf(&["gte", "lte", "eq"])),
        opt("baseline", Shape::Number),
        opt("window", Shape::Str),
        opt("dataSource", Shape::Str),
    ]),
    unit_fits_metric,
);

const OBJECTIVE: Shape = Shape::Map(&[
    req("id", Shape::Str),
    req("description", Shape::Str),
    opt("keyResults", Shape::List(&KEY_RESULT)),
]);

const ARTIFACT_REFERENCE: Shape = Shape::Map(&[
    req(
        "type",
        Shape::OneOf(&[
            "issue",
            "pr",
            "commit",
            "deployment",
            "dashboard",
            "runbook",
            "adr",
            "doc",
        ]),
    ),
    req("id", Shape::Str),
    opt("url", URL),
    opt("title", Shape::Str),
]);

const TACTIC: Shape = Shape::Rule(
    &Shape::Map(&[
        req("id", Shape::Str),
        req("description", Shape::Str),
        opt("status", Shape::OneOf(TACTIC_STATUSES)),
        opt("owner", Shape::Str),
        opt("startDate", Shape::Check(check_datetime)),
        opt("dueDate", Shape::Check(check_datetime)),
        opt("completedDate", Shape::Check(check_datetime)),
        opt("blockedReason", Shape::Str),
        opt("progress", Shape::Range(0.0, 100.0)),
        opt("linkedObjectives", Shape::List(&Shape::Str)),
        opt("artifacts", Shape::List(&ARTIFACT_REFERENCE)),
        opt("satisfies", Shape::List(&Shape::Str)),
        opt("dependsOn", Shape::Str),
        opt("repo", Shape::Str),
        opt("deliverables", Shape::MapOf(&Shape::Any)),
    ]),
    blocked_has_reason,
);

const STRATEGY: Shape = Shape::Rule(
    &Shape::Map(&[
        opt("objectives", Shape::List(&OBJECTIVE)),
        opt("tactics", Shape::List(&TACTIC)),
        opt("strategyGroups", Shape::List(&Shape::MapOf(&Shape::Any))),
    ]),
    linked_objectives_exist,
);

const GUIDANCE: Shape = Shape::Map(&[
    opt(
        "focus",
        Shape::Map(&[
            req("areas", Shape::NonEmptyList(&Shape::Str)),
            opt("reason", Shape::Str),
            opt("until", Shape::Str),
        ]),
    ),
    opt(
        "constraints",
        Shape::List(&Shape::Map(&[
            req("id", Shape::Str),
            req("rule", Shape::Str),
            opt(
                "severity",
                Shape::OneOf(&["blocking", "warning", "advisory"]),
            ),
            opt("rationale", Shape::Str),
            opt("appliesTo", Shape::List(&Shape::Str)),
        ])),
    ),
    opt(
        "preferences",
        Shape::List(&Shape::Map(&[
            req("id", Shape::Str),
            req("description", Shape::Str),
            opt("example", Shape::Str),
        ])),
    ),
    opt(
        "questions",
        Shape::List(&Shape::Map(&[
            req("id", Shape::Str),
            req("question", Shape::Str),
            opt("status", Shape::OneOf(&["open", "answered", "deferred"])),
            opt("priority", Shape::OneOf(PRIORITIES)),
            opt("answer", Shape::Str),
            opt("answeredBy", Shape::Str),
            opt("answeredAt", Shape::Check(check_datetime)),
        ])),
    ),
]);

const INSIGHT: Shape = Shape::Map(&[
    req("id", Shape::Str),
    req("type", Shape::Str),
    req("summary", Shape::Str),
    req("confidence", Shape::Range(0.0, 1.0)),
    req("source", Shape::Str),
    opt(
        "severity",
        Shape::OneOf(&["critical", "high", "medium", "low", "info"]),
    ),
    opt("observedAt", Shape::Check(check_datetime)),
    opt("expiresAt", Shape::Check(check_datetime)),
    opt("impact", Shape::Str),
    opt(
        "evidence",
        Shape::List(&Shape::Map(&[
            req("type", Shape::Str),
            req("ref", Shape::Str),
            opt("description", Shape::Str),
        ])),
    ),
    opt("recommendedActions", Shape::List(&Shape::Str)),
]);

const STATE: Shape = Shape::Map(&[
    opt("lastSyncTime", Shape::Check(check_datetime)),
    opt("syncStatus", Shape::Str),
    opt("objectiveCount", Shape::Integer),
    opt("activeTacticCount", Shape::Integer),
    opt("openQuestionCount", Shape::Integer),
]);

/// The whole manifest.
pub const MANIFEST: Shape = Shape::Map(&[
    req("apiVersion", Shape::OneOf(&[API_VERSION])),
    req("kind", Shape::OneOf(&[KIND])),
    req("metadata", METADATA),
    req("spec", SPEC),
    opt("strategy", STRATEGY),
    opt("guidance", GUIDANCE),
    opt("insights", Shape::List(&INSIGHT)),
    opt("state", STATE),
]);

fn str_at<'a>(map: &'a Node, key: &str) -> Option<(&'a str, Pos)> {
    match map.get(key) {
        Some(Node {
            value: Value::Str(s),
            pos,
        }) => Some((s.as_str(), *pos)),
        _ => None,
    }
}

fn items<'a>(map: &'a Node, key: &str) -> &'a [Node] {
    match map.get(key).map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        _ => &[],
    }
}

/// A key result's unit must fit its metric: `%` for availability, `ms` or `s` for latency.
fn unit_fits_metric(kr: &Node, at: &str) -> Vec<(Pos, String)> {
    let (Some((metric, _)), Some((unit, pos))) = (str_at(kr, "metricKey"), str_at(kr, "unit"))
    else {
        return Vec::new();
    };
    let allowed: &[&str] = if metric == "availability" {
        &["%"]
    } else if metric.starts_with("latency.") {
        &["ms", "s"]
    } else {
        return Vec::new();
    };
    if allowed.contains(&unit) {
        Vec::new()
    } else {
        vec![(
            pos,
            format!(
                "{}: '{unit}' does not fit metric '{metric}'; allowed: {}",
                join(at, "unit"),
                allowed.join(", ")
            ),
        )]
    }
}

/// The availability leaves an error budget (100 % pages on any single error), and an
/// `errorBudget` beside it says the same thing (100 − availability).
fn budget_is_usable(requirements: &Node, at: &str) -> Vec<(Pos, String)> {
    let number =
        |key| str_at(requirements, key).and_then(|(s, pos)| Some((parse_percentage(s)?, s, pos)));
    let mut out = Vec::new();
    let availability = number("availability");
    // Values out of range already have their error from the value's own check.
    if let Some((a, text, pos)) = availability
        && a == 100.0
    {
        out.push((
            pos,
            format!(
                "{}: '{text}' leaves no error budget, so any single error would page; allowed: below 100 (e.g. \"99.99\")",
                join(at, "availability")
            ),
        ));
    }
    if let (Some((a, a_text, _)), Some((b, b_text, pos))) = (availability, number("errorBudget"))
        && a > 0.0
        && a < 100.0
        && b > 0.0
        && b <= 100.0
        && ((100.0 - a) - b).abs() > 1e-9
    {
        out.push((
            pos,
            format!(
                "{}: '{b_text}' contradicts availability '{a_text}' (its budget is {}); allowed: {} or no errorBudget",
                join(at, "errorBudget"),
                trim_float(100.0 - a),
                trim_float(100.0 - a)
            ),
        ));
    }
    out
}

/// `0.05`, not `0.04999999999999716`.
fn trim_float(v: f64) -> String {
    let s = format!("{v:.9}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A blocked tactic says why.
fn blocked_has_reason(tactic: &Node, at: &str) -> Vec<(Pos, String)> {
    match (str_at(tactic, "status"), str_at(tactic, "blockedReason")) {
        (Some(("blocked", pos)), None) => vec![(
            pos,
            format!(
                "{}: a blocked tactic needs blockedReason (why it is blocked)",
                join(at, "status")
            ),
        )],
        (Some(("blocked", _)), Some(("", pos))) => vec![(
            pos,
            format!("{}: must not be empty", join(at, "blockedReason")),
        )],
        _ => Vec::new(),
    }
}

/// Every `linkedObjectives` entry of a tactic names an objective of the same strategy.
fn linked_objectives_exist(strategy: &Node, at: &str) -> Vec<(Pos, String)> {
    let known: Vec<&str> = items(strategy, "objectives")
        .iter()
        .filter_map(|o| str_at(o, "id").map(|(id, _)| id))
        .collect();
    let mut out = Vec::new();
    for (t, tactic) in items(strategy, "tactics").iter().enumerate() {
        for (l, link) in items(tactic, "linkedObjectives").iter().enumerate() {
            if let Value::Str(id) = &link.value
                && !known.contains(&id.as_str())
            {
                let allowed = if known.is_empty() {
                    "none is defined".to_string()
                } else {
                    format!("defined: {}", known.join(", "))
                };
                out.push((
                    link.pos,
                    format!(
                        "{}: '{id}' is not an objective of strategy.objectives ({allowed})",
                        join(at, &format!("tactics[{t}].linkedObjectives[{l}]"))
                    ),
                ));
            }
        }
    }
    out
}
