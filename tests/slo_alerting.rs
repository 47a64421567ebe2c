//! SLO alerting as the SRE Workbook has it, judged by the real `promtool`: the generated rules
//! pass `promtool check rules --lint-fatal`, and `promtool test rules` replays synthetic
//! traffic (100 rps, one healthy day first, rules evaluated every minute) against them: an
//! outage pages within minutes, a slow burn opens a ticket and never pages, healthy and
//! low-traffic noise stay quiet, a vanished target alerts, and two targets with one name in two
//! namespaces never share a series.

mod common;

use common::{Repo, stderr};

/// The checkout fixture (99.95 % availability, 250ms P99; targets checkout-api and
/// checkout-worker in `commerce`), exported and generated; its rule groups written as a plain
/// rules file for promtool.
fn generated(manifest: Option<&str>) -> Repo {
    let repo = Repo::new();
    match manifest {
        Some(text) => repo.write(".contextcore.yaml", text),
        None => repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml"),
    }
    let out = repo.run(&["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let context = std::fs::read_dir(repo.join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with("-projectcontext.yaml"))
        .unwrap();
    // Not strict: a corpus manifest without requirements generates no SLO rules, not an error.
    let out = repo.run(&[
        "generate",
        "--no-strict-quality",
        "-c",
        &format!("out/{context}"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rules = std::fs::read_dir(repo.join("generated"))
        .unwrap()
        .flatten()
        .find(|e| {
            e.file_name()
                .to_string_lossy()
                .ends_with("-prometheus-rules.yaml")
        })
        .unwrap();
    let rule: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(rules.path()).unwrap()).unwrap();
    repo.write(
        "rules.yaml",
        &serde_json::to_string_pretty(&rule["spec"]).unwrap(),
    );
    repo
}

fn promtool(repo: &Repo, args: &[&str]) -> std::process::Output {
    std::process::Command::new("promtool")
        .args(args)
        .current_dir(repo.path())
        .output()
        .expect("promtool is needed: `sudo apt-get install prometheus` (`bash .ci/test` run as root installs it)")
}

/// Runs one `promtool test rules` scenario: input series, then (eval time, PromQL, expected
/// samples as `{labels} value` lines; none for "no series").
/// (eval time, PromQL, expected samples).
type Check<'a> = (&'a str, &'a str, &'a [(&'a str, f64)]);

/// One scenario through the same harness as the acceptance corpus (`promtool_groups`).
fn scenario(repo: &Repo, series: &[(&str, &str)], checks: &[Check]) {
    let group = Group {
        name: "scenario".into(),
        series: series
            .iter()
            .map(|(s, v)| (s.to_string(), v.to_string()))
            .collect(),
        checks: checks
            .iter()
            .map(|(at, expr, samples)| {
                let minute = at.trim_end_matches('m').parse().unwrap();
                let samples = samples.iter().map(|(l, v)| (l.to_string(), *v)).collect();
                (minute, expr.to_string(), samples)
            })
            .collect(),
    };
    if let Some(failure) = promtool_groups(repo, "scenario.test.yaml", 1, &[group]) {
        panic!("{failure}");
    }
}

const API_OK: &str =
    "http_requests_total{job=\"checkout-api\", namespace=\"commerce\", code=\"200\"}";
const API_5XX: &str =
    "http_requests_total{job=\"checkout-api\", namespace=\"commerce\", code=\"500\"}";
const WORKER_OK: &str =
    "http_requests_total{job=\"checkout-worker\", namespace=\"commerce\", code=\"200\"}";
const FIRING_API: &str =
    "ALERTS{alertname=\"CheckoutApiAvailabilityErrorBudgetBurn\", alertstate=\"firing\"}";

#[test]
fn the_rules_pass_promtool_lint() {
    let repo = generated(None);
    let out = promtool(&repo, &["check", "rules", "--lint-fatal", "rules.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rules = repo.read("rules.yaml");
    // No static threshold alert; every window of the Workbook recorded.
    assert!(!rules.contains("HighErrorRate"), "{rules}");
    for w in ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"] {
        assert!(
            rules.contains(&format!("slo:sli_error:ratio_rate{w}")),
            "{w}"
        );
    }
}

#[test]
fn the_crd_schemas_refuse_what_prometheus_operator_refuses() {
    let repo = generated(None);
    let monitor = repo.join("generated/checkout-service-service-monitor.yaml");
    assert_eq!(crd_check(&monitor, "servicemonitors"), None);
    // The interval `1.5s` that validation now refuses is what the CRD refuses too.
    let text = repo.read("generated/checkout-service-service-monitor.yaml");
    repo.write(
        "bad-monitor.yaml",
        &text.replace("interval: 30s", "interval: 1.5s"),
    );
    let problem = crd_check(&repo.join("bad-monitor.yaml"), "servicemonitors");
    assert!(problem.is_some_and(|p| p.contains("interval")));
}

#[test]
fn an_outage_pages_within_minutes_and_healthy_traffic_stays_quiet() {
    let repo = generated(None);
    scenario(
        &repo,
        &[
            // A healthy day at 100 rps, then every request fails.
            (API_OK, "0+6000x1440 8640000+0x60"),
            (API_5XX, "0+0x1440 0+6000x60"),
            (WORKER_OK, "0+600x1500"),
        ],
        &[
            ("1439m", "ALERTS{alertstate=\"firing\"}", &[]),
            ("1442m", FIRING_API, &[]),
            (
                "1445m",
                &format!("count by (severity, long) ({FIRING_API})"),
                &[("{severity=\"critical\", long=\"1h\"}", 1.0)],
            ),
        ],
    );
}

#[test]
fn a_slow_burn_opens_a_ticket_and_never_pages() {
    let repo = generated(None);
    // 2x the budget of 99.95 % (0.1 % errors) for half a day.
    scenario(
        &repo,
        &[
            (API_OK, "0+5994x720"),
            (API_5XX, "0+6x720"),
            (WORKER_OK, "0+600x720"),
        ],
        &[
            ("60m", "ALERTS{alertstate=\"firing\"}", &[]),
            (
                "720m",
                &format!("count by (severity, long) ({FIRING_API})"),
                &[("{severity=\"warning\", long=\"3d\"}", 1.0)],
            ),
        ],
    );
}

#[test]
fn a_few_errors_at_low_traffic_do_not_page() {
    let repo = generated(None);
    // 1 rps; three errors within six minutes.
    scenario(
        &repo,
        &[
            (API_OK, "0+60x120 7200+57x6 7542+60x60"),
            (API_5XX, "0+0x120 0+0.5x6 3+0x60"),
            (WORKER_OK, "0+600x186"),
        ],
        &[("186m", "ALERTS{alertstate=\"firing\"}", &[])],
    );
}

#[test]
fn a_vanished_target_alerts() {
    let repo = generated(None);
    scenario(
        &repo,
        &[(API_OK, "0+6000x30")],
        &[(
            "20m",
            "count by (alertname, severity) (ALERTS{alertstate=\"firing\"})",
            &[(
                "{alertname=\"CheckoutWorkerSLIAbsent\", severity=\"critical\"}",
                1.0,
            )],
        )],
    );
}

#[test]
fn one_target_name_in_two_namespaces_never_shares_a_series() {
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml"))
        .unwrap()
        .replace(
            "    - kind: Deployment\n      name: checkout-worker\n      namespace: commerce",
            "    - kind: Deployment\n      name: checkout-api\n      namespace: commerce-eu",
        );
    let repo = generated(Some(&manifest));
    let out = promtool(&repo, &["check", "rules", "--lint-fatal", "rules.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The eu copy fails completely; only its own pages fire (both page tiers, 30 minutes in),
    // and every recorded series is one per namespace (promtool fails a test on a duplicate
    // sample).
    scenario(
        &repo,
        &[
            (API_OK, "0+6000x90"),
            (
                "http_requests_total{job=\"checkout-api\", namespace=\"commerce-eu\", code=\"500\"}",
                "0+6000x90",
            ),
        ],
        &[
            (
                "30m",
                &format!("count by (namespace, severity) ({FIRING_API})"),
                &[("{namespace=\"commerce-eu\", severity=\"critical\"}", 2.0)],
            ),
            (
                "30m",
                "count by (namespace) (slo:sli_error:ratio_rate5m{slo=\"availability\"})",
                &[
                    ("{namespace=\"commerce\"}", 1.0),
                    ("{namespace=\"commerce-eu\"}", 1.0),
                ],
            ),
        ],
    );
}

#[test]
fn objects_follow_kube_prometheus_conventions_and_batch_targets_are_left_out() {
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml"))
        .unwrap()
        .replace(
            "    - kind: Deployment\n      name: checkout-worker\n      namespace: commerce",
            "    - kind: CronJob\n      name: checkout-nightly\n      namespace: commerce",
        )
        .replace(
            "    logLevel: info\n",
            "    logLevel: info\n    runbook: https://runbooks.example.com/checkout\n    labels:\n      release: kube-prometheus-stack\n",
        );
    let repo = Repo::new();
    repo.write(".contextcore.yaml", &manifest);
    assert!(repo.run(&["export"]).status.success());
    let out = repo.run(&["generate", "-c", "out/checkout-service-projectcontext.yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("CronJob checkout-nightly is left out of the ServiceMonitor"),
        "{}",
        stderr(&out)
    );
    let read = |f: &str| -> serde_json::Value {
        serde_saphyr::from_str(&repo.read(&format!("generated/checkout-service-{f}"))).unwrap()
    };
    let (monitor, rule) = (read("service-monitor.yaml"), read("prometheus-rules.yaml"));
    for object in [&monitor, &rule] {
        assert_eq!(
            object["metadata"]["labels"]["release"],
            "kube-prometheus-stack"
        );
        assert_eq!(object["metadata"]["namespace"], "commerce");
    }
    assert_eq!(monitor["spec"]["jobLabel"], "app.kubernetes.io/name");
    assert_eq!(
        monitor["spec"]["selector"]["matchExpressions"][0]["values"],
        serde_json::json!(["checkout-api"])
    );
    let text = rule.to_string();
    assert!(!text.contains("checkout-nightly"), "{text}");
    let rules = rule["spec"]["groups"][0]["rules"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .filter(|a| a.get("alert").is_some())
            .filter(|a| a["alert"].as_str().unwrap().ends_with("ErrorBudgetBurn"))
            .all(|a| a["annotations"]["runbook_url"] == "https://runbooks.example.com/checkout")
    );
    // The dashboard also as a ConfigMap for the Grafana sidecar.
    let configmap = read("dashboard-configmap.yaml");
    assert_eq!(configmap["metadata"]["labels"]["grafana_dashboard"], "1");
    assert_eq!(
        configmap["metadata"]["labels"]["release"],
        "kube-prometheus-stack"
    );
    let embedded: serde_json::Value = serde_json::from_str(
        configmap["data"]["checkout-service-dashboard.json"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        embedded,
        common::json(&repo, "generated/checkout-service-dashboard.json")
    );
    // No empty label: a manifest without channels gets no `channel`.
    assert!(!text.contains("\"channel\":\"\""));
}

/// The unit tests `generate` writes beside the rules pass `promtool test rules`, for the
/// checkout fixture and for every fifth manifest of the differential corpus (one target or
/// many, CronJobs left out, with and without latency targets, availabilities from 99 to
/// 99.99 %), the plain rule file passes `promtool check rules --lint-fatal`, and the
/// ServiceMonitor and PrometheusRule fit the prometheus-operator CRD schemas.
#[test]
fn the_generated_promtool_tests_pass_on_every_rule_set() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/cases");
    let mut cases: Vec<std::path::PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path().join(".contextcore.yaml"))
        .collect();
    cases.sort();
    let mut manifests: Vec<String> = cases
        .iter()
        .step_by(5)
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    manifests.push(std::fs::read_to_string(common::fixture("checkout.contextcore.yaml")).unwrap());
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = manifests
            .iter()
            .map(|m| s.spawn(move || check_generated_tests(m)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Whether an object fits the prometheus-operator CRD's schema (`tests/fixtures/crds`, the
/// v1 openAPIV3Schema of prometheus-operator v0.93.0): None when it does, else the errors.
fn crd_check(path: &std::path::Path, crd: &str) -> Option<String> {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixture(&format!("crds/{crd}.schema.json"))).unwrap(),
    )
    .unwrap();
    let object: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&object)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    (!errors.is_empty()).then(|| format!("the {crd} CRD schema refuses it: {}", errors.join("; ")))
}

/// Exports and generates one manifest, checks its ServiceMonitor and PrometheusRule against
/// the prometheus-operator CRD schemas, then runs promtool on what generate wrote: None when
/// all passes, else what failed.
fn check_generated_tests(manifest: &str) -> Option<String> {
    let repo = generated(Some(manifest));
    let dir = repo.join("generated");
    let find = |suffix: &str| {
        std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.ends_with(suffix))
    };
    for (suffix, crd) in [
        ("-service-monitor.yaml", "servicemonitors"),
        ("-prometheus-rules.yaml", "prometheusrules"),
    ] {
        let file = find(suffix)?;
        if let Some(problem) = crd_check(&dir.join(&file), crd) {
            return Some(format!("{file}: {problem}"));
        }
    }
    let (Some(plain), Some(tests)) = (find("-slo-rules.yaml"), find("-slo-rules.test.yaml")) else {
        return Some(format!("no rule file or test file in {}", dir.display()));
    };
    for args in [
        vec!["check", "rules", "--lint-fatal", plain.as_str()],
        vec!["test", "rules", tests.as_str()],
    ] {
        let out = std::process::Command::new("promtool")
            .args(&args)
            .current_dir(&dir)
            .output()
            .expect("promtool is needed: `sudo apt-get install prometheus`");
        if !out.status.success() {
            return Some(format!(
                "promtool {}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stdout),
                stderr(&out)
            ));
        }
    }
    None
}

/// A counter's samples, one a minute from 0: each segment adds `per_minute` for `minutes`.
fn counter(segments: &[(f64, u32)]) -> String {
    let mut out = vec!["0".to_string()];
    let mut total = 0.0;
    for &(inc, n) in segments {
        if n == 0 {
            continue;
        }
        out.push(format!("{}+{}x{}", total + inc, inc, n - 1));
        total += inc * f64::from(n);
    }
    out.join(" ")
}

/// One target's requests (ok and 5xx series) over segments of (requests a minute, error
/// share, minutes).
fn traffic(job: &str, ns: &str, grpc: bool, segments: &[(f64, f64, u32)]) -> Vec<(String, String)> {
    // The SLI metrics generate reads: the gRPC server metrics for a gRPC service.
    let (metric, label, ok_value, error_value) = if grpc {
        (
            "grpc_server_handled_total",
            "grpc_code",
            "OK",
            "Unavailable",
        )
    } else {
        ("http_requests_total", "code", "200", "500")
    };
    let ok: Vec<(f64, u32)> = segments
        .iter()
        .map(|&(r, e, n)| (r * (1.0 - e), n))
        .collect();
    let err: Vec<(f64, u32)> = segments.iter().map(|&(r, e, n)| (r * e, n)).collect();
    vec![
        (
            format!("{metric}{{job=\"{job}\", namespace=\"{ns}\", {label}=\"{ok_value}\"}}"),
            counter(&ok),
        ),
        (
            format!("{metric}{{job=\"{job}\", namespace=\"{ns}\", {label}=\"{error_value}\"}}"),
            counter(&err),
        ),
    ]
}

/// A query at a minute and the samples it must return (`{labels}`, value); none for "no series".
type Probe = (u32, String, Vec<(String, f64)>);

/// One `promtool test rules` group: its input series and (eval minute, expr, expected samples).
struct Group {
    name: String,
    series: Vec<(String, String)>,
    checks: Vec<Probe>,
}

/// Runs groups through `promtool test rules` with rules evaluated every `every` minutes;
/// None when they pass, else promtool's output.
fn promtool_groups(repo: &Repo, file: &str, every: u32, groups: &[Group]) -> Option<String> {
    let mut tests = Vec::new();
    for g in groups {
        let input: Vec<serde_json::Value> = g
            .series
            .iter()
            .map(|(s, v)| serde_json::json!({"series": s, "values": v}))
            .collect();
        let checks: Vec<serde_json::Value> = g
            .checks
            .iter()
            .map(|(at, expr, samples)| {
                let samples: Vec<serde_json::Value> = samples
                    .iter()
                    .map(|(l, v)| serde_json::json!({"labels": l, "value": v}))
                    .collect();
                serde_json::json!({"expr": expr, "eval_time": format!("{at}m"), "exp_samples": samples})
            })
            .collect();
        tests.push(serde_json::json!({"name": g.name, "interval": "1m", "input_series": input, "promql_expr_test": checks}));
    }
    let doc = serde_json::json!({"rule_files": ["rules.yaml"], "evaluation_interval": format!("{every}m"), "tests": tests});
    repo.write(file, &serde_json::to_string_pretty(&doc).unwrap());
    let out = promtool(repo, &["test", "rules", file]);
    if !out.status.success() {
        // Kept for a look: target/promtool-failures/<n>/ holds the rules and the test file.
        let keep = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/promtool-failures")
            .join(repo.path().file_name().unwrap());
        let _ = std::fs::create_dir_all(&keep);
        for f in ["rules.yaml", file] {
            let _ = std::fs::copy(repo.join(f), keep.join(f));
        }
    }
    (!out.status.success()).then(|| {
        format!(
            "{file}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    })
}

/// The SRE's acceptance scenarios for one manifest, on its first monitored target (100 rps,
/// every other target healthy throughout): the detection times of the issue (#28).
fn acceptance(manifest: &str) -> Option<String> {
    let repo = generated(Some(manifest));
    let context: serde_json::Value = {
        let name = std::fs::read_dir(repo.join("out"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-projectcontext.yaml"))
            .unwrap();
        serde_saphyr::from_str(&std::fs::read_to_string(name).unwrap()).unwrap()
    };
    let project = context["metadata"]["name"].as_str().unwrap().to_string();
    let availability: f64 = context["spec"]["requirements"]["availability"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let budget = 1.0 - availability / 100.0;
    let targets: Vec<(String, String, bool)> = context["spec"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            matches!(
                t["kind"].as_str(),
                Some("Deployment" | "StatefulSet" | "DaemonSet" | "Service" | "Ingress")
            )
        })
        .map(|t| {
            let name = t["name"].as_str().unwrap().to_string();
            let grpc = context["spec"]["service_communication_graph"]["services"][&name]["protocol"]
                == "grpc";
            (
                name,
                t["namespace"].as_str().unwrap_or("default").to_string(),
                grpc,
            )
        })
        .collect();
    let (job, ns, grpc) = targets.first()?.clone();
    let camel: String = job
        .split('-')
        .map(|p| p[..1].to_uppercase() + &p[1..])
        .collect();
    let burn = format!("{camel}AvailabilityErrorBudgetBurn");
    let alert = |severity: &str| {
        format!(
            "ALERTS{{alertname=\"{burn}\", namespace=\"{ns}\", severity=\"{severity}\", alertstate=\"firing\"}}"
        )
    };
    let fires = |at: u32, severity: &str| {
        (
            at,
            format!("max({})", alert(severity)),
            vec![("{}".to_string(), 1.0)],
        )
    };
    let quiet = |at: u32, severity: &str| (at, alert(severity), vec![]);
    let nothing = |at: u32| {
        (
            at,
            format!("ALERTS{{project=\"{project}\", alertstate=~\"firing|pending\"}}"),
            vec![],
        )
    };
    const R: f64 = 6000.0;
    // Every other target healthy for `minutes`; the target under test as `segments` say.
    let group = |name: &str, segments: &[(f64, f64, u32)], checks| {
        let minutes: u32 = segments.iter().map(|s| s.2).sum();
        let mut series = traffic(&job, &ns, grpc, segments);
        for (other, other_ns, other_grpc) in &targets[1..] {
            series.extend(traffic(other, other_ns, *other_grpc, &[(R, 0.0, minutes)]));
        }
        Group {
            name: name.into(),
            series,
            checks,
        }
    };
    let short = vec![
        group(
            "full outage pages within 7 minutes",
            &[(R, 0.0, 60), (R, 1.0, 10)],
            vec![fires(67, "critical")],
        ),
        group(
            "16x burn pages within 65 minutes",
            &[(R, 0.0, 60), (R, 16.0 * budget, 70)],
            vec![quiet(90, "critical"), fires(125, "critical")],
        ),
        group(
            "3 errors at 1 rps never page",
            &[(60.0, 0.0, 60), (60.0, 0.5 / 60.0, 6), (60.0, 0.0, 120)],
            vec![
                quiet(70, "critical"),
                quiet(90, "critical"),
                quiet(150, "critical"),
            ],
        ),
        Group {
            name: "a vanished SLI alerts within 15 minutes".into(),
            series: {
                let mut s = traffic(&job, &ns, grpc, &[(R, 0.0, 30)]);
                for (other, other_ns, other_grpc) in &targets[1..] {
                    s.extend(traffic(other, other_ns, *other_grpc, &[(R, 0.0, 60)]));
                }
                s
            },
            checks: vec![(
                45,
                format!(
                    "max(ALERTS{{alertname=\"{camel}SLIAbsent\", namespace=\"{ns}\", alertstate=\"firing\"}})"
                ),
                vec![("{}".into(), 1.0)],
            )],
        },
        group(
            "an outage of one target alerts only for it, naming its namespace",
            &[(R, 0.0, 60), (R, 1.0, 10)],
            vec![(
                67,
                format!(
                    "count by (target, namespace) (ALERTS{{project=\"{project}\", alertstate=\"firing\"}})"
                ),
                vec![(format!("{{namespace=\"{ns}\", target=\"{job}\"}}"), 1.0)],
            )],
        ),
    ];
    let long = vec![
        group(
            "8x burn pages within 6 hours",
            &[(R, 0.0, 360), (R, 8.0 * budget, 365)],
            vec![fires(720, "critical")],
        ),
        group(
            "2x burn tickets within 2 days and never pages",
            &[(R, 0.0, 1440), (R, 2.0 * budget, 2880)],
            (1..=8)
                .map(|i| quiet(1440 + i * 360, "critical"))
                .chain([fires(1440 + 2880, "warning")])
                .collect(),
        ),
        group(
            "1.2x burn never pages",
            &[(R, 0.0, 360), (R, 1.2 * budget, 1440)],
            (1..=4).map(|i| quiet(360 + i * 360, "critical")).collect(),
        ),
        group(
            "0.5x burn raises nothing",
            &[(R, 0.0, 360), (R, 0.5 * budget, 1440)],
            (1..=4).map(|i| nothing(360 + i * 360)).collect(),
        ),
    ];
    promtool_groups(&repo, "short.test.yaml", 1, &short)
        .or_else(|| promtool_groups(&repo, "long.test.yaml", 10, &long))
        .map(|e| format!("{project} ({availability} %): {e}"))
}

/// The acceptance corpus: the checkout fixture (99.95 %) and the differential manifests with
/// availability of at least 99.9 % (one target or many, every criticality, with and without
/// latency targets). Below that, a full outage needs longer than 7 minutes to spend 14.4 hours'
/// worth of budget in the 1-hour window, for any multi-window alerting.
#[test]
fn the_workbook_detection_times_hold_on_a_corpus() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/cases");
    let mut manifests =
        vec![std::fs::read_to_string(common::fixture("checkout.contextcore.yaml")).unwrap()];
    let mut cases: Vec<std::path::PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .map(|e| e.path().join(".contextcore.yaml"))
        .collect();
    cases.sort();
    for case in cases {
        let text = std::fs::read_to_string(&case).unwrap();
        let availability = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("availability: "))
            .and_then(|v| v.trim_matches('"').parse::<f64>().ok());
        if availability.is_some_and(|a| (99.9..100.0).contains(&a) && a <= 99.99) {
            manifests.push(text);
        }
    }
    assert!(manifests.len() >= 10, "{} manifests", manifests.len());
    // Two at a time, to bound the load on a two-core CI machine.
    let failures: Vec<String> = manifests
        .chunks(2)
        .flat_map(|pair| {
            std::thread::scope(|s| {
                let handles: Vec<_> = pair
                    .iter()
                    .map(|m| s.spawn(move || acceptance(m)))
                    .collect();
                handles
                    .into_iter()
                    .filter_map(|h| h.join().unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_grpc_service_gets_the_grpc_server_metrics() {
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml"))
        .unwrap()
        .replace(
            "  observability:\n",
            "  service_communication_graph:\n    services:\n      checkout-api:\n        protocol: grpc\n  observability:\n",
        );
    let repo = generated(Some(&manifest));
    let rules = repo.read("rules.yaml");
    assert!(
        rules.contains("grpc_server_handled_total{job=\\\"checkout-api\\\""),
        "{rules}"
    );
    assert!(
        rules.contains("grpc_code=~\\\"Unknown|DeadlineExceeded|Internal|Unavailable|DataLoss\\\"")
    );
    assert!(rules.contains("grpc_server_handling_seconds_bucket"));
    // The worker stays on the HTTP conventions.
    assert!(rules.contains("http_requests_total{job=\\\"checkout-worker\\\""));
    assert_eq!(check_generated_tests(&manifest), None);
}

#[test]
fn the_slo_window_is_the_manifests() {
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml"))
        .unwrap()
        .replace(
            "    errorBudget: \"0.05\"\n",
            "    errorBudget: \"0.05\"\n    sloWindow: 28d\n",
        );
    let repo = generated(Some(&manifest));
    let rules = repo.read("rules.yaml");
    assert!(
        rules.contains("slo:sli_error:ratio_rate28d") && !rules.contains("30d"),
        "{rules}"
    );
    assert!(rules.contains("over 28d; at this rate its error budget lasts 47 hours"));
    // A window the alerts cannot live in is refused where it is written.
    let repo = Repo::new();
    repo.write(
        ".contextcore.yaml",
        &manifest.replace("sloWindow: 28d", "sloWindow: 2d"),
    );
    let out = repo.run(&["manifest", "validate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            ".contextcore.yaml:32:16: error: spec.requirements.sloWindow: '2d' is not an SLO window"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_sli_metrics_are_the_manifests_when_it_names_them() {
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml"))
        .unwrap()
        .replace(
            "    logLevel: info\n",
            "    logLevel: info\n    sli:\n      requestsMetric: api_requests_total\n      outcomeLabel: status\n      errorOutcomes: \"5..|429\"\n      latencyMetric: api_request_seconds\n",
        );
    let repo = generated(Some(&manifest));
    let rules = repo.read("rules.yaml");
    assert!(rules.contains("api_requests_total{job=\\\"checkout-api\\\", namespace=\\\"commerce\\\", status=~\\\"5..|429\\\"}"), "{rules}");
    assert!(rules.contains("api_request_seconds_bucket") && !rules.contains("http_requests_total"));
    // The generated tests send the named metrics (an error as `500`) and pass.
    assert_eq!(check_generated_tests(&manifest), None);
    // A name Prometheus would refuse is refused where it is written.
    let repo = Repo::new();
    repo.write(
        ".contextcore.yaml",
        &manifest.replace("api_requests_total", "api-requests"),
    );
    let out = repo.run(&["manifest", "validate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error: spec.observability.sli.requestsMetric: 'api-requests' is not a Prometheus metric name"),
        "{}",
        stderr(&out)
    );
}
