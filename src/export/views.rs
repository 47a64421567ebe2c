//! The onboarding sections that grow with the number of artifacts, written straight from the
//! artifacts when the document is printed. At 3,000 targets they are most of its 34 MB; built
//! as maps first, they were half the export's memory and a fifth of its time.
//!
//! Each keeps the order and the rule for a repeated key of the map it replaces (two targets can
//! give one artifact id): a sorted map is in key order with the last value of a key; an
//! insertion-ordered map keeps the first position of a key with its last value.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value as Json;

use super::catalog;
use crate::model::reports::{Artifact, DerivationRule, ParameterStatus};

/// A section as its entries in key order, each value as a small tree: what the run record's
/// inventory digest (compact JSON with sorted keys) reads, one entry at a time.
pub trait Entries {
    fn is_empty(&self) -> bool;
    fn each(&self, f: &mut dyn FnMut(&str, &Json) -> io::Result<()>) -> io::Result<()>;
}

/// The artifacts in id order, the last of each id.
fn by_id<'a>(artifacts: impl Iterator<Item = &'a Artifact>) -> Vec<&'a Artifact> {
    let mut sorted: Vec<&Artifact> = artifacts.collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out: Vec<&Artifact> = Vec::with_capacity(sorted.len());
    for a in sorted {
        match out.last_mut() {
            Some(last) if last.id == a.id => *last = a,
            _ => out.push(a),
        }
    }
    out
}

/// The artifacts in first-seen id order, each id with its last artifact.
fn first_seen<'a>(artifacts: impl Iterator<Item = &'a Artifact>) -> Vec<&'a Artifact> {
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<&Artifact> = Vec::new();
    for a in artifacts {
        match at.get(a.id.as_str()) {
            Some(&i) => out[i] = a,
            None => {
                at.insert(&a.id, out.len());
                out.push(a);
            }
        }
    }
    out
}

/// A map of one entry per artifact, each value given by `value`.
fn serialize_by<'a, S: Serializer, V: Serialize>(
    serializer: S,
    artifacts: &[&'a Artifact],
    value: impl Fn(&'a Artifact) -> V,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(artifacts.len()))?;
    for &a in artifacts {
        map.serialize_entry(&a.id, &value(a))?;
    }
    map.end()
}

/// `resolved_artifact_parameters`: each artifact's parameters that have a value.
pub struct ResolvedParameters<'a>(Vec<&'a Artifact>);

impl<'a> ResolvedParameters<'a> {
    pub fn new(artifacts: &'a [Artifact]) -> Self {
        Self(by_id(artifacts.iter()))
    }
}

/// An object's members that are not null (an empty object for anything else).
struct WithValue<'a>(&'a Json);

impl WithValue<'_> {
    fn members(&self) -> impl Iterator<Item = (&String, &Json)> {
        self.0
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(_, v)| !v.is_null())
    }
}

impl Serialize for WithValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.members())
    }
}

impl Serialize for ResolvedParameters<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_by(serializer, &self.0, |a| WithValue(&a.parameters))
    }
}

impl Entries for ResolvedParameters<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn each(&self, f: &mut dyn FnMut(&str, &Json) -> io::Result<()>) -> io::Result<()> {
        for a in &self.0 {
            let params = WithValue(&a.parameters);
            let members = params.members().map(|(k, v)| (k.clone(), v.clone()));
            let value = Json::Object(members.collect());
            f(&a.id, &value)?;
        }
        Ok(())
    }
}

/// `parameter_resolvability`: whether each catalog parameter of each artifact has a value.
pub struct Matrix<'a>(Vec<&'a Artifact>);

impl<'a> Matrix<'a> {
    pub fn new(artifacts: &'a [Artifact]) -> Self {
        let known = artifacts
            .iter()
            .filter(|a| catalog::entry(&a.artifact_type).is_some());
        Self(by_id(known))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One artifact's row: its type's parameters in name order.
struct Row<'a>(&'a Artifact);

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut params: Vec<&(&str, &str)> = catalog::entry(&self.0.artifact_type)
            .map(|e| e.parameters.iter().collect())
            .unwrap_or_default();
        params.sort_by_key(|(key, _)| *key);
        let mut map = serializer.serialize_map(Some(params.len()))?;
        for (key, source) in params {
            map.serialize_entry(key, &status(&self.0.parameters, key, source))?;
        }
        map.end()
    }
}

/// Why a parameter is unresolved, and its code.
pub const UNRESOLVED_REASON: &str = "the manifest gives no value for this parameter";
pub const UNRESOLVED_CODE: &str = "value_not_materialized";

/// Whether `parameters` gives `key` a value. An artifact has a handful of parameters and
/// they are asked about 150,000 times at 3,000 targets: a scan beats hashing the key.
pub fn has_value(parameters: &Json, key: &str) -> bool {
    parameters
        .as_object()
        .and_then(|map| map.iter().find(|(k, _)| k.as_str() == key))
        .is_some_and(|(_, v)| !v.is_null())
}

fn status(parameters: &Json, key: &str, source: &'static str) -> ParameterStatus {
    let resolved = has_value(parameters, key);
    ParameterStatus {
        status: Cow::Borrowed(if resolved { "resolved" } else { "unresolved" }),
        source_path: Some(Cow::Borrowed(source)),
        reason_code: (!resolved).then_some(Cow::Borrowed(UNRESOLVED_CODE)),
        reason: (!resolved).then_some(Cow::Borrowed(UNRESOLVED_REASON)),
    }
}

impl Serialize for Matrix<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_by(serializer, &self.0, Row)
    }
}

/// `artifact_dependency_graph`: what each artifact that depends on something depends on, in
/// artifact order.
pub struct DependencyGraph<'a>(Vec<&'a Artifact>);

