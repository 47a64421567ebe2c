//! The v1alpha2 context manifest (`.contextcore.yaml`): its schema, with positions for every
//! problem, and the typed view the derivations read.

use std::path::Path;

use serde::{Deserialize, Deserializer};
use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::paths::check_safe_name;
use crate::schema::{self, Field, Shape, opt, req};
use crate::source;

/// The only manifest apiVersion we read.
pub const API_VERSION: &str = "contextcore.io/v1alpha2";
/// The manifest kind.
pub const KIND: &str = "ContextManifest";
/// Business criticality levels, most critical first.
pub const CRITICALITIES: &[&str] = &["critical", "high", "medium", "low"];

const OWNER: Shape = Shape::Map(&[
    opt("team", Shape::Str),
    opt("slack", Shape::Str),
    opt("email", Shape::Str),
    opt("oncall", Shape::Str),
]);

const METADATA: Shape = Shape::Map(&[
    req("name", Shape::Check(check_safe_name)),
    opt("owners", Shape::List(&OWNER)),
    opt("changelog", Shape::List(&Shape::Any)),
    opt("lastUpdated", Shape::Str),
    opt("links", Shape::MapOf(&Shape::Str)),
]);

const RISK: Shape = Shape::Map(&[
    req("type", Shape::Str),
    req("description", Shape::Str),
    opt("priority", Shape::OneOf(&["P1", "P2", "P3", "P4"])),
    opt("mitigation", Shape::Str),
    opt("scope", Shape::Str),
    opt("component", Shape::Str),
    opt("controls", Shape::List(&Shape::Any)),
]);

const TARGET: Shape = Shape::Map(&[
    req("kind", Shape::Str),
    req("name", Shape::Check(check_safe_name)),
    opt("namespace", Shape::Check(check_safe_name)),
]);

pub const SPEC: Shape = Shape::Map(&[
    opt(
        "project",
        Shape::Map(&[
            opt("id", Shape::Check(check_safe_name)),
            opt("name", Shape::Str),
            opt("description", Shape::Str),
            opt("epic", Shape::Str),
            opt("tasks", Shape::List(&Shape::Str)),
        ]),
    ),
    opt(
        "business",
        Shape::Map(&[
            opt("criticality", Shape::OneOf(CRITICALITIES)),
            opt("owner", Shape::Str),
            opt("value", Shape::Str),
            opt("costCenter", Shape::Str),
            opt("stakeholders", Shape::List(&Shape::Str)),
        ]),
    ),
    opt(
        "requirements",
        Shape::Map(&[
            opt("availability", Shape::Check(check_percentage)),
            opt("latencyP99", Shape::Check(check_duration)),
            opt("latencyP50", Shape::Check(check_duration)),
            opt("throughput", Shape::Check(check_rate)),
            opt("errorBudget", Shape::Check(check_percentage)),
        ]),
    ),
    opt("risks", Shape::List(&RISK)),
    opt("targets", Shape::List(&TARGET)),
    opt(
        "observability",
        Shape::Map(&[
            opt("traceSampling", Shape::Check(check_fraction)),
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
        ]),
    ),
]);

const MANIFEST_FIELDS: &[Field] = &[
    req("apiVersion", Shape::OneOf(&[API_VERSION])),
    req("kind", Shape::OneOf(&[KIND])),
    req("metadata", METADATA),
    req("spec", SPEC),
    opt("strategy", Shape::Any),
    opt("guidance", Shape::Any),
    opt("insights", Shape::Any),
];

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
}

/// One of `spec.targets`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Target {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
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
}

impl Spec {
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
    let manifest: Manifest = serde_json::from_value(document.clone()).map_err(|e| {
        Error::at(
            shown,
            node.pos,
            format!("manifest does not fit the v1alpha2 model: {e}"),
        )
    })?;
    Ok(LoadedManifest {
        manifest,
        document,
        warnings: diagnostics,
    })
}

/// All diagnostics of a parsed manifest (errors and warnings), in source order.
pub fn validate_node(node: &crate::yaml::Node, shown: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    schema::check(node, &Shape::Map(MANIFEST_FIELDS), shown, "", &mut out);
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

/// A percentage such as `99.95` or `"99.95%"`: a number above 0 and at most 100.
pub fn check_percentage(s: &str) -> Result<(), String> {
    match parse_percentage(s) {
        Some(v) if v > 0.0 && v <= 100.0 => Ok(()),
        _ => Err(format!(
            "'{s}' is not a percentage (a number above 0 and at most 100, e.g. \"99.9\")"
        )),
    }
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
    parse_duration_ms(s).map(|_| ()).ok_or_else(|| {
        format!("'{s}' is not a duration (a number with ms, s, m or h, e.g. \"200ms\")")
    })
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

/// A rate such as `5000rps`, `100/s`, `6000rpm`.
pub fn check_rate(s: &str) -> Result<(), String> {
    parse_rate_per_second(s).map(|_| ()).ok_or_else(|| {
        format!("'{s}' is not a rate (a number with rps, rpm, /s or /m, e.g. \"500rps\")")
    })
}

/// Requests per second of a rate such as `5000rps`, `100/s`, `6000rpm`.
pub fn parse_rate_per_second(s: &str) -> Option<f64> {
    let s = s.trim();
    let (number, divisor) = [("rps", 1.0), ("/s", 1.0), ("rpm", 60.0), ("/m", 60.0)]
        .iter()
        .find_map(|(suffix, d)| s.strip_suffix(suffix).map(|n| (n, *d)))?;
    let v: f64 = number.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v / divisor)
}

fn check_fraction(s: &str) -> Result<(), String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(()),
        _ => Err(format!("'{s}' is not a sampling ratio between 0 and 1")),
    }
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

    #[test]
    fn unknown_keys_are_warnings() {
        let text = "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: ok\n  colour: red\nspec: {}\n";
        assert_eq!(
            problems(text),
            vec!["m.yaml:5:3: warning: metadata.colour: unknown key, ignored"]
        );
    }

    #[test]
    fn requirement_formats() {
        assert!(check_percentage("99.95").is_ok());
        assert!(check_percentage("101").is_err());
        assert_eq!(parse_duration_ms("250ms"), Some(250.0));
        assert_eq!(parse_duration_ms("1.5s"), Some(1500.0));
        assert!(check_duration("250").is_err());
        assert_eq!(parse_rate_per_second("600rpm"), Some(10.0));
    }
}
