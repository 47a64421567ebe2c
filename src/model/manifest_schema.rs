//! The v1alpha2 manifest schema as a table: every enum, required key, format and range the
//! earlier implementation's model enforced (plus our safe-name rule), checked by `schema`.
//! docs/DECISIONS.md ("Manifest validation vs the earlier model") lists where we differ.

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

const REQUIREMENTS: Shape = Shape::Map(&[
    opt("availability", Shape::Check(check_percentage)),
    opt("latencyP99", Shape::Check(check_duration)),
    opt("latencyP50", Shape::Check(check_duration)),
    opt("throughput", Shape::Check(check_rate)),
    opt("errorBudget", Shape::Check(check_percentage)),
    opt("source", Shape::Str),
]);

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
    opt("metricsInterval", Shape::Check(check_duration)),
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
]);

/// `spec` of an exported project context: the same sections, none required (generate's quality
/// gates report a missing project or target, exit 1, rather than refusing the file).
pub const CONTEXT_SPEC: Shape = Shape::Map(&[
    opt("project", PROJECT),
    opt("design", DESIGN),
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

/// A percentage such as `"99.95"`: digits with an optional fraction, above 0 and at most 100.
pub fn check_percentage(s: &str) -> Result<(), String> {
    let digits = s.trim();
    let plain = !digits.is_empty()
        && digits.split_once('.').map_or_else(
            || all_digits(digits),
            |(whole, frac)| all_digits(whole) && all_digits(frac),
        );
    match digits.parse::<f64>() {
        Ok(v) if plain && v > 0.0 && v <= 100.0 => Ok(()),
        _ => Err(format!(
            "'{s}' is not a percentage; allowed: a number above 0 and at most 100, without '%' (e.g. \"99.9\")"
        )),
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The number of a percentage, without a trailing `%`.
pub fn parse_percentage(s: &str) -> Option<f64> {
    s.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// A duration such as `200ms`, `1.5s`, `5m`, `1h`.
pub fn check_duration(s: &str) -> Result<(), String> {
    let ok = split_unit(s, &["ms", "s", "m", "h"]).is_some() && parse_duration_ms(s).is_some();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a duration; allowed: a number followed by ms, s, m or h, no space (e.g. \"200ms\")"
        ))
    }
}

/// Milliseconds of a duration such as `200ms`, `1.5s`, `5m`, `1h`.
pub fn parse_duration_ms(s: &str) -> Option<f64> {
    let s = s.trim();
    let (number, factor) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3_600_000.0)
    } else {
        return None;
    };
    let v: f64 = number.trim().parse().ok()?;
    (v.is_finite() && v > 0.0).then_some(v * factor)
}

/// A rate such as `5000rps`, `6000rpm`, `200qps`.
pub fn check_rate(s: &str) -> Result<(), String> {
    if split_unit(s, &["rps", "rpm", "qps", "qpm"]).is_some() {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a rate; allowed: a number followed by rps, rpm, qps or qpm (e.g. \"500rps\")"
        ))
    }
}

/// Requests per second of a rate such as `5000rps`, `100/s`, `6000rpm`.
pub fn parse_rate_per_second(s: &str) -> Option<f64> {
    let s = s.trim();
    let (number, divisor) = [
        ("rps", 1.0),
        ("qps", 1.0),
        ("/s", 1.0),
        ("rpm", 60.0),
        ("qpm", 60.0),
        ("/m", 60.0),
    ]
    .iter()
    .find_map(|(suffix, d)| s.strip_suffix(suffix).map(|n| (n, *d)))?;
    let v: f64 = number.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v / divisor)
}

/// `digits[.digits]unit` with one of `units` (the longest that fits), no sign or space.
fn split_unit<'a>(s: &'a str, units: &[&'static str]) -> Option<(&'a str, &'static str)> {
    let unit = units
        .iter()
        .filter(|u| s.ends_with(**u))
        .max_by_key(|u| u.len())?;
    let number = &s[..s.len() - unit.len()];
    let plain = number.split_once('.').map_or_else(
        || all_digits(number),
        |(whole, frac)| all_digits(whole) && all_digits(frac),
    );
    plain.then_some((number, *unit))
}

