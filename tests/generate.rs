//! `generate` through the real binary, offline, with the real `promtool`.

mod common;

use common::{Repo, json, stderr};

fn exported() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    repo
}

const CONTEXT: &str = "out/checkout-service-projectcontext.yaml";
const FILES: &[&str] = &[
    "generated/checkout-service-service-monitor.yaml",
    "generated/checkout-service-prometheus-rules.yaml",
    "generated/checkout-service-dashboard.json",
    "generated/generation-report.json",
    "generated/run-provenance.json",
];

fn promtool_check(repo: &Repo) -> std::process::Output {
    let rule: serde_json::Value = serde_saphyr::from_str(&repo.read(FILES[1])).unwrap();
    repo.write(
        "rules-for-promtool.yaml",
        &serde_json::to_string_pretty(&rule["spec"]).unwrap(),
    );
    std::process::Command::new("promtool")
        .args(["check", "rules", "rules-for-promtool.yaml"])
        .current_dir(repo.path())
        .output()
        .expect("promtool is needed: `sudo apt-get install prometheus` (`bash .ci/test` run as root installs it)")
}

/// Every alert expression of the generated PrometheusRule, one per line.
fn alert_exprs(repo: &Repo) -> String {
    let rule: serde_json::Value = serde_saphyr::from_str(&repo.read(FILES[1])).unwrap();
    let groups = rule["spec"]["groups"].as_array().unwrap();
    let rules = groups.iter().flat_map(|g| g["rules"].as_array().unwrap());
    rules
        .filter(|r| r.get("alert").is_some())
        .map(|r| r["expr"].as_str().unwrap().to_string() + "\n")
        .collect()
}

#[test]
fn generate_writes_all_five_files_that_promtool_accepts() {
    let repo = exported();
    let out = repo.run(&["generate", "-c", CONTEXT]);
    assert!(out.status.success(), "{}", stderr(&out));
    for f in FILES {
        assert!(repo.join(f).is_file(), "{f}");
    }
    let check = promtool_check(&repo);
    assert!(
        check.status.success(),
        "promtool: {}{}",
        String::from_utf8_lossy(&check.stdout),
        stderr(&check)
    );

    let dashboard = json(&repo, FILES[2]);
    let panels = dashboard["panels"].as_array().unwrap();
    assert_eq!(
        panels.len(),
        10,
        "five panels per target (latency: the manifest sets a target)"
    );
    for p in panels {
        let expr = p["targets"][0]["expr"].as_str().unwrap();
        assert!(!expr.is_empty(), "{p}");
    }
    let monitor = repo.read(FILES[0]);
    assert!(monitor.contains("kind: ServiceMonitor") && monitor.contains("interval: 30s"));
    let record = json(&repo, FILES[4]);
    assert_eq!(record["inputs"][0]["role"], "project_context");
    assert_eq!(
        record["inputs"][0]["git_blob"],
        repo.git(&["hash-object", CONTEXT])
    );
}

#[test]
fn legacy_alias_names_carry_the_same_content() {
    let repo = exported();
    assert!(
        repo.run(&["generate", "-c", CONTEXT, "--write-legacy-aliases"])
            .status
            .success()
    );
    assert_eq!(
        repo.read("generated/checkout-service-servicemonitor.yaml"),
        repo.read(FILES[0])
    );
    assert_eq!(
        repo.read("generated/checkout-service-prometheusrule.yaml"),
        repo.read(FILES[1])
    );
}

#[test]
fn rerun_is_byte_identical() {
    let repo = exported();
    assert!(repo.run(&["generate", "-c", CONTEXT]).status.success());
    let before = repo.snapshot();
    let out = repo.run(&["generate", "-c", CONTEXT]);
    assert!(out.status.success());
    assert_eq!(before, repo.snapshot());
}

#[test]
fn availability_change_moves_thresholds_and_context_checksum() {
    let repo = exported();
    assert!(repo.run(&["generate", "-c", CONTEXT]).status.success());
    let first = json(&repo, FILES[4]);
    // The fast page: 14.4 times the 0.05 % budget.
    assert!(alert_exprs(&repo).contains("slo=\"availability\"} > 0.0072 and"));
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&repo.read(".contextcore.yaml"), "99.5"),
    );
    assert!(repo.run(&["export"]).status.success());
    assert!(repo.run(&["generate", "-c", CONTEXT]).status.success());
    let rules = alert_exprs(&repo);
    assert!(
        rules.contains("slo=\"availability\"} > 0.072 and"),
        "{rules}"
    );
    let second = json(&repo, FILES[4]);
    assert_ne!(
        first["quality_summary"]["context_sha256"],
        second["quality_summary"]["context_sha256"]
    );
    assert_eq!(
        second["inputs"][0]["sha256"],
        second["quality_summary"]["context_sha256"]
    );
    assert!(promtool_check(&repo).status.success());
}

#[test]
fn bad_context_files_exit_2_and_write_nothing() {
    let repo = Repo::new();
    let cases = [
        ("missing.yaml", None, "missing.yaml"),
        ("notyaml.yaml", Some("a: [1,\n"), "notyaml.yaml:"),
        (
            "manifest.yaml",
            Some(
                "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\nmetadata:\n  name: x\nspec: {}\n",
            ),
            "manifest.yaml:2:7: error: this is a context manifest, not an exported project context: run `contextcore export -p manifest.yaml`",
        ),
    ];
    for (name, content, expected) in cases {
        if let Some(text) = content {
            repo.write(name, text);
        }
        let out = repo.run(&["generate", "-c", name]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(stderr(&out).contains(expected), "{name}: {}", stderr(&out));
        assert!(!repo.join("generated").exists(), "{name}");
    }
}

#[test]
fn strict_generate_without_targets_fails_and_writes_nothing() {
    let repo = Repo::new();
    repo.write(
        "ctx.yaml",
        "apiVersion: contextcore.io/v1\nkind: ProjectContext\nmetadata:\n  name: bare\nspec: {}\n",
    );
    let out = repo.run(&["generate", "-c", "ctx.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has_targets failed"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("has_requirements failed"));
    assert!(!repo.join("generated").exists());
}

#[test]
fn generating_raises_coverage_when_export_scans_the_generated_files() {
    let repo = exported();
    let coverage = |repo: &Repo| json(repo, "out/validation-report.json")["coverage"].clone();
    let before = coverage(&repo);
    assert!(repo.run(&["generate", "-c", CONTEXT]).status.success());
    let out = repo.run(&["export", "--scan-existing", "generated"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let after = coverage(&repo);
    assert!(
        after["overall_coverage_percent"].as_f64() > before["overall_coverage_percent"].as_f64(),
        "{before} -> {after}"
    );
    // Each target's dashboard, rules and monitor are generate's project files.
    let manifest: serde_json::Value =
        serde_saphyr::from_str(&repo.read("out/checkout-service-artifact-manifest.yaml")).unwrap();
    for a in manifest["artifacts"].as_array().unwrap() {
        let t = a["type"].as_str().unwrap();
        if matches!(t, "dashboard" | "prometheus_rule" | "service_monitor") {
            assert_eq!(a["status"], "exists", "{a}");
        }
    }
}
