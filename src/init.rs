//! The starter manifest `manifest init` writes: complete, valid v1alpha2, and commented so a
//! newcomer knows what each section is for. Pure: name in, text out.

/// Version of the starter template, recorded in the run's configuration.
pub const TEMPLATE_VERSION: &str = "v1alpha2-starter-1";

/// The starter manifest for a project called `name` (already checked to be a safe name).
pub fn starter_manifest(name: &str) -> String {
    format!(
        r##"# ContextCore context manifest for {name}.
# Describe the service once; `contextcore manifest export` derives the rest from it.
# Check it with `contextcore manifest validate`.
apiVersion: contextcore.io/v1alpha2
kind: ContextManifest
metadata:
  # Names every derived file ({name}-projectcontext.yaml, ...): letters, digits, '.', '_', '-'.
  name: {name}
  owners:
    - team: {name}-team        # the owning team
      slack: "#{name}"         # where people reach the team
spec:
  project:
    id: {name}
    name: {name}
    description: What this service does, in one sentence.
  business:
    # critical | high | medium | low: decides which observability artifacts are required.
    criticality: medium
    owner: {name}-team
  requirements:
    availability: "99.9"       # percent, drives error-rate and burn-rate alerts
    latencyP99: "500ms"        # duration (ms, s, m, h), drives the latency alert
    throughput: "100rps"       # rate (rps, rpm, qps, qpm)
  risks:
    - type: availability
      description: Describe the main way this service fails.
      priority: P3             # P1 (worst) .. P4
      mitigation: Describe what limits the damage.
  targets:
    # The Kubernetes workloads this manifest covers; one set of artifacts per target.
    - kind: Deployment
      name: {name}
      namespace: default
  observability:
    metricsInterval: 30s
    alertChannels:
      - "#{name}-alerts"
    logLevel: info
"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starter_manifest_is_valid_without_warnings() {
        let text = starter_manifest("demo-svc");
        let node = crate::yaml::parse(&text).unwrap();
        let problems = crate::model::manifest::validate_node(&node, "m.yaml");
        assert!(problems.is_empty(), "{problems:?}");
    }
}
