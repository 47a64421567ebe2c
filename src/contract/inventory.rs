//! Gate 1 checks on declarations beside the metadata: the run record's artifact inventory
//! (roles registered for the data the export wrote) and the service metadata.

use serde_json::Value as Json;

use super::dir::ExportDir;
use super::gate::{Check, Evidence, Finding};
use super::json::{text, truthy};
use crate::export::inventory::has_data;

/// The run record (version 2 and later) registers a role for every kind of data the metadata
/// holds, and each entry's source file is in the directory; `None` (skipped) without a
/// run record or with a version 1 record.
pub fn artifact_inventory(dir: &ExportDir) -> Option<Finding> {
    let record = dir.run_record.as_ref()?;
    let version = record
        .get("version")
        .and_then(Json::as_str)
        .unwrap_or("1.0.0");
    if version.starts_with("1.") {
        return None;
    }
    let Some(inventory) = record.get("artifact_inventory").and_then(Json::as_array) else {
        return Some(Finding::warning_failure(
            Check::ArtifactInventory,
            "run-provenance.json is version 2 but has no artifact_inventory list.".to_string(),
            "Re-run the export to write the inventory.",
            vec![Evidence::new(
                "missing_inventory",
                "run-provenance.json",
                "no artifact_inventory list",
            )],
        ));
    };
    let roles: std::collections::BTreeSet<&str> = inventory
        .iter()
        .filter_map(|e| e.get("role").and_then(Json::as_str))
        .collect();
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    // The same roles, and the same question of each section, as the export that wrote them.
    let unregistered: Vec<&str> = crate::export::inventory::ROLES
        .iter()
        .filter(|(role, key, ..)| {
            !roles.contains(role) && dir.metadata.get(*key).is_some_and(has_data)
        })
        .map(|(role, ..)| *role)
        .collect();
    for role in &unregistered {
        evidence.push(Evidence::new(
            "missing_role",
            *role,
            format!("the metadata has data for '{role}' but the inventory does not register it"),
        ));
    }
    if !unregistered.is_empty() {
        problems.push(format!("unregistered roles: {}", unregistered.join(", ")));
    }
    for entry in inventory {
        let Some(source) = text(entry, "source_file") else {
            continue;
        };
        if !dir.inside(source).is_some_and(|p| p.exists()) {
            problems.push(format!("missing source: {source}"));
            let id = text(entry, "artifact_id").unwrap_or(source);
            evidence.push(Evidence::new(
                "missing_source_file",
                id,
                format!("source file '{source}' is not in the directory"),
            ));
        }
    }
    if problems.is_empty() {
        let listed = roles.iter().copied().collect::<Vec<_>>().join(", ");
        return Some(Finding::pass(
            Check::ArtifactInventory,
            format!(
                "Artifact inventory complete: {} entries, {} role(s) registered.",
                inventory.len(),
                roles.len()
            ),
            "Go on: the inventory is complete.",
            vec![Evidence::new(
                "inventory_verified",
                "artifact_inventory",
                format!("roles: {listed}"),
            )],
        ));
    }
    evidence.truncate(10);
    Some(Finding::warning_failure(
        Check::ArtifactInventory,
        format!(
            "Artifact inventory issues: {}.",
            problems
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        ),
        "Re-run the export to rewrite the inventory with every role.",
        evidence,
    ))
}

/// Every service declares its transport protocol (blocking); gRPC services should name a
/// schema contract (advisory); `None` (a report warning instead) without service metadata.
pub fn service_metadata(meta: &Json) -> Option<Finding> {
    let services = meta.get("service_metadata");
    if !truthy(services) {
        return None;
    }
    let Some(services) = services.and_then(Json::as_object) else {
        return Some(Finding::blocking_failure(
            Check::ServiceMetadata,
            "Service metadata is not an object keyed by service name.".to_string(),
            "Re-run the export with a valid --service-metadata file.",
            vec![Evidence::new(
                "invalid_service_metadata",
                "service_metadata",
                "not an object",
            )],
        ));
    };
    let mut missing_protocol = Vec::new();
    let mut evidence = Vec::new();
    for (name, entry) in services {
        if !entry.is_object() {
            evidence.push(Evidence::new(
                "invalid_service_entry",
                name.clone(),
                format!("the entry for '{name}' is not an object"),
            ));
            continue;
        }
        let Some(protocol) = text(entry, "transport_protocol") else {
            missing_protocol.push(name.clone());
            evidence.push(Evidence::new(
                "missing_transport_protocol",
                name.clone(),
                format!("'{name}' declares no transport_protocol"),
            ));
            continue;
        };
        if matches!(protocol, "grpc" | "grpc-web") && !truthy(entry.get("schema_contract")) {
            evidence.push(Evidence::new(
                "missing_schema_contract",
                name.clone(),
                format!("gRPC service '{name}' names no schema_contract (such as its .proto file)"),
            ));
        }
    }
    if !missing_protocol.is_empty() {
        return Some(Finding::blocking_failure(
            Check::ServiceMetadata,
            format!(
                "Service metadata incomplete: no transport_protocol for {}.",
                missing_protocol.join(", ")
            ),
            "Declare a transport_protocol for every service in the --service-metadata file and re-run the export.",
            evidence,
        ));
    }
    if !evidence.is_empty() {
        return Some(Finding::pass_with_warnings(
            Check::ServiceMetadata,
            format!(
                "Service metadata valid, with {} advisory issue(s).",
                evidence.len()
            ),
            "Consider naming a schema_contract for each gRPC service.",
            evidence,
        ));
    }
    Some(Finding::pass(
        Check::ServiceMetadata,
        format!(
            "Service metadata complete: {} service(s) declare their transport protocol.",
            services.len()
        ),
        "Go on: the service metadata is complete.",
        vec![Evidence::new(
            "service_metadata_verified",
            "service_metadata",
            format!("{} service(s) checked", services.len()),
        )],
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::contract::gate::{Outcome, Severity};

    #[test]
    fn a_service_without_transport_protocol_blocks() {
        let meta =
            json!({"service_metadata": {"api": {"transport_protocol": "http"}, "worker": {}}});
        let finding = service_metadata(&meta).unwrap();
        assert_eq!(finding.result, Outcome::Fail);
        assert!(finding.blocking);
        assert!(finding.reason.contains("worker"));
    }

    #[test]
    fn a_grpc_service_without_schema_contract_is_advisory() {
        let meta = json!({"service_metadata": {"cart": {"transport_protocol": "grpc"}}});
        let finding = service_metadata(&meta).unwrap();
        assert_eq!(finding.result, Outcome::Pass);
        assert_eq!(finding.severity, Severity::Warning);
        assert_eq!(finding.evidence[0].kind, "missing_schema_contract");
    }

    #[test]
    fn no_service_metadata_is_not_a_gate() {
        assert!(service_metadata(&json!({"service_metadata": {}})).is_none());
    }
}
