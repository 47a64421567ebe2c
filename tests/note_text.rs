//! Lineage notes a person reads in `git log` (issue #20): the v2 text form is short, every
//! reader (`provenance show`, `verify`, `report`) reads it and the v1 JSON form, and a v2 note
//! whose lines do not say what its records say is tampered, naming its rule.

mod common;

use common::{Repo, stderr, stdout};
use serde_json::Value as Json;

/// A repository with hooks installed (so `git log` shows the notes ref) and `services`
/// services, each exported into its own directory, committed together.
fn services_repo(services: usize) -> Repo {
    let repo = Repo::new();
    repo.git(&["commit", "-q", "--allow-empty", "-m", "root"]);
    let out = repo.run(&["hook", "install"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml")).unwrap();
    for i in 0..services {
        let path = format!("svc{i}/.contextcore.yaml");
        repo.write(&path, &manifest);
        let out = repo.run(&["export", "-p", &path, "-o", &format!("svc{i}/out")]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-qm", "export every service"]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

/// The lines `git log -1` prints under `Notes (contextcore):`.
fn log_note_lines(repo: &Repo) -> Vec<String> {
    let log = repo.git(&["log", "-1"]);
    let (_, notes) = log
        .split_once("Notes (contextcore):\n")
        .unwrap_or_else(|| panic!("git log shows the note: {log}"));
    notes.lines().map(str::to_string).collect()
}

fn show_json(repo: &Repo, rev: &str) -> Json {
    let out = repo.run(&["provenance", "show", rev, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn note_text(repo: &Repo) -> String {
    repo.git(&["notes", "--ref=refs/notes/contextcore", "show", "HEAD"]) + "\n"
}

#[test]
fn git_log_shows_ten_runs_in_eleven_lines_and_show_has_full_ids() {
    let repo = services_repo(10);
    let lines = log_note_lines(&repo);
    assert!(lines.len() <= 12, "{} lines: {lines:#?}", lines.len());
    assert!(
        lines[0]
            .trim_start()
            .starts_with("contextcore lineage v3 · ")
            && lines[0].ends_with(" · 10 runs"),
        "{lines:#?}"
    );
    // Every run line names what the run read, with its blob id (#26 point 10).
    let input = repo.git(&["rev-parse", "HEAD:svc0/.contextcore.yaml"]);
    assert!(
        lines[1].contains(&format!("← svc0/.contextcore.yaml {}", &input[..7])),
        "{lines:#?}"
    );
    assert!(
        lines[1].trim_start().starts_with("manifest export run "),
        "{lines:#?}"
    );
    assert!(
        lines[1].contains(": svc0/out/run-provenance.json @"),
        "{lines:#?}"
    );
    // Full ids come from the records.
    let shown = show_json(&repo, "HEAD");
    assert_eq!(shown["schema"], "contextcore.io/lineage-note/v3");
    assert_eq!(shown["runs"].as_array().unwrap().len(), 10);
    let blob = repo.git(&["rev-parse", "HEAD:svc3/out/run-provenance.json"]);
    assert_eq!(shown["runs"][3]["record_blob"], blob.as_str());
    let input = repo.git(&["rev-parse", "HEAD:svc3/.contextcore.yaml"]);
    assert_eq!(shown["runs"][3]["inputs"][0]["git_blob"], input.as_str());
    let out = repo.run(&["provenance", "verify", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn a_small_commit_shows_each_runs_files_with_short_ids() {
    let repo = services_repo(1);
    let lines = log_note_lines(&repo);
    assert_eq!(lines.len(), 4, "{lines:#?}");
    let manifest = repo.git(&["rev-parse", "HEAD:svc0/.contextcore.yaml"]);
    assert!(
        lines[2].ends_with(&format!("in  svc0/.contextcore.yaml {}", &manifest[..7])),
        "{lines:#?}"
    );
    let context = repo.git(&[
        "rev-parse",
        "HEAD:svc0/out/checkout-service-projectcontext.yaml",
    ]);
    assert!(lines[3].contains("out svc0/out/: "), "{lines:#?}");
    assert!(
        lines[3].contains(&format!(
            "checkout-service-projectcontext.yaml {}",
            &context[..7]
        )),
        "{lines:#?}"
    );
}

#[test]
fn a_v1_json_note_is_still_read_and_attach_rewrites_it() {
    let repo = services_repo(2);
    let v2 = note_text(&repo);
    let mut v1 = show_json(&repo, "HEAD");
    v1["schema"] = "contextcore.io/lineage-note/v1".into();
    repo.set_note("HEAD", &serde_json::to_string_pretty(&v1).unwrap());

    assert_eq!(
        show_json(&repo, "HEAD"),
        v1,
        "show reads the v1 note as it is"
    );
    let out = repo.run(&["provenance", "show", "HEAD"]);
    assert!(
        stdout(&out).contains("svc1/out/run-provenance.json run "),
        "{}",
        stdout(&out)
    );
    let out = repo.run(&["provenance", "verify", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = repo.run(&["provenance", "report", "--range", "HEAD~1..HEAD"]);
    assert!(
        stdout(&out).contains("`svc1/out/run-provenance.json`"),
        "{}",
        stdout(&out)
    );

    let out = repo.run(&["notes", "attach", "--range", "HEAD~1..HEAD"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("noted 2 run(s) on "),
        "{}",
        stdout(&out)
    );
    assert_eq!(note_text(&repo), v2, "attach writes the v2 form");
    let out = repo.run(&["provenance", "report", "--range", "HEAD~1..HEAD"]);
    assert!(
        stdout(&out).contains("`svc1/out/run-provenance.json`"),
        "{}",
        stdout(&out)
    );
}

/// The v1 JSON form of a note as `show --json` gives it, after `edit`.
fn json_note(shown: &Json, edit: impl Fn(&mut Json)) -> String {
    let mut note = shown.clone();
    note["schema"] = "contextcore.io/lineage-note/v1".into();
    edit(&mut note);
    serde_json::to_string_pretty(&note).unwrap()
}

/// Hostile notes on an exported commit, v2 text and v1 JSON: (case, note text, rule).
#[test]
fn a_v2_note_that_says_what_its_records_do_not_is_tampered() {
    let repo = services_repo(2);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let manifest = repo.git(&["rev-parse", "HEAD:svc0/.contextcore.yaml"]);
    let record = repo.git(&["rev-parse", "HEAD:svc0/out/run-provenance.json"]);
    let truth = note_text(&repo);
    let shown = show_json(&repo, "HEAD");
    let lines: Vec<&str> = truth.lines().collect();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "edited-input-id",
            truth.replacen(&manifest[..7], "0000000", 1),
            "note-text",
        ),
        (
            "edited-command",
            truth.replacen("manifest export run", "generate run", 1),
            "note-text",
        ),
        (
            "unknown-record-blob",
            truth.replacen(&record[..12], "0123456789ab", 1),
            "note-record",
        ),
        (
            "another-commit",
            truth.replacen(&head, &"1".repeat(40), 1),
            "note-commit",
        ),
        (
            "wrong-run-count",
            truth.replacen(" · 2 runs", " · 3 runs", 1),
            "malformed",
        ),
        (
            "a-run-left-out",
            format!(
                "{}\n{}\n",
                lines[0].replace("2 runs", "1 run"),
                lines[1..4].join("\n")
            ),
            "note-missing-run",
        ),
        (
            "escape-in-a-line",
            truth.replacen("  in  ", "  in  \u{1b}[2J", 1),
            "malformed",
        ),
        (
            "record-outside",
            truth.replacen(
                ": svc0/out/run-provenance.json @",
                ": ../svc0/out/run-provenance.json @",
                1,
            ),
            "parent-dir",
        ),
        (
            "run-twice",
            format!(
                "{}\n{}\n{}\n",
                lines[0],
                lines[1..4].join("\n"),
                lines[1..4].join("\n")
            ),
            "duplicate-run-id",
        ),
        (
            "record-not-in-the-commit",
            truth.replacen(
                ": svc0/out/run-provenance.json @",
                ": svc0/out/x-run-provenance.json @",
                1,
            ),
            "note-record",
        ),
        ("not-a-note", "hello\n".into(), "malformed"),
        (
            "json-forged-input",
            json_note(&shown, |n| {
                n["runs"][0]["inputs"][0]["path"] = "approved/by-security.yaml".into()
            }),
            "note-text",
        ),
        (
            "json-forged-command",
            json_note(&shown, |n| {
                n["runs"][1]["workflow_or_command"] = "generate".into()
            }),
            "note-text",
        ),
        ("json-with-the-v2-schema", shown.to_string(), "note-schema"),
    ];
    for (name, text, rule) in cases {
        assert_ne!(text, truth, "{name}: the edit applies");
        repo.set_note("HEAD", &text);
        let out = repo.run(&["provenance", "verify", "HEAD", "--json"]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stdout(&out));
        let report: Json = serde_json::from_slice(&out.stdout).unwrap();
        let problems = report["checked"][0]["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{name}: {problems:?}");
        assert_eq!(problems[0]["verdict"], "tampered", "{name}");
        assert_eq!(problems[0]["rule"], rule, "{name}: {problems:?}");
        let out = repo.run(&["provenance", "show", "HEAD"]);
        assert_eq!(out.status.code(), Some(1), "{name}: show refuses it");
        assert!(!stderr(&out).contains('\u{1b}'), "{name}: {}", stderr(&out));
    }
    repo.set_note("HEAD", &truth);
    let out = repo.run(&["provenance", "verify", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// The v2 text of a v3 note: the header's version, and run lines without `← …`.
fn as_v2(v3: &str) -> String {
    v3.lines()
        .map(|l| {
            if let Some(rest) = l.strip_prefix("contextcore lineage v3") {
                format!("contextcore lineage v2{rest}")
            } else if let (Some(a), Some(b)) = (l.find(" ← "), l.rfind(" (")) {
                format!("{}{}", &l[..a], &l[b..])
            } else {
                l.to_string()
            }
        })
        .map(|l| l + "\n")
        .collect()
}

#[test]
fn v2_notes_stay_valid_and_attach_rewrites_them_as_v3() {
    let repo = services_repo(2);
    let v3 = note_text(&repo);
    let v2 = as_v2(&v3);
    assert!(v2.starts_with("contextcore lineage v2 · "), "{v2}");
    assert!(!v2.contains('←'), "{v2}");
    repo.set_note("HEAD", &v2);
    let out = repo.run(&["provenance", "show", "HEAD", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("contextcore.io/lineage-note/v2"),
        "{}",
        stdout(&out)
    );
    let out = repo.run(&["provenance", "verify", "HEAD"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // A v2 note that says something its records do not is still refused.
    repo.set_note("HEAD", &v2.replacen("2 runs", "3 runs", 1));
    let out = repo.run(&["provenance", "verify", "HEAD"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    repo.set_note("HEAD", &v2);
    let out = repo.run(&["notes", "attach", "--range", "HEAD~1..HEAD"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(note_text(&repo), v3);
}
