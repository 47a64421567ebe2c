//! The artifact-type catalog the export contract publishes: for every artifact type a
//! downstream generator may be asked for, where its file goes, which parameters it takes and
//! where each comes from, an example, and the output contract a generated file is held to.
//! The keys, paths and numbers are the earlier implementation's contract (its consumers read
//! them); the prose is ours. Data only: no I/O, no derivation.

/// Which audience an artifact type serves; generation profiles are unions of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Monitoring,
    Operator,
    Stakeholder,
    Onboarding,
    Integrity,
    Source,
}

/// The output contract of one artifact type: how large and how deep a generated file is
/// expected to be, and what it must contain.
pub struct OutputContract {
    pub expected_depth: &'static str,
    pub max_lines: u32,
    pub max_tokens: u32,
    pub completeness_markers: &'static [&'static str],
    pub red_flag: &'static str,
    pub edit_min_pct: u32,
}

/// One artifact type of the catalog.
/// Artifact types we derive that the earlier implementation does not. Its downstream gates
/// check that every coverage gap has a task, and a task mapping written for its artifact list
/// does not name these: they are listed apart (`coverage.additional_gaps`), never as gaps.
pub const ADDITIONS: &[&str] = &["alert_template"];

/// Whether an artifact type is one of [`ADDITIONS`].
pub fn is_addition(artifact_type: &str) -> bool {
    ADDITIONS.contains(&artifact_type)
}

pub struct TypeEntry {
    pub artifact_type: &'static str,
    pub category: Category,
    pub output_ext: &'static str,
    /// `{target}` (and `{output_dir}`) are placeholders.
    pub output_path: &'static str,
    pub description: &'static str,
    pub schema_url: &'static str,
    /// Parameter name → where its value comes from.
    pub parameters: &'static [(&'static str, &'static str)],
    pub example_output_path: &'static str,
    pub example_snippet: &'static str,
    pub contract: OutputContract,
}

impl TypeEntry {
    /// The parameter names, in catalog order.
    pub fn parameter_keys(&self) -> Vec<&'static str> {
        self.parameters.iter().map(|(k, _)| *k).collect()
    }

    /// Where a parameter's value comes from, if the catalog knows.
    pub fn source_of(&self, parameter: &str) -> Option<&'static str> {
        self.parameters
            .iter()
            .find(|(k, _)| *k == parameter)
            .map(|(_, s)| *s)
    }

    /// The expected line range, as the calibration hints state it.
    pub fn loc_range(&self) -> &'static str {
        match self.contract.max_lines {
            0..=50 => "<=50",
            51..=150 => "51-150",
            151..=300 => "51-300",
            _ => ">150",
        }
    }
}

/// The catalog entry of an artifact type.
pub fn entry(artifact_type: &str) -> Option<&'static TypeEntry> {
    CATALOG.iter().find(|e| e.artifact_type == artifact_type)
}

/// The generation profiles `--profile` accepts, `full` (everything) last.
pub const PROFILES: &[&str] = &[
    "source",
    "monitoring",
    "operator",
    "sponsor",
    "practitioner",
    "observability",
    "full",
];

/// Whether a profile includes artifacts of a category. Onboarding and integrity types are in
/// every profile.
pub fn profile_includes(profile: &str, category: Category) -> bool {
    use Category::*;
    match (profile, category) {
        (_, Onboarding | Integrity) => true,
        ("full", _) => true,
        ("source", c) => c == Source,
        ("monitoring", c) => c == Monitoring,
        ("operator" | "observability", c) => matches!(c, Monitoring | Operator | Stakeholder),
        ("sponsor" | "practitioner", c) => c == Stakeholder,
        _ => false,
    }
}

/// Whether a profile emits an onboarding section (sections not listed are in every profile).
/// A section a profile leaves out is written as `{"_omitted": "profile=…"}`.
pub fn profile_has_section(profile: &str, section: &str) -> bool {
    let observability = matches!(
        profile,
        "monitoring" | "operator" | "observability" | "full"
    );
    match section {
        "derivation_rules" | "artifact_dependency_graph" | "parameter_resolvability" => {
            observability
        }
        "expected_output_contracts" | "design_calibration_hints" => {
            observability || matches!(profile, "sponsor" | "practitioner")
        }
        _ => true,
    }
}

const fn contract(
    expected_depth: &'static str,
    max_lines: u32,
    completeness_markers: &'static [&'static str],
    red_flag: &'static str,
    edit_min_pct: u32,
) -> OutputContract {
    // About five tokens a line, as the earlier contract budgets them.
    OutputContract {
        expected_depth,
        max_lines,
        max_tokens: max_lines * 5,
        completeness_markers,
        red_flag,
        edit_min_pct,
    }
}

