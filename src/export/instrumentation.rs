//! What each service should emit, for the onboarding metadata's `instrumentation_hints`: the
//! OpenTelemetry metric conventions of its transport, the spans its calls make (from
//! `spec.service_communication_graph`), the SDK and packages of its language, and the
//! databases its imports name. The services are those of `service_metadata` and of the graph.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, Serializer};
use serde_json::{Value as Json, json};

/// Metric conventions of an HTTP server (gRPC-Web is served over HTTP).
const HTTP_METRICS: &[&str] = &[
    "http.server.duration",
    "http.server.request.body.size",
    "http.server.response.body.size",
];
/// Metric conventions of a gRPC server.
const GRPC_METRICS: &[&str] = &[
    "rpc.server.duration",
    "rpc.server.request.size",
    "rpc.server.response.size",
    "rpc.server.requests_per_rpc",
];
const HTTP_SPAN_ATTRIBUTES: &[&str] = &["http.method", "http.route", "http.status_code"];
const GRPC_SPAN_ATTRIBUTES: &[&str] = &["rpc.system", "rpc.service", "rpc.method"];

/// Per language: the SDK, the OTLP exporter, and the gRPC and HTTP instrumentation packages.
const SDKS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "python",
        "opentelemetry-sdk",
        "opentelemetry-exporter-otlp",
        "opentelemetry-instrumentation-grpc",
        "opentelemetry-instrumentation-flask",
    ),
    (
        "java",
        "io.opentelemetry:opentelemetry-sdk",
        "io.opentelemetry:opentelemetry-exporter-otlp",
        "io.grpc:grpc-opentelemetry",
        "io.opentelemetry.instrumentation:opentelemetry-spring-boot-starter",
    ),
    (
        "go",
        "go.opentelemetry.io/otel",
        "go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc",
        "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc",
        "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
    ),
    (
        "nodejs",
        "@opentelemetry/sdk-node",
        "@opentelemetry/exporter-trace-otlp-grpc",
        "@opentelemetry/instrumentation-grpc",
        "@opentelemetry/instrumentation-http",
    ),
    (
        "dotnet",
        "OpenTelemetry",
        "OpenTelemetry.Exporter.OpenTelemetryProtocol",
        "OpenTelemetry.Instrumentation.GrpcNetClient",
        "OpenTelemetry.Instrumentation.AspNetCore",
    ),
];

/// A word in an import → the database it is a client of (the first match per import wins per
/// database; order kept).
const DATABASE_IMPORTS: &[(&str, &str)] = &[
    ("Npgsql", "postgresql"),
    ("psycopg2", "postgresql"),
    ("asyncpg", "postgresql"),
    ("pg", "postgresql"),
    ("postgres", "postgresql"),
    ("AlloyDB", "postgresql"),
    ("Spanner", "spanner"),
    ("SpannerConnection", "spanner"),
    ("MySql", "mysql"),
    ("mysql", "mysql"),
    ("pymysql", "mysql"),
    ("Redis", "redis"),
    ("StackExchange.Redis", "redis"),
    ("redis", "redis"),
    ("Sqlite", "sqlite"),
    ("sqlite3", "sqlite"),
    ("System.Data.SQLite", "sqlite"),
];

/// The hints of every service of `service_metadata` and of the communication graph, each
/// made as it is printed (3,000 services are 6.5 MB of JSON).
pub struct Hints<'a> {
    names: Vec<&'a str>,
    service_metadata: &'a BTreeMap<String, Json>,
    graph_services: Option<&'a serde_json::Map<String, Json>>,
    declared_metrics: &'a [Json],
}

impl<'a> Hints<'a> {
    pub fn new(
        service_metadata: &'a BTreeMap<String, Json>,
        graph: Option<&'a Json>,
        declared_metrics: &'a [Json],
    ) -> Self {
        let graph_services = graph
            .and_then(|g| g.get("services"))
            .and_then(Json::as_object);
        let names: BTreeSet<&str> = service_metadata
            .keys()
            .chain(graph_services.into_iter().flat_map(|s| s.keys()))
            .map(String::as_str)
            .collect();
        Self {
            names: names.into_iter().collect(),
            service_metadata,
            graph_services,
            declared_metrics,
        }
    }
}

impl Serialize for Hints<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.names.iter().map(|name| {
            let in_graph = self.graph_services.and_then(|s| s.get(*name));
            let meta = self.service_metadata.get(*name);
            (name, hint(name, in_graph, meta, self.declared_metrics))
        }))
    }
}

fn text<'a>(v: Option<&'a Json>, key: &str) -> Option<&'a str> {
    v.and_then(|v| v.get(key)).and_then(Json::as_str)
}

/// What one service should emit.
#[derive(Serialize)]
struct Hint<'a> {
    service_id: &'a str,
    transport: &'a str,
    detected_databases: Vec<&'static str>,
    metrics: Metrics<'a>,
    traces: Traces,
    logging: Logging,
    dependencies: Dependencies,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
}

#[derive(Serialize)]
struct Metrics<'a> {
    convention_based: Vec<Metric>,
    manifest_declared: &'a [Json],
    #[serde(skip_serializing_if = "Option::is_none")]
    sdk: Option<Sdk>,
}

#[derive(Serialize)]
struct Metric {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    source: &'static str,
}

#[derive(Serialize)]
struct Traces {
    required: Vec<Span>,
    propagation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sdk: Option<Sdk>,
}

#[derive(Serialize)]
struct Span {
    span_name: String,
    attributes: &'static [&'static str],
    source: String,
}

