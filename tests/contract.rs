//! The export gates (`contract a2a-check-pipeline`, `contract a2a-diagnose`) on an export in
//! the earlier implementation's layout (the verdicts its own gates gave its export of the same
//! inputs), on tampered copies (each caught by the check that should catch it), and on our own
//! exports.

mod common;

use std::path::Path;

use common::{Repo, stderr, stdout};
use serde_json::Value as Json;

/// Gate 1 verdicts of the earlier gate on its own export of the checkout inputs (its
/// `gate1-report.json`), which it also gives ours: (check, result, blocking).
const EARLIER_VERDICTS: [(&str, &str, bool); 10] = [
    ("structural-integrity", "pass", false),
    ("checksum-chain", "pass", false),
    ("provenance-consistency", "pass", false),
    ("mapping-completeness", "fail", true),
    ("gap-parity", "fail", true),
    ("design-calibration", "pass", false),
    ("parameter-resolvability", "pass", false),
    ("artifact-inventory", "pass", false),
    ("service-metadata", "pass", false),
    ("edit-first-coverage", "pass", false),
];

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The checkout inputs the earlier gate reports were made from (partial task mapping, one
/// existing dashboard, service metadata), exported with provenance into `out/`, with the run
/// record in the earlier layout: output paths absolute, as the earlier tool wrote them (the
/// gate must match them by file name inside the directory).
fn earlier_export() -> Repo {
    let repo = common::checkout_contract_export();
    let record_path = repo.join("out/run-provenance.json");
    let mut record = read_json(&record_path);
    for output in record["outputs"].as_array_mut().unwrap() {
        let name = output["path"].as_str().unwrap().rsplit('/').next().unwrap();
        output["path"] = Json::from(format!("/home/someone/checkout/out/{name}"));
    }
    write_json(&record_path, &record);
    repo
}

fn read_json(path: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write_json(path: &Path, value: &Json) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap() + "\n").unwrap();
}

fn sha256(path: &Path) -> String {
    contextcore::fingerprint::Digests::of_bytes(&std::fs::read(path).unwrap()).sha256
}

/// Records the current content of `file` in the directory's run record, as a rerun would.
fn reseal(dir: &Path, file: &str) {
    let record_path = dir.join("run-provenance.json");
    let mut record = read_json(&record_path);
    let digest = sha256(&dir.join(file));
    for output in record["outputs"].as_array_mut().unwrap() {
        if output["path"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{file}"))
        {
            output["sha256"] = Json::from(digest.clone());
        }
    }
    write_json(&record_path, &record);
}

/// The earlier export made healthy the way a complete run would be: no partial task mapping
/// and no pre-existing artifact planned again; the run record holds the new metadata.
fn healthy_earlier_export() -> Repo {
    let repo = earlier_export();
    let path = repo.join("out/onboarding-metadata.json");
    let mut meta = read_json(&path);
    let meta_obj = meta.as_object_mut().unwrap();
    meta_obj.remove("artifact_task_mapping");
    meta_obj["file_ownership"]
        .as_object_mut()
        .unwrap()
        .retain(|_, info| info["artifact_ids"][0] != "checkout_api-dashboard");
    write_json(&path, &meta);
    reseal(&repo.join("out"), "onboarding-metadata.json");
    repo
}

/// Runs Gate 1 on `dir` with `--fail-on-unhealthy --json`; returns the exit code and report.
fn gate(repo: &Repo, dir: &str, extra: &[&str]) -> (i32, Json) {
    let mut args = vec![
        "contract",
        "a2a-check-pipeline",
        dir,
        "--fail-on-unhealthy",
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = repo.run(&args);
    let code = out.status.code().unwrap();
    assert_ne!(code, 2, "bad input: {}", stderr(&out));
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)));
    (code, report)
}

/// The gate of one check, by check id.
fn gate_of<'a>(report: &'a Json, check: &str) -> &'a Json {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            g["gate_id"]
                .as_str()
                .unwrap()
                .ends_with(&format!("-{check}"))
        })
        .unwrap_or_else(|| panic!("no {check} gate in {report:#}"))
}