/// An ISO 8601 date or date-time: `2026-10-02`, `2026-10-02T09:30:00Z`, `2026-10-02 09:30+02:00`.
pub fn check_datetime(s: &str) -> Result<(), String> {
    if is_datetime(s.trim()) {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a date or date-time; allowed: ISO 8601 such as \"2026-10-02\" or \"2026-10-02T09:30:00Z\""
        ))
    }
}

fn is_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, len: usize, max: u32| -> bool {
        b.get(from..from + len).is_some_and(|d| {
            d.iter().all(u8::is_ascii_digit)
                && std::str::from_utf8(d)
                    .ok()
                    .and_then(|t| t.parse::<u32>().ok())
                    .is_some_and(|v| v <= max)
        })
    };
    let date = num(0, 4, 9999)
        && b.get(4) == Some(&b'-')
        && num(5, 2, 12)
        && b.get(7) == Some(&b'-')
        && num(8, 2, 31);
    if !date {
        return false;
    }
    let field = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (field(0..4), field(5..7), field(8..10));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if year == 0 || month == 0 || day == 0 || day > days {
        return false;
    }
    if b.len() == 10 {
        return true;
    }
    let time = matches!(b[10], b'T' | b't' | b' ')
        && num(11, 2, 23)
        && b.get(13) == Some(&b':')
        && num(14, 2, 59);
    if !time {
        return false;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        if !num(i + 1, 2, 59) {
            return false;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return false;
            }
            i += 1 + digits;
        }
    }
    match &s[i..] {
        "" | "Z" | "z" => true,
        zone => {
            let z = zone.as_bytes();
            matches!(z[0], b'+' | b'-')
                && num(i + 1, 2, 23)
                && ((z.len() == 6 && z[3] == b':' && num(i + 4, 2, 59))
                    || (z.len() == 5 && num(i + 3, 2, 59)))
        }
    }
}

/// An `http` or `https` URL with a host.
pub fn check_http_url(s: &str) -> Result<(), String> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    match host {
        Some(h) if !h.is_empty() && !h.contains(char::is_whitespace) && s.len() <= 2083 => Ok(()),
        _ => Err(format!(
            "'{s}' is not a web address; allowed: an http:// or https:// URL with a host"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_earlier_model() {
        assert!(check_percentage("99.95").is_ok());
        assert!(check_percentage("100").is_ok());
        for bad in ["101", "99.9%", "-1", "0", ".5", "1e2", " "] {
            assert!(check_percentage(bad).is_err(), "{bad}");
        }
        assert!(check_duration("250ms").is_ok() && check_duration("1.5s").is_ok());
        for bad in ["250", "200 ms", "-5s", "0ms", "5d"] {
            assert!(check_duration(bad).is_err(), "{bad}");
        }
        assert!(check_rate("800rps").is_ok() && check_rate("50qpm").is_ok());
        for bad in ["100/s", "fast", "10 rps", "rps"] {
            assert!(check_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_rate_per_second("600rpm"), Some(10.0));
        assert_eq!(parse_duration_ms("1.5s"), Some(1500.0));
    }

    #[test]
    fn dates_and_urls() {
        for ok in [
            "2026-10-02",
            "2026-10-02T09:30:00Z",
            "2026-10-02 09:30",
            "2026-10-02T09:30:00.123+02:00",
            "2024-02-29t09:30:00+0200",
        ] {
            assert!(check_datetime(ok).is_ok(), "{ok}");
        }
        for bad in [
            "yesterday",
            "2026-13-01",
            "2026-02-29",
            "0000-01-01",
            "2026-10-02T25:00",
            "2026-10-02T09:30+02",
            "02/10/2026",
            "2026-10-02T09:30Q",
        ] {
            assert!(check_datetime(bad).is_err(), "{bad}");
        }
        assert!(check_http_url("https://wiki.example.com/runbook").is_ok());
        assert!(check_http_url("wiki/runbook").is_err());
        assert!(check_http_url("ftp://x").is_err());
    }
}