#[derive(Serialize)]
struct Logging {
    trace_context_fields: [&'static str; 0],
    _note: &'static str,
}

#[derive(Serialize)]
struct Dependencies {
    add: Vec<Dependency>,
}

#[derive(Serialize)]
struct Dependency {
    package: &'static str,
    version: &'static str,
}

/// The SDK coordinates of a language, with the interceptor of the transport.
#[derive(Serialize, Clone, Copy)]
struct Sdk {
    package: &'static str,
    interceptor: &'static str,
    exporter: &'static str,
}

fn hint<'a>(
    name: &'a str,
    in_graph: Option<&'a Json>,
    meta: Option<&'a Json>,
    declared: &'a [Json],
) -> Hint<'a> {
    let transport = text(in_graph, "protocol")
        .or_else(|| text(meta, "transport_protocol"))
        .unwrap_or("http");
    let grpc = transport == "grpc";
    let (source, metrics) = if grpc {
        ("otel_semconv:grpc", GRPC_METRICS)
    } else {
        ("otel_semconv:http", HTTP_METRICS)
    };
    let convention_based = metrics
        .iter()
        .map(|name| Metric {
            name,
            kind: "histogram",
            source,
        })
        .collect();
    let language = text(in_graph, "language");
    let sdk = language.and_then(|l| sdk(l, grpc));
    let add = sdk
        .iter()
        .flat_map(|s| [s.package, s.interceptor, s.exporter])
        .map(|package| Dependency {
            package,
            version: "latest_stable",
        })
        .collect();
    let imports: Vec<&str> = in_graph
        .and_then(|g| g.get("imports"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    Hint {
        service_id: name,
        transport,
        detected_databases: databases(&imports),
        metrics: Metrics {
            convention_based,
            manifest_declared: declared,
            sdk,
        },
        traces: Traces {
            required: in_graph.map(|g| spans(name, g, grpc)).unwrap_or_default(),
            propagation: "W3C",
            sdk,
        },
        logging: Logging {
            trace_context_fields: [],
            _note: "the code generator fills in the logging fields; export only names them",
        },
        dependencies: Dependencies { add },
        language,
    }
}

fn sdk(language: &str, grpc: bool) -> Option<Sdk> {
    let (_, package, exporter, grpc_interceptor, http_interceptor) =
        SDKS.iter().find(|(l, ..)| *l == language)?;
    Some(Sdk {
        package,
        interceptor: if grpc {
            grpc_interceptor
        } else {
            http_interceptor
        },
        exporter,
    })
}

/// The spans a service must make: its server span, and for gRPC one per call it lists.
fn spans(name: &str, service: &Json, grpc: bool) -> Vec<Span> {
    let source = format!("service_communication_graph:{name}");
    if !grpc {
        return vec![Span {
            span_name: "{http_method} {http_route}".into(),
            attributes: HTTP_SPAN_ATTRIBUTES,
            source,
        }];
    }
    let mut out = vec![Span {
        span_name: "{grpc_service}/{grpc_method}".into(),
        attributes: GRPC_SPAN_ATTRIBUTES,
        source: source.clone(),
    }];
    for call in service
        .get("rpc_calls")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let field = |k: &str| call.get(k).and_then(Json::as_str).unwrap_or("unknown");
        out.push(Span {
            span_name: format!("{}/{}", field("target_service"), field("method")),
            attributes: GRPC_SPAN_ATTRIBUTES,
            source: format!("{source}:rpc_call"),
        });
    }
    out
}

/// The databases a service's imports name, each once, in the order found.
fn databases(imports: &[&str]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for import in imports {
        for (word, db) in DATABASE_IMPORTS {
            if import.contains(word) && !out.contains(db) {
                out.push(*db);
            }
        }
    }
    out
}

/// `security_contract`: the data stores of `spec.security`, when it declares any.
pub fn security_contract(spec: &Json) -> Option<Json> {
    let security = spec.get("security")?.as_object()?;
    let stores = security
        .get("dataStores")
        .or_else(|| security.get("data_stores"))?
        .as_array()?;
    let either =
        |v: &Json, camel: &str, snake: &str| v.get(camel).or_else(|| v.get(snake)).cloned();
    let mut databases = serde_json::Map::new();
    for store in stores {
        let Some(id) = store
            .get("id")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let mut entry = json!({
            "type": store.get("type").cloned().unwrap_or(json!("")),
            "client_library": either(store, "clientLibrary", "client_library").unwrap_or(json!("")),
            "credential_source": either(store, "credentialSource", "credential_source").unwrap_or(json!("")),
            "sensitivity": store.get("sensitivity").cloned().unwrap_or(json!("medium")),
        });
        if let Some(policy) = either(store, "accessPolicy", "access_policy").filter(Json::is_object)
        {
            let mut p = serde_json::Map::new();
            if let Some(a) = either(&policy, "allowedPrincipals", "allowed_principals")
                .filter(|a| a.as_array().is_some_and(|a| !a.is_empty()))
            {
                p.insert("allowed_principals".into(), a);
            }
            if let Some(r) = either(&policy, "requiredRole", "required_role")
                .filter(|r| r.as_str().is_some_and(|r| !r.is_empty()))
            {
                p.insert("required_role".into(), r);
            }
            if either(&policy, "auditAccess", "audit_access") == Some(json!(true)) {
                p.insert("audit_access".into(), json!(true));
            }
            if !p.is_empty() {
                entry["access_policy"] = Json::Object(p);
            }
        }
        databases.insert(id.to_string(), entry);
    }
    (!databases.is_empty()).then(|| {
        json!({
            "databases": databases,
            "sensitivity": security.get("sensitivity").cloned().unwrap_or(json!("medium")),
            "source": "manifest",
        })
    })
}