fn failed_checks(report: &Json) -> Vec<String> {
    let project = report["project_id"].as_str().unwrap();
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["result"] == "fail")
        .map(|g| g["gate_id"].as_str().unwrap()[project.len() + 1..].to_string())
        .collect()
}

#[test]
fn intact_earlier_export_gets_the_earlier_gate_verdicts_and_exit_code() {
    let repo = earlier_export();
    let (code, report) = gate(&repo, "out", &[]);
    assert_eq!(
        code, 1,
        "blocking failures exit 1 under --fail-on-unhealthy"
    );
    let gates = report["gates"].as_array().unwrap();
    assert_eq!(gates.len(), EARLIER_VERDICTS.len());
    for (gate, (check, result, blocking)) in gates.iter().zip(EARLIER_VERDICTS) {
        assert_eq!(gate["gate_id"], format!("checkout-service-{check}"));
        assert_eq!(gate["result"], result, "{check}: {gate:#}");
        assert_eq!(gate["blocking"], blocking, "{check}");
    }
    assert_eq!(report["total_gates"], 10);
    assert_eq!(report["passed"], 8);
    assert_eq!(report["failed"], 2);
    assert_eq!(report["blocking_failures"], 2);
    assert_eq!(report["is_healthy"], false);
    assert_eq!(report["skipped"], serde_json::json!([]));

    let plain = repo.run(&["contract", "a2a-check-pipeline", "out"]);
    assert_eq!(plain.status.code(), Some(0), "without --fail-on-unhealthy");
    let text = stdout(&plain);
    assert!(text.contains("Pipeline Integrity: UNHEALTHY"), "{text}");
    assert!(
        text.contains("FAIL [BLOCKING]  checkout-service-gap-parity"),
        "{text}"
    );
    assert!(text.contains("Gates:     8/10 passed"), "{text}");
}