const OWNERS: &str = "manifest.metadata.owners";
const CRITICALITY: &str = "manifest.spec.business.criticality";
const INDEX_PATH: &str = "docs/capability-index/contextcore.agent.yaml";
const SCHEMA_VERSION_SOURCE: &str = "manifest.metadata.schemaVersion";
const TARGETS_AND_SERVICES: &str = "manifest.spec.targets + service_metadata";
const TACTICS: &str = "manifest.spec.strategy.tactics";

/// Every artifact type, in the order the contract lists them.
pub const CATALOG: &[TypeEntry] = &[
    TypeEntry {
        artifact_type: "dashboard",
        category: Category::Stakeholder,
        output_ext: ".json",
        output_path: "grafana/dashboards/{target}-dashboard.json",
        description: "Grafana dashboard (JSON model)",
        schema_url: "https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/",
        parameters: &[
            ("criticality", CRITICALITY),
            (
                "dashboardPlacement",
                "manifest.spec.observability.dashboardPlacement",
            ),
            ("datasources", "manifest (template default)"),
            ("risks", "manifest.spec.risks[]"),
        ],
        example_output_path: "grafana/dashboards/checkout-api-dashboard.json",
        example_snippet: "{\"title\": \"checkout-api\", \"panels\": [{\"title\": \"Availability\"}]}",
        contract: contract(
            "comprehensive",
            300,
            &["panels", "templating", "title", "datasource"],
            "a dashboard calibrated as brief comes out as an empty shell",
            85,
        ),
    },
    TypeEntry {
        artifact_type: "prometheus_rule",
        category: Category::Monitoring,
        output_ext: ".yaml",
        output_path: "prometheus/rules/{target}-prometheus-rules.yaml",
        description: "Prometheus alerting and recording rules",
        schema_url: "https://prometheus-operator.dev/docs/operator/api/#monitoring.coreos.com/v1.PrometheusRule",
        parameters: &[
            (
                "alertSeverity",
                "manifest.spec.business.criticality (→ severity map)",
            ),
            (
                "availabilityThreshold",
                "manifest.spec.requirements.availability",
            ),
            ("latencyThreshold", "manifest.spec.requirements.latencyP99"),
            (
                "latencyP50Threshold",
                "manifest.spec.requirements.latencyP50",
            ),
            ("throughput", "manifest.spec.requirements.throughput"),
        ],
        example_output_path: "prometheus/rules/checkout-api-prometheus-rules.yaml",
        example_snippet: "groups:\n  - name: checkout-api\n    rules:\n      - alert: CheckoutApiErrorBudgetBurn\n        expr: …",
        contract: contract(
            "standard",
            150,
            &["groups", "rules", "alert", "expr"],
            "rules calibrated as brief leave alerts without expressions",
            80,
        ),
    },
    TypeEntry {
        artifact_type: "slo_definition",
        category: Category::Stakeholder,
        output_ext: ".yaml",
        output_path: "slo/{target}-slo.yaml",
        description: "SLO definition (OpenSLO or Sloth)",
        schema_url: "https://openslo.com/",
        parameters: &[
            ("availability", "manifest.spec.requirements.availability"),
            ("latencyP99", "manifest.spec.requirements.latencyP99"),
            ("errorBudget", "manifest.spec.requirements.errorBudget"),
            ("throughput", "manifest.spec.requirements.throughput"),
        ],
        example_output_path: "slo/checkout-api-slo.yaml",
        example_snippet: "kind: SLO\nmetadata:\n  name: checkout-api-availability\nspec:\n  target: 99.9",
        contract: contract(
            "standard",
            150,
            &["target", "timeWindow", "indicator"],
            "an SLO calibrated as comprehensive over-builds a short spec",
            80,
        ),
    },
    TypeEntry {
        artifact_type: "service_monitor",
        category: Category::Monitoring,
        output_ext: ".yaml",
        output_path: "k8s/observability/{target}-service-monitor.yaml",
        description: "Prometheus Operator ServiceMonitor",
        schema_url: "https://prometheus-operator.dev/docs/operator/api/#monitoring.coreos.com/v1.ServiceMonitor",
        parameters: &[
            (
                "metricsInterval",
                "manifest.spec.observability.metricsInterval",
            ),
            ("namespace", "crd.spec.targets[].namespace or default"),
        ],
        example_output_path: "k8s/observability/checkout-api-service-monitor.yaml",
        example_snippet: "kind: ServiceMonitor\nspec:\n  endpoints:\n    - port: metrics\n      interval: 30s",
        contract: contract(
            "brief",
            50,
            &["selector", "endpoints", "interval"],
            "a ServiceMonitor calibrated as comprehensive over-builds a few lines of YAML",
            70,
        ),
    },
    TypeEntry {
        artifact_type: "loki_rule",
        category: Category::Monitoring,
        output_ext: ".yaml",
        output_path: "loki/rules/{target}-loki-rules.yaml",
        description: "Loki recording and alerting rules",
        schema_url: "https://grafana.com/docs/loki/latest/rules/",
        parameters: &[
            ("logSelectors", "manifest (target-based)"),
            ("recordingRules", "manifest (template default)"),
            ("labelExtractors", "manifest (template default)"),
            ("logFormat", "manifest.spec.observability.logLevel"),
        ],
        example_output_path: "loki/rules/checkout-api-loki-rules.yaml",
        example_snippet: "groups:\n  - name: checkout-api-logs\n    rules:\n      - record: checkout_api:error_lines:rate5m\n        expr: …",
        contract: contract(
            "standard",
            150,
            &["groups", "rules", "expr"],
            "log rules calibrated as brief leave recording rules out",
            80,
        ),
    },
    TypeEntry {
        artifact_type: "notification_policy",
        category: Category::Operator,
        output_ext: ".yaml",
        output_path: "alertmanager/{target}-notification.yaml",
        description: "Alertmanager routing and receivers",
        schema_url: "https://prometheus.io/docs/alerting/latest/configuration/",
        parameters: &[
            ("alertChannels", "manifest.spec.observability.alertChannels"),
            ("owner", "manifest.spec.business.owner"),
            ("owners", OWNERS),
        ],
        example_output_path: "alertmanager/checkout-api-notification.yaml",
        example_snippet: "route:\n  receiver: checkout-team\nreceivers:\n  - name: checkout-team",
        contract: contract(
            "standard",
            150,
            &["receivers", "routes"],
            "routing calibrated as comprehensive over-builds a small config",
            80,
        ),
    },
    TypeEntry {
        artifact_type: "runbook",
        category: Category::Operator,
        output_ext: ".md",
        output_path: "runbooks/{target}-runbook.md",
        description: "Incident response runbook (Markdown)",
        schema_url: "https://docs.github.com/en/contributing/writing-for-github-docs/creating-markdown-runbooks",
        parameters: &[
            ("risks", "manifest.spec.risks[]"),
            ("escalationContacts", OWNERS),
        ],
        example_output_path: "runbooks/checkout-api-runbook.md",
        example_snippet: "# checkout-api runbook\n\n## Overview\n\n## Risks\n\n## Escalation\n\n## Procedures",
        contract: contract(
            "standard-comprehensive",
            300,
            &["Overview", "Risks", "Escalation", "Procedures"],
            "a runbook calibrated as brief has no incident procedures",
            85,
        ),
    },
    TypeEntry {
        artifact_type: "alert_template",
        category: Category::Operator,
        output_ext: ".yaml",
        output_path: "alertmanager/templates/{target}-alert-template.yaml",
        description: "Alertmanager notification template",
        schema_url: "https://prometheus.io/docs/alerting/latest/configuration/",
        parameters: &[
            ("alertSeverity", CRITICALITY),
            ("summaryTemplate", "manifest (template default)"),
            ("descriptionTemplate", "manifest (template default)"),
        ],
        example_output_path: "alertmanager/templates/checkout-api-alert-template.yaml",
        example_snippet: "{{ define \"checkout-api.summary\" }}{{ .CommonLabels.alertname }}{{ end }}",
        contract: contract(
            "standard",
            150,
            &["define", "template"],
            "a template calibrated as comprehensive over-builds a few definitions",
            75,
        ),
    },
    TypeEntry {
        artifact_type: "capability_index",
        category: Category::Onboarding,
        output_ext: ".yaml",
        output_path: INDEX_PATH,
        description: "Capability index of the project",
        schema_url: "https://contextcore.io/schemas/capability-index/v1",
        parameters: &[
            ("project_root", "manifest (auto-detected)"),
            ("index_dir", "docs/capability-index/"),
        ],
        example_output_path: "docs/capability-index/project-name.agent.yaml",
        example_snippet: "manifest_id: project.agent\nversion: '1.0.0'\ncapabilities:\n  - capability_id: project.export",
        contract: contract(
            "comprehensive",
            500,
            &["capabilities", "version", "manifest_id"],
            "an index calibrated as brief lists too few capabilities",
            90,
        ),
    },
    TypeEntry {
        artifact_type: "agent_card",
        category: Category::Onboarding,
        output_ext: ".json",
        output_path: "docs/capability-index/agent-card.json",
        description: "A2A agent card",
        schema_url: "https://google.github.io/A2A/specification/",
        parameters: &[
            ("capability_index_path", INDEX_PATH),
            ("manifest_version", SCHEMA_VERSION_SOURCE),
        ],
        example_output_path: "docs/capability-index/agent-card.json",
        example_snippet: "{\"name\": \"project\", \"version\": \"1.0.0\", \"skills\": []}",
        contract: contract(
            "standard",
            200,
            &["skills", "name", "version"],
            "an agent card calibrated as brief has no skills",
            85,
        ),
    },
    TypeEntry {
        artifact_type: "mcp_tools",
        category: Category::Onboarding,
        output_ext: ".json",
        output_path: "docs/capability-index/mcp-tools.json",
        description: "MCP tool definitions",
        schema_url: "https://modelcontextprotocol.io/specification/",
        parameters: &[
            ("capability_index_path", INDEX_PATH),
            ("manifest_version", SCHEMA_VERSION_SOURCE),
        ],
        example_output_path: "docs/capability-index/mcp-tools.json",
        example_snippet: "{\"tools\": [{\"name\": \"export\", \"inputSchema\": {\"type\": \"object\"}}]}",
        contract: contract(
            "comprehensive",
            500,
            &["tools", "inputSchema"],
            "tools calibrated as brief have no input schemas",
            90,
        ),
    },
    TypeEntry {
        artifact_type: "onboarding_metadata",
        category: Category::Onboarding,
        output_ext: ".json",
        output_path: "{output_dir}/onboarding-metadata.json",
        description: "Onboarding metadata for plan ingestion",
        schema_url: "https://contextcore.io/schemas/onboarding-metadata/v1",
        parameters: &[
            ("manifest_path", "manifest (export output path)"),
            ("project_context_path", "crd (export output path)"),
            ("export_dir", "manifest (--output flag)"),
        ],
        example_output_path: "out/onboarding-metadata.json",
        example_snippet: "{\"schema\": \"contextcore.io/onboarding-metadata/v1\", \"artifact_types\": {}}",
        contract: contract(
            "standard",
            150,
            &["artifact_types", "parameter_sources"],
            "metadata calibrated as brief leaves sections out",
            80,
        ),
    },
    TypeEntry {
        artifact_type: "provenance",
        category: Category::Integrity,
        output_ext: ".json",
        output_path: "{output_dir}/run-provenance.json",
        description: "Run record linking inputs to outputs",
        schema_url: "https://contextcore.io/schemas/provenance/v1",
        parameters: &[
            ("source_checksum", "manifest (SHA-256 of source file)"),
            (
                "artifact_checksums",
                "manifest (SHA-256 of each exported artifact)",
            ),
        ],
        example_output_path: "out/run-provenance.json",
        example_snippet: "{\"inputs\": [{\"path\": \".contextcore.yaml\", \"sha256\": \"…\"}]}",
        contract: contract(
            "brief",
            50,
            &["source_checksum", "artifacts"],
            "a record calibrated as comprehensive over-builds a list of digests",
            70,
        ),
    },
    TypeEntry {
        artifact_type: "ingestion-traceability",
        category: Category::Integrity,
        output_ext: ".json",
        output_path: "{output_dir}/ingestion-traceability.json",
        description: "Requirement coverage of an ingestion",
        schema_url: "https://contextcore.io/schemas/ingestion-traceability/v1",
        parameters: &[
            (
                "requirements_mapping",
                "manifest (derivation rules → requirements)",
            ),
            (
                "coverage_metrics",
                "manifest (coverage summary percentages)",
            ),
        ],
        example_output_path: "out/ingestion-traceability.json",
        example_snippet: "{\"requirements_coverage_percent\": 100.0}",
        contract: contract(
            "brief",
            50,
            &["requirements_coverage_percent"],
            "a traceability record calibrated as comprehensive over-builds a few numbers",
            70,
        ),
    },
    TypeEntry {
        artifact_type: "dockerfile",
        category: Category::Source,
        output_ext: "",
        output_path: "Dockerfile",
        description: "Container build file",
        schema_url: "https://docs.docker.com/reference/dockerfile/",
        parameters: &[
            ("base_image", TARGETS_AND_SERVICES),
            ("exposed_ports", TARGETS_AND_SERVICES),
            ("entrypoint", TARGETS_AND_SERVICES),
        ],
        example_output_path: "Dockerfile",
        example_snippet: "FROM debian:stable-slim\nCOPY app /app\nEXPOSE 8080\nUSER 65532\nENTRYPOINT [\"/app\"]",
        contract: contract(
            "standard",
            50,
            &["FROM", "COPY", "EXPOSE", "ENTRYPOINT", "USER"],
            "a Dockerfile calibrated as comprehensive grows stages it does not need",
            50,
        ),
    },
    TypeEntry {
        artifact_type: "python_requirements",
        category: Category::Source,
        output_ext: ".txt",
        output_path: "requirements.txt",
        description: "Python dependency list",
        schema_url: "https://pip.pypa.io/en/stable/reference/requirements-file-format/",
        parameters: &[("packages", TACTICS), ("constraints", TACTICS)],
        example_output_path: "requirements.txt",
        example_snippet: "# constraints\nrequests>=2.31",
        contract: contract(
            "brief",
            30,
            &["# constraints"],
            "a requirements file calibrated as comprehensive is more than a flat list",
            50,
        ),
    },
    TypeEntry {
        artifact_type: "protobuf_schema",
        category: Category::Source,
        output_ext: ".proto",
        output_path: "proto/{target}.proto",
        description: "Protocol Buffers service contract",
        schema_url: "https://protobuf.dev/programming-guides/proto3/",
        parameters: &[
            (
                "package",
                "manifest.spec.targets + service_metadata.schema_contract",
            ),
            (
                "services",
                "manifest.spec.targets + service_metadata.schema_contract",
            ),
            (
                "rpcs",
                "manifest.spec.targets + service_metadata.schema_contract",
            ),
        ],
        example_output_path: "proto/checkout.proto",
        example_snippet: "syntax = \"proto3\";\npackage checkout;\nservice Checkout {\n  rpc Place (Order) returns (Receipt);\n}",
        contract: contract(
            "standard",
            150,
            &["syntax", "package", "service", "rpc"],
            "a schema calibrated as brief has no service definitions",
            75,
        ),
    },
    TypeEntry {
        artifact_type: "editorconfig",
        category: Category::Source,
        output_ext: "",
        output_path: ".editorconfig",
        description: "Editor settings",
        schema_url: "https://editorconfig.org/",
        parameters: &[
            ("indent_style", "project conventions"),
            ("charset", "project conventions"),
        ],
        example_output_path: ".editorconfig",
        example_snippet: "root = true\n\n[*]\nindent_style = space\ncharset = utf-8",
        contract: contract(
            "brief",
            20,
            &["root = true", "indent_style", "charset"],
            "settings calibrated as comprehensive are more than a few lines",
            50,
        ),
    },
    TypeEntry {
        artifact_type: "ci_workflow",
        category: Category::Source,
        output_ext: ".yml",
        output_path: ".github/workflows/{target}.yml",
        description: "CI workflow",
        schema_url: "https://docs.github.com/en/actions/using-workflows/workflow-syntax-for-github-actions",
        parameters: &[
            ("triggers", TACTICS),
            ("jobs", TACTICS),
            ("runtime", TACTICS),
        ],
        example_output_path: ".github/workflows/ci.yml",
        example_snippet: "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest",
        contract: contract(
            "standard",
            100,
            &["name:", "on:", "jobs:"],
            "a workflow calibrated as brief has no jobs",
            70,
        ),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_is_listed_once() {
        for e in CATALOG {
            assert_eq!(
                CATALOG
                    .iter()
                    .filter(|o| o.artifact_type == e.artifact_type)
                    .count(),
                1
            );
        }
    }

    #[test]
    fn profiles_keep_infrastructure_types() {
        assert!(profile_includes("source", Category::Onboarding));
        assert!(!profile_includes("source", Category::Monitoring));
        assert!(profile_includes("operator", Category::Stakeholder));
        assert!(!profile_includes("sponsor", Category::Operator));
    }

    #[test]
    fn loc_ranges_follow_max_lines() {
        assert_eq!(
            entry("service_monitor").map(TypeEntry::loc_range),
            Some("<=50")
        );
        assert_eq!(entry("dashboard").map(TypeEntry::loc_range), Some("51-300"));
        assert_eq!(
            entry("capability_index").map(TypeEntry::loc_range),
            Some(">150")
        );
    }
}