impl<'a> DependencyGraph<'a> {
    pub fn new(artifacts: &'a [Artifact]) -> Self {
        Self(first_seen(
            artifacts.iter().filter(|a| !a.depends_on.is_empty()),
        ))
    }
}

impl Serialize for DependencyGraph<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_by(serializer, &self.0, |a| &a.depends_on)
    }
}

impl Entries for DependencyGraph<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn each(&self, f: &mut dyn FnMut(&str, &Json) -> io::Result<()>) -> io::Result<()> {
        let mut sorted = self.0.clone();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        for a in sorted {
            f(&a.id, &Json::from(a.depends_on.clone()))?;
        }
        Ok(())
    }
}

/// `derivation_rules`: per artifact type in first-seen order, each distinct rule once.
pub struct DerivationRules<'a>(Vec<(&'a str, Vec<&'a DerivationRule>)>);

impl<'a> DerivationRules<'a> {
    pub fn new(artifacts: &'a [Artifact]) -> Self {
        // Rules carry target names, so there are as many as targets: dedupe with a set (a scan
        // of the list made export quadratic in the number of targets).
        let mut seen: std::collections::HashSet<(&str, &DerivationRule)> = Default::default();
        let mut at: HashMap<&str, usize> = HashMap::new();
        let mut out: Vec<(&str, Vec<&DerivationRule>)> = Vec::new();
        for a in artifacts.iter().filter(|a| !a.derived_from.is_empty()) {
            let kind = &*a.artifact_type;
            let i = *at.entry(kind).or_insert_with(|| {
                out.push((kind, Vec::new()));
                out.len() - 1
            });
            for rule in a.derived_from.iter() {
                if seen.insert((kind, rule)) {
                    out[i].1.push(rule);
                }
            }
        }
        Self(out)
    }

    /// Every rule, type by type.
    pub fn rules(&self) -> impl Iterator<Item = &DerivationRule> {
        self.0.iter().flat_map(|(_, rules)| rules.iter().copied())
    }
}

impl Serialize for DerivationRules<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(kind, rules)| (kind, rules)))
    }
}

impl Entries for DerivationRules<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn each(&self, f: &mut dyn FnMut(&str, &Json) -> io::Result<()>) -> io::Result<()> {
        let mut sorted: Vec<&(&str, Vec<&DerivationRule>)> = self.0.iter().collect();
        sorted.sort_by_key(|(kind, _)| *kind);
        for (kind, rules) in sorted {
            f(kind, &serde_json::to_value(rules).map_err(io::Error::from)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::{Map, json};

    use super::*;

    /// Two artifacts of one id (targets `a-b` and `a_b` both give `a_b-…`), with different
    /// values, among others.
    fn artifacts() -> Vec<Artifact> {
        let artifact = |id: &str, kind: &'static str, n: u64| Artifact {
            id: id.into(),
            artifact_type: kind.into(),
            name: id.into(),
            target: id.into(),
            priority: "required".into(),
            status: "needed".into(),
            derived_from: vec![DerivationRule {
                property: "p".into(),
                source_field: format!("spec.requirements.f{n}").into(),
                transformation: "t".into(),
                rationale: "r".into(),
            }]
            .into(),
            parameters: json!({"namespace": format!("ns{n}"), "metricsInterval": null}).into(),
            depends_on: vec![format!("dep{n}")],
            existing_path: None,
            validation_errors: Vec::new(),
        };
        vec![
            artifact("z-service-monitor", "service_monitor", 1),
            artifact("a_b-service-monitor", "service_monitor", 2),
            artifact("m-dashboard", "dashboard", 3),
            artifact("a_b-service-monitor", "service_monitor", 4),
            artifact("q-unknown", "not_in_catalog", 5),
        ]
    }

    fn text(value: &impl Serialize) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn a_sorted_section_keeps_the_last_value_of_an_id() {
        let artifacts = artifacts();
        let expected: BTreeMap<&str, &Json> = artifacts
            .iter()
            .map(|a| (a.id.as_str(), &*a.parameters))
            .collect();
        let expected: BTreeMap<&str, Json> = expected
            .into_iter()
            .map(|(k, v)| {
                let kept = v.as_object().unwrap().iter().filter(|(_, v)| !v.is_null());
                (
                    k,
                    Json::Object(kept.map(|(k, v)| (k.clone(), v.clone())).collect()),
                )
            })
            .collect();
        assert_eq!(text(&ResolvedParameters::new(&artifacts)), text(&expected));
        let matrix = text(&Matrix::new(&artifacts));
        assert!(!matrix.contains("q-unknown"), "{matrix}");
        assert_eq!(matrix.matches("a_b-service-monitor").count(), 1, "{matrix}");
        assert!(matrix.find("a_b-").unwrap() < matrix.find("m-dashboard").unwrap());
    }

    #[test]
    fn an_ordered_section_keeps_the_first_place_and_last_value_of_an_id() {
        let artifacts = artifacts();
        let mut expected = Map::new();
        for a in &artifacts {
            expected.insert(a.id.clone(), json!(a.depends_on));
        }
        assert_eq!(text(&DependencyGraph::new(&artifacts)), text(&expected));
        let mut sorted = Vec::new();
        DependencyGraph::new(&artifacts)
            .each(&mut |k, v| {
                sorted.push((k.to_string(), v.clone()));
                Ok(())
            })
            .unwrap();
        let mut keys: Vec<String> = expected.keys().cloned().collect();
        keys.sort();
        assert_eq!(
            sorted.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
            keys
        );
        let rules = text(&DerivationRules::new(&artifacts));
        assert!(rules.starts_with(r#"{"service_monitor":[{"#), "{rules}");
        assert_eq!(DerivationRules::new(&artifacts).rules().count(), 5);
    }
}