#[test]
fn report_file_has_every_key_of_the_earlier_report() {
    let repo = earlier_export();
    let out = repo.run(&[
        "contract",
        "a2a-check-pipeline",
        "out",
        "--report",
        "reports/gate1.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("Report written to reports/gate1.json"));
    let report: Json = serde_json::from_str(&repo.read("reports/gate1.json")).unwrap();
    for key in [
        "output_dir",
        "project_id",
        "checked_at",
        "total_gates",
        "passed",
        "failed",
        "blocking_failures",
        "is_healthy",
        "warnings",
        "skipped",
        "gates",
    ] {
        assert!(report.get(key).is_some(), "report lacks {key}");
    }
    assert_eq!(report["output_dir"], "out");
    assert_eq!(report["project_id"], "checkout-service");
    for gate in report["gates"].as_array().unwrap() {
        for key in [
            "gate_id",
            "phase",
            "result",
            "severity",
            "reason",
            "next_action",
            "blocking",
            "evidence",
        ] {
            assert!(gate.get(key).is_some(), "gate lacks {key}: {gate:#}");
        }
    }
    assert_eq!(
        gate_of(&report, "gap-parity")["phase"],
        "INGEST_PARSE_ASSESS"
    );
    assert_eq!(
        gate_of(&report, "checksum-chain")["phase"],
        "CONTRACT_INTEGRITY"
    );
}

#[test]
fn healthy_earlier_export_passes_every_gate() {
    let repo = healthy_earlier_export();
    let (code, report) = gate(&repo, "out", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(failed_checks(&report).is_empty(), "{report:#}");
    assert_eq!(report["is_healthy"], true);
    assert!(
        report["skipped"][0]
            .as_str()
            .unwrap()
            .starts_with("mapping-completeness:")
    );
}

/// Tampers with a healthy copy and expects `--fail-on-unhealthy` to exit 1 with exactly
/// `checks` failing, the first one's reason naming `named`.
fn assert_caught(tamper: impl FnOnce(&Path), checks: &[&str], named: &str) {
    let repo = healthy_earlier_export();
    tamper(&repo.join("out"));
    let (code, report) = gate(&repo, "out", &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(failed_checks(&report), checks, "{report:#}");
    let reason = gate_of(&report, checks[0])["reason"].as_str().unwrap();
    assert!(reason.contains(named), "{reason}");
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Json)) {
    let mut value = read_json(path);
    edit(&mut value);
    write_json(path, &value);
}

fn append(path: &Path, text: &str) {
    let mut content = std::fs::read_to_string(path).unwrap();
    content.push_str(text);
    std::fs::write(path, content).unwrap();
}

#[test]
fn removed_required_field_fails_structural_integrity() {
    assert_caught(
        |dir| {
            edit_json(&dir.join("onboarding-metadata.json"), |m| {
                m.as_object_mut().unwrap().remove("generated_at");
            })
        },
        &["structural-integrity", "checksum-chain"],
        "generated_at",
    );
}

#[test]
fn deleted_report_fails_the_checksum_chain() {
    // The earlier gate passes this one on its own export: its chain never looked at
    // validation-report.json (and its provenance.json did not list it; ours does).
    assert_caught(
        |dir| std::fs::remove_file(dir.join("validation-report.json")).unwrap(),
        &["checksum-chain", "provenance-consistency"],
        "missing outputs: validation-report.json",
    );
}

#[test]
fn deleted_project_context_fails_the_chain_and_provenance() {
    assert_caught(
        |dir| std::fs::remove_file(dir.join("checkout-service-projectcontext.yaml")).unwrap(),
        &["checksum-chain", "provenance-consistency"],
        "checkout-service-projectcontext.yaml",
    );
}

#[test]
fn hand_edited_project_context_fails_the_checksum_chain() {
    assert_caught(
        |dir| {
            append(
                &dir.join("checkout-service-projectcontext.yaml"),
                "# tuned by hand\n",
            )
        },
        &["checksum-chain"],
        "project_context_checksum",
    );
}

#[test]
fn hand_edited_artifact_manifest_fails_the_checksum_chain() {
    assert_caught(
        |dir| {
            let path = dir.join("checkout-service-artifact-manifest.yaml");
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replacen("status: needed", "status: exists", 1)).unwrap();
        },
        &["checksum-chain"],
        "artifact_manifest_checksum",
    );
}

#[test]
fn hand_edited_validation_report_fails_the_checksum_chain() {
    // The earlier gate passes this one.
    assert_caught(
        |dir| {
            edit_json(&dir.join("validation-report.json"), |r| {
                r["edited"] = Json::from(true)
            })
        },
        &["checksum-chain"],
        "modified after the run: validation-report.json",
    );
}

#[test]
fn hand_edited_quality_report_fails_the_checksum_chain() {
    assert_caught(
        |dir| append(&dir.join("export-quality-report.json"), " "),
        &["checksum-chain"],
        "export-quality-report.json",
    );
}

#[test]
fn raised_coverage_figure_fails_the_checksum_chain() {
    // The earlier gate passes this one: nothing held onboarding-metadata.json to a checksum.
    assert_caught(
        |dir| {
            edit_json(&dir.join("onboarding-metadata.json"), |m| {
                m["coverage"]["overallCoverage"] = Json::from(100.0);
            })
        },
        &["checksum-chain"],
        "onboarding-metadata.json",
    );
}

#[test]
fn copied_directory_is_checked_by_file_name() {
    let repo = healthy_earlier_export();
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("handed-over");
    copy_dir(&repo.join("out"), &copy);
    let shown = copy.display().to_string();
    let (code, report) = gate(&repo, &shown, &[]);
    assert_eq!(code, 0, "an intact copy stays healthy: {report:#}");

    append(&copy.join("export-quality-report.json"), "\n");
    let (code, report) = gate(&repo, &shown, &[]);
    assert_eq!(code, 1);
    assert_eq!(failed_checks(&report), ["checksum-chain"]);
}

#[test]
fn absolute_record_paths_are_never_followed() {
    // The earlier layout's absolute paths name files by where they were written; the gate
    // matches them by file name in the directory it checks, so an edit is still caught.
    let repo = earlier_export();
    append(&repo.join("out/onboarding-metadata.json"), " ");
    let (_, report) = gate(&repo, "out", &[]);
    let reason = gate_of(&report, "checksum-chain")["reason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("onboarding-metadata.json"), "{reason}");
}

#[test]
fn min_coverage_is_a_fraction_or_a_percentage() {
    let repo = healthy_earlier_export(); // coverage 12.5%
    for (min, result) in [
        ("0.5", "fail"),
        ("50", "fail"),
        ("0.1", "pass"),
        ("12.5", "pass"),
    ] {
        let (code, report) = gate(&repo, "out", &["--min-coverage", min]);
        assert_eq!(
            gate_of(&report, "min-coverage")["result"],
            result,
            "--min-coverage {min}"
        );
        assert_eq!(code, i32::from(result == "fail"), "--min-coverage {min}");
    }
    let out = repo.run(&[
        "contract",
        "a2a-check-pipeline",
        "out",
        "--min-coverage",
        "-1",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn task_id_prefixes_the_gate_ids() {
    let repo = earlier_export();
    let (_, report) = gate(&repo, "out", &["--task-id", "PI-7"]);
    assert_eq!(report["gates"][0]["gate_id"], "PI-7-structural-integrity");
}

#[test]
fn missing_directory_or_metadata_is_bad_input() {
    let repo = Repo::new();
    let out = repo.run(&["contract", "a2a-check-pipeline", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nowhere"), "{}", stderr(&out));

    repo.write("empty/readme.txt", "not an export\n");
    let out = repo.run(&["contract", "a2a-check-pipeline", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("onboarding-metadata.json: not found"),
        "{}",
        stderr(&out)
    );
    assert!(!repo.join("empty/report.json").exists());
}

#[test]
fn unparsable_metadata_is_named_with_line_and_column() {
    let repo = earlier_export();
    repo.write("out/onboarding-metadata.json", "{\n  \"version\": ,\n}\n");
    let out = repo.run(&[
        "contract",
        "a2a-check-pipeline",
        "out",
        "--report",
        "r.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("out/onboarding-metadata.json:2:"),
        "{}",
        stderr(&out)
    );
    assert!(
        !repo.join("r.json").exists(),
        "nothing is written on bad input"
    );
}

#[test]
fn text_from_the_directory_reaches_the_terminal_escaped() {
    let repo = earlier_export();
    edit_json(&repo.join("out/onboarding-metadata.json"), |m| {
        m["project_id"] = Json::from("evil\u{1b}[2Jservice");
    });
    let out = repo.run(&["contract", "a2a-check-pipeline", "out"]);
    let text = stdout(&out);
    assert!(!text.contains('\u{1b}'), "raw escape reached the terminal");
    assert!(text.contains("evil\\033[2Jservice"), "{text}");
}

#[test]
fn json_output_is_the_report() {
    let repo = earlier_export();
    let out = repo.run(&[
        "contract",
        "a2a-check-pipeline",
        "out",
        "--format",
        "json",
        "-r",
        "r.json",
    ]);
    let printed: Json = serde_json::from_str(&stdout(&out)).unwrap();
    let written: Json = serde_json::from_str(&repo.read("r.json")).unwrap();
    assert_eq!(printed, written);
    assert!(stderr(&out).contains("Report written to r.json"));
}

fn diagnose(repo: &Repo, extra: &[&str]) -> (i32, Json) {
    let mut args = vec![
        "contract",
        "a2a-diagnose",
        "out",
        "--fail-on-issue",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = repo.run(&args);
    let report = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", stdout(&out), stderr(&out)));
    (out.status.code().unwrap(), report)
}

#[test]
fn diagnose_stops_at_question_one_on_the_earlier_export() {
    let repo = earlier_export();
    let (code, report) = diagnose(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["all_passed"], false);
    let q1 = &report["questions"][0];
    assert_eq!(q1["status"], "fail");
    assert_eq!(q1["checks_total"], 13);
    assert_eq!(q1["checks_passed"], 11);
    let names: Vec<&str> = q1["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[0], "structural-integrity");
    assert_eq!(
        names[10..],
        [
            "artifact-manifest-populated",
            "derivation-rules-populated",
            "parameter-schema-complete"
        ]
    );
    assert_eq!(report["questions"][1]["status"], "not_reached");
    assert_eq!(report["questions"][2]["status"], "not_reached");
    assert!(
        report["start_here"]
            .as_str()
            .unwrap()
            .starts_with("Q1 (Export layer)")
    );
}

#[test]
fn diagnose_skips_later_questions_without_their_directories() {
    let repo = healthy_earlier_export();
    let (code, report) = diagnose(&repo, &[]);
    assert_eq!(report["questions"][0]["status"], "pass", "{report:#}");
    assert_eq!(report["questions"][1]["status"], "skipped");
    assert_eq!(report["questions"][2]["status"], "skipped");
    // As the earlier diagnostic: a skipped question is not a pass, so --fail-on-issue exits 1.
    assert_eq!(report["all_passed"], false);
    assert_eq!(code, 1);

    let (_, report) = diagnose(&repo, &["--ingestion-dir", "no-such-dir"]);
    assert_eq!(report["questions"][1]["status"], "fail");
    assert_eq!(report["questions"][2]["status"], "not_reached");

    let text = stdout(&repo.run(&["contract", "a2a-diagnose", "out"]));
    assert!(
        text.contains("Q1. Is the contract complete?  [PASS]"),
        "{text}"
    );
    assert!(text.contains("[SKIP]"), "{text}");
}

fn validate(schema_file: &str, instance: &Json) {
    let schema = read_json(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/schemas")
            .join(schema_file),
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {}", errors.join("\n"));
}

#[test]
fn reports_validate_against_their_schemas() {
    let repo = earlier_export();
    assert!(
        repo.run(&[
            "contract",
            "a2a-check-pipeline",
            "out",
            "-r",
            "g1.json",
            "--min-coverage",
            "0.9"
        ])
        .status
        .success()
    );
    validate(
        "pipeline-check-report.schema.json",
        &read_json(&repo.join("g1.json")),
    );
    assert!(
        repo.run(&["contract", "a2a-diagnose", "out", "-r", "g2.json"])
            .status
            .success()
    );
    validate(
        "diagnostic-report.schema.json",
        &read_json(&repo.join("g2.json")),
    );
}

/// Our own export of a manifest without task mapping, with provenance, in `out/`.
fn our_export() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    let out = repo.run(&["export", "--emit-provenance"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

#[test]
fn our_export_outputs_are_held_to_their_run_record() {
    // Our run record lists repository-relative paths (out/x.json); they match by file name.
    let repo = our_export();
    let (_, report) = gate(&repo, "out", &[]);
    assert_eq!(
        gate_of(&report, "checksum-chain")["result"],
        "pass",
        "{report:#}"
    );
    append(&repo.join("out/validation-report.json"), " ");
    let (code, report) = gate(&repo, "out", &[]);
    assert_eq!(code, 1);
    let chain = gate_of(&report, "checksum-chain");
    assert_eq!(chain["result"], "fail");
    assert!(
        chain["reason"]
            .as_str()
            .unwrap()
            .contains("validation-report.json")
    );
}

#[test]
fn our_intact_export_is_healthy() {
    let repo = our_export();
    let (code, report) = gate(&repo, "out", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert!(failed_checks(&report).is_empty(), "{report:#}");
}

#[test]
fn our_export_tampered_is_caught() {
    for (file, check) in [
        ("onboarding-metadata.json", "checksum-chain"),
        ("validation-report.json", "checksum-chain"),
        ("checkout-service-projectcontext.yaml", "checksum-chain"),
        ("checkout-service-artifact-manifest.yaml", "checksum-chain"),
    ] {
        let repo = our_export();
        append(&repo.join("out").join(file), "\n");
        let (code, report) = gate(&repo, "out", &[]);
        assert_eq!(code, 1, "{file}");
        assert_eq!(failed_checks(&report), [check], "{file}: {report:#}");
    }
    let repo = our_export();
    std::fs::remove_file(repo.join("out/export-quality-report.json")).unwrap();
    let (code, report) = gate(&repo, "out", &[]);
    assert_eq!(code, 1);
    assert!(failed_checks(&report).contains(&"checksum-chain".to_string()));
}

#[test]
fn diagnose_passes_question_one_on_our_export() {
    let repo = our_export();
    let (_, report) = diagnose(&repo, &[]);
    assert_eq!(report["questions"][0]["status"], "pass", "{report:#}");
}

/// Plan-ingestion output that parsed every gap of the healthy earlier export.
fn faithful_ingestion(repo: &Repo) {
    let meta = read_json(&repo.join("out/onboarding-metadata.json"));
    let features: Vec<Json> = meta["coverage"]["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| serde_json::json!({ "id": g }))
        .collect();
    let result =
        serde_json::json!({"features": features, "complexity_score": 60, "route": "artisan"});
    repo.write("ingestion/ingest-result.json", &result.to_string());
}

#[test]
fn diagnose_follows_the_later_layers_when_their_directories_are_given() {
    let repo = healthy_earlier_export();
    faithful_ingestion(&repo);
    repo.write(
        "artisan/workflow-execution-report.json",
        r#"{"tasks_total": 3, "tasks_succeeded": 3, "tasks_failed": 0}"#,
    );
    repo.write(
        "artisan/design-handoff.json",
        r#"{"schema_version": "1", "seed_path": "out/onboarding-metadata.json"}"#,
    );
    let dirs = ["--ingestion-dir", "ingestion", "--artisan-dir", "artisan"];
    let (code, report) = diagnose(&repo, &dirs);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["all_passed"], true);
    let q2_checks: Vec<&str> = report["questions"][1]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(q2_checks.contains(&"parse-coverage"), "{q2_checks:?}");
    assert!(q2_checks.contains(&"transform-routing"), "{q2_checks:?}");

    // A task that failed in the artisan workflow fails question 3, and start_here says so.
    repo.write(
        "artisan/workflow-execution-report.json",
        r#"{"tasks_total": 3, "tasks_succeeded": 2, "tasks_failed": 1}"#,
    );
    let (code, report) = diagnose(&repo, &dirs);
    assert_eq!(code, 1);
    assert_eq!(report["questions"][2]["status"], "fail");
    assert!(
        report["start_here"]
            .as_str()
            .unwrap()
            .starts_with("Q3 (Artisan layer)")
    );

    // A gap that plan ingestion did not parse fails question 2; question 3 is not reached.
    repo.write(
        "ingestion/ingest-result.json",
        r#"{"features": [{"id": "checkout_api-slo"}]}"#,
    );
    let (_, report) = diagnose(&repo, &dirs);
    assert_eq!(report["questions"][1]["status"], "fail");
    assert_eq!(report["questions"][2]["status"], "not_reached");
}

#[test]
fn links_out_of_the_directory_are_never_followed() {
    // Found in review: a committed link to /dev/zero made the gate read forever.
    let repo = healthy_earlier_export();
    let out_dir = repo.join("out");
    std::fs::create_dir_all(out_dir.join("grafana/dashboards")).unwrap();
    std::os::unix::fs::symlink(
        "/dev/zero",
        out_dir.join("grafana/dashboards/checkout-worker-dashboard.json"),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let (_, report) = gate(&repo, "out", &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(report["project_id"], "checkout-service");
}
