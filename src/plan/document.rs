//! The manifest document built from the inferences, in the manifest's key order.

use serde_json::{Map, Value as Json, json};

use crate::model::reports::Inference;

/// Inferences looked up by field path.
struct Fields<'a>(&'a [Inference]);

impl Fields<'_> {
    fn values(&self, field: &str) -> Vec<Json> {
        self.0
            .iter()
            .filter(|i| i.field_path == field)
            .map(|i| i.value.clone())
            .collect()
    }
    fn value(&self, field: &str) -> Option<Json> {
        self.0
            .iter()
            .find(|i| i.field_path == field)
            .map(|i| i.value.clone())
    }
}

/// The manifest document from the inferences: first value of each scalar field, every value of
/// each list field.
pub fn build_manifest(inferences: &[Inference], id: &str) -> Json {
    let c = Fields(inferences);
    let mut project = Map::new();
    project.insert("id".into(), json!(id));
    project.insert(
        "name".into(),
        c.value("spec.project.name").unwrap_or_else(|| json!(id)),
    );
    if let Some(d) = c.value("spec.project.description") {
        project.insert("description".into(), d);
    }
    let mut business = Map::new();
    for (key, field) in [
        ("criticality", "spec.business.criticality"),
        ("owner", "spec.business.owner"),
    ] {
        if let Some(v) = c.value(field) {
            business.insert(key.into(), v);
        }
    }
    let mut requirements = Map::new();
    for key in ["availability", "latencyP99", "throughput", "errorBudget"] {
        if let Some(v) = c.value(&format!("spec.requirements.{key}")) {
            requirements.insert(key.into(), v);
        }
    }
    let mut spec = Map::new();
    spec.insert("project".into(), Json::Object(project));
    if !business.is_empty() {
        spec.insert("business".into(), Json::Object(business));
    }
    if !requirements.is_empty() {
        spec.insert("requirements".into(), Json::Object(requirements));
    }
    for (key, field) in [("risks", "spec.risks"), ("targets", "spec.targets")] {
        let values = c.values(field);
        if !values.is_empty() {
            spec.insert(key.into(), json!(values));
        }
    }
    if !spec.contains_key("targets") {
        // A manifest needs a target; without evidence for one, name the project's own workload
        // (not recorded as an inference, so readiness still reports spec.targets as missing).
        spec.insert(
            "targets".into(),
            json!([{"kind": "Deployment", "name": id, "namespace": "default"}]),
        );
    }
    let mut channels = c.values("spec.observability.alertChannels");
    channels.dedup();
    if !channels.is_empty() {
        spec.insert("observability".into(), json!({"alertChannels": channels}));
    }
    let mut doc = json!({
        "apiVersion": crate::model::manifest::API_VERSION,
        "kind": crate::model::manifest::KIND,
        "metadata": {"name": id},
        "spec": spec,
    });
    let (objectives, tactics) = (
        c.values("strategy.objectives"),
        c.values("strategy.tactics"),
    );
    if !objectives.is_empty() || !tactics.is_empty() {
        doc["strategy"] = json!({"objectives": objectives, "tactics": tactics});
    }
    let questions = c.values("guidance.questions");
    if !questions.is_empty() {
        doc["guidance"] = json!({"questions": questions});
    }
    doc
}
