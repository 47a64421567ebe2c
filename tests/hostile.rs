//! Records and notes are untrusted input (issue #19): a corpus of hostile run records and
//! lineage notes, each with the verdict and rule it must get, driven through the real binary
//! in real git repositories — `provenance verify`, `status`, the pre-commit hook, `show`,
//! `report` (rendered by a CommonMark parser) and `notes fetch`.

mod common;

use std::collections::BTreeMap;

use common::{Repo, stderr, stdout};
use serde_json::{Value as Json, json};

const ESC: char = '\u{1b}';

/// A record every reader accepts: one input, one output that does not exist yet.
fn base(run_id: &str) -> Json {
    json!({
        "schema": "contextcore.io/run-provenance/v1",
        "run_id": run_id,
        "workflow_or_command": "manifest export",
        "version": "1.0.0",
        "started_at": "2026-01-01T00:00:00.000Z",
        "completed_at": "2026-01-01T00:00:01.000Z",
        "duration_ms": 1000,
        "git": {"repository_root_relative": true, "head_commit": null, "branch": null, "dirty": false},
        "config_snapshot": {"output_dir": {"value": "out", "source": "default"}},
        "inputs": [{"path": ".contextcore.yaml", "exists": false, "size": null, "mtime": null,
                    "sha256": null, "git_blob": null, "role": "manifest"}],
        "outputs": [{"path": "out/x.yaml", "exists": false, "size": null, "mtime": null,
                     "sha256": null, "git_blob": null, "role": "project_context",
                     "action": "created", "backup": null}]
    })
}

/// `base` with one change.
fn with(run_id: &str, edit: impl Fn(&mut Json)) -> Vec<u8> {
    let mut r = base(run_id);
    edit(&mut r);
    serde_json::to_vec_pretty(&r).unwrap()
}

fn nested(depth: usize) -> Json {
    (0..depth).fold(json!(1), |inner, _| json!([inner]))
}

/// (case name, record bytes, the rule it breaks). Every case must come out `tampered`.
fn record_corpus() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let out = |p: &'static str| move |r: &mut Json| r["outputs"][0]["path"] = p.into();
    let inp = |p: &'static str| move |r: &mut Json| r["inputs"][0]["path"] = p.into();
    let mut huge = base("huge");
    huge["quality_summary"] = json!({"padding": "x".repeat(5 << 20)});
    vec![
        (
            "dotdot-output",
            with("c01", out("../../../etc/passwd")),
            "parent-dir",
        ),
        (
            "absolute-input",
            with("c02", inp("/etc/shadow")),
            "absolute-path",
        ),
        (
            "escape-seq-output",
            with("c03", out("out/\u{1b}[31mRED\u{1b}[0m.yaml")),
            "control-char",
        ),
        (
            "nul-in-path",
            with("c04", out("out/a\u{0}b.yaml")),
            "control-char",
        ),
        (
            "backslash-path",
            with("c05", out("out\\x.yaml")),
            "backslash",
        ),
        (
            "drive-letter-path",
            with("c06", inp("C:/Windows/win.ini")),
            "absolute-path",
        ),
        (
            "double-slash",
            with("c07", out("out//x.yaml")),
            "not-normalized",
        ),
        (
            "dot-component",
            with("c08", out("./out/x.yaml")),
            "not-normalized",
        ),
        ("trailing-slash", with("c09", out("out/")), "not-normalized"),
        ("empty-path", with("c10", out("")), "empty-path"),
        (
            "outside-dotdot",
            with("c11", inp("<outside>/..")),
            "parent-dir",
        ),
        (
            "outside-nested",
            with("c12", inp("<outside>/a/b")),
            "not-normalized",
        ),
        (
            "bidi-override",
            with("c13", out("out/\u{202e}lmth.yaml")),
            "control-char",
        ),
        (
            "newline-fake-line",
            with("c14", out("out/x\n- ❌ all fresh")),
            "control-char",
        ),
        ("mid-dotdot", with("c15", out("out/../../x")), "parent-dir"),
        (
            "run-id-image",
            with("![pixel](https://evil.example/p.png)", |_| {}),
            "bad-run-id",
        ),
        (
            "run-id-html",
            with("<img src=x onerror=alert(1)>", |_| {}),
            "bad-run-id",
        ),
        ("run-id-empty", with("", |_| {}), "bad-run-id"),
        ("run-id-mention", with("@octocat", |_| {}), "bad-run-id"),
        (
            "role-osc",
            with("c20", |r| {
                r["outputs"][0]["role"] = "x\u{1b}]0;pwned\u{7}".into()
            }),
            "bad-role",
        ),
        (
            "role-link",
            with("c21", |r| {
                r["inputs"][0]["role"] = "](https://evil.example)".into()
            }),
            "bad-role",
        ),
        (
            "command-shell",
            with("c22", |r| {
                r["workflow_or_command"] = "manifest export; rm -rf ~".into()
            }),
            "bad-command",
        ),
        (
            "command-newline",
            with("c23", |r| r["workflow_or_command"] = "generate\n".into()),
            "bad-command",
        ),
        (
            "sha256-not-hex",
            with("c24", |r| r["outputs"][0]["sha256"] = "ZZ".into()),
            "bad-digest",
        ),
        (
            "blob-html",
            with("c25", |r| {
                r["inputs"][0]["git_blob"] = "<script>alert(1)</script>".into()
            }),
            "bad-digest",
        ),
        (
            "timestamp-escape",
            with("c26", |r| r["started_at"] = "\u{1b}[2J".into()),
            "bad-timestamp",
        ),
        (
            "backup-dotdot",
            with("c27", |r| {
                r["outputs"][0]["backup"] = "../../.bashrc".into()
            }),
            "parent-dir",
        ),
        (
            "option-dotdot",
            with("c28", |r| {
                r["config_snapshot"]["output_dir"]["value"] = "../../somewhere".into()
            }),
            "parent-dir",
        ),
        (
            "option-absolute",
            with("c29", |r| {
                r["config_snapshot"]["path"] = json!({"value": "/etc/passwd", "source": "flag"})
            }),
            "absolute-path",
        ),
        (
            "option-control",
            with("c30", |r| {
                r["config_snapshot"]["namespace"] = json!({"value": "\u{1b}[2J", "source": "flag"})
            }),
            "control-char",
        ),
        (
            "option-scan-dotdot",
            with("c31", |r| {
                r["config_snapshot"]["scan_existing"] =
                    json!({"value": ["ok", "../x"], "source": "flag"})
            }),
            "parent-dir",
        ),
        (
            "wrong-type-inputs",
            with("c32", |r| r["inputs"] = "everything".into()),
            "malformed",
        ),
        (
            "wrong-type-run-id",
            with("c33", |r| r["run_id"] = 7.into()),
            "malformed",
        ),
        (
            "deep-nesting",
            with("c34", |r| {
                r["config_snapshot"]["x"] = json!({"value": nested(300), "source": "flag"})
            }),
            "malformed",
        ),
        (
            "not-json",
            b"{\"run_id\": \"c35\", \"inputs\": [".to_vec(),
            "malformed",
        ),
        ("huge", serde_json::to_vec(&huge).unwrap(), "too-large"),
        // Paths that are not UTF-8 are recorded in git's quoted form; a form that does not
        // decode strictly, or names bytes that break a rule, is refused.
        (
            "quoted-bad-octal",
            with("c36", out(r#""caf\9.yaml""#)),
            "bad-quoting",
        ),
        (
            "quoted-unknown-escape",
            with("c37", inp(r#""a\..\x""#)),
            "bad-quoting",
        ),
        (
            "quoted-utf8-path",
            with("c38", out(r#""out/x.yaml""#)),
            "bad-quoting",
        ),
        (
            "quoted-unterminated",
            with("c39", out(r#""out/\377.yaml"#)),
            "bad-quoting",
        ),
        (
            "quoted-dotdot",
            with("c40", out(r#""\377/../../../etc/passwd""#)),
            "parent-dir",
        ),
        (
            "quoted-escape-seq",
            with("c41", inp(r#""\377\033[2J""#)),
            "control-char",
        ),
        (
            "quoted-absolute",
            with("c42", out(r#""/etc/\377""#)),
            "absolute-path",
        ),
        (
            "duplicate-run-id",
            with("valid-run", |_| {}),
            "duplicate-run-id",
        ),
    ]
}

/// A repo holding every corpus record at `out/<name>-run-provenance.json` (beside the output
/// the base record names), plus one valid record, committed with `--no-verify`.
fn corpus_repo() -> Repo {
    let repo = Repo::new();
    repo.write(
        "out/a-valid-run-provenance.json",
        &base("valid-run").to_string(),
    );
    for (name, bytes, _) in record_corpus() {
        let path = repo.join(&format!("out/{name}-run-provenance.json"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "hostile records"]);
    repo
}

/// record path → rule of every tampered finding.
fn tampered_rules(findings: &Json) -> BTreeMap<String, String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] == "tampered")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

fn assert_corpus_verdicts(rules: &BTreeMap<String, String>, what: &str) {
    let corpus = record_corpus();
    assert!(corpus.len() >= 30);
    for (name, _, rule) in &corpus {
        let path = format!("out/{name}-run-provenance.json");
        assert_eq!(
            rules.get(&path).map(String::as_str),
            Some(*rule),
            "{what}: {name}"
        );
    }
    assert!(
        !rules.contains_key("out/a-valid-run-provenance.json"),
        "{what}: valid record"
    );
    assert_eq!(
        rules.len(),
        corpus.len(),
        "{what}: one finding per case: {rules:?}"
    );
}

fn assert_no_raw_escapes(text: &str) {
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "raw control character printed: {text:?}"
    );
}

#[test]
fn every_hostile_record_is_tampered_naming_its_rule_in_verify() {
    let repo = corpus_repo();
    let out = repo.run(&["provenance", "verify", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_corpus_verdicts(&tampered_rules(&report["checked"][0]["problems"]), "verify");
    // Nothing a hostile record names was classified: no missing /etc/passwd, no stale /etc/shadow.
    let problems = report["checked"][0]["problems"].as_array().unwrap();
    assert!(
        problems.iter().all(|p| p["verdict"] == "tampered"),
        "{problems:?}"
    );

    let out = repo.run(&["provenance", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_no_raw_escapes(&text);
    assert!(
        text.contains("[parent-dir] outputs[0].path ../../../etc/passwd"),
        "{text}"
    );
    assert!(text.contains("\"out/\\033[31mRED\\033[0m.yaml\""), "{text}");
    assert!(text.contains("[too-large]"), "{text}");
}

#[test]
fn every_hostile_record_is_tampered_in_status_and_blocks_the_hook() {
    let repo = corpus_repo();
    let out = repo.run(&["provenance", "status", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_corpus_verdicts(&tampered_rules(&report["findings"]), "status");
    // --json stays exact: the path with an escape sequence is the recorded string.
    let out = repo.run(&["provenance", "status"]);
    assert_no_raw_escapes(&stdout(&out));

    // Staged again (one byte added to each), the hook refuses the commit in strict mode.
    for (name, _, _) in record_corpus() {
        let rel = format!("out/{name}-run-provenance.json");
        let mut bytes = std::fs::read(repo.join(&rel)).unwrap();
        bytes.push(b'\n');
        std::fs::write(repo.join(&rel), bytes).unwrap();
    }
    repo.git(&["add", "-A"]);
    let out = repo.run(&["hook", "run", "pre-commit"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert_no_raw_escapes(&text);
    assert!(text.contains("[control-char]"), "{text}");
}

#[test]
fn a_record_file_whose_own_name_holds_escapes_is_quoted() {
    let repo = Repo::new();
    let dir = format!("out{ESC}[31m");
    repo.write(&format!("{dir}/run-provenance.json"), "{not json");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "odd name"]);
    let out = repo.run(&["provenance", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_no_raw_escapes(&text);
    assert!(
        text.contains("\"out\\033[31m/run-provenance.json\": tampered"),
        "{text}"
    );
    let out = repo.run(&["provenance", "verify", "--json"]);
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["checked"][0]["problems"][0]["path"],
        format!("{dir}/run-provenance.json")
    );
}

#[test]
fn show_refuses_a_hostile_record_file_as_tampered() {
    let repo = Repo::new();
    repo.write(
        "r.json",
        &String::from_utf8(with("c1", |r| r["outputs"][0]["path"] = "../x".into())).unwrap(),
    );
    let out = repo.run(&["provenance", "show", "r.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("tampered: r.json: [parent-dir]"),
        "{}",
        stderr(&out)
    );
    repo.write("out/ok-run-provenance.json", &base("ok-1").to_string());
    let out = repo.run(&["provenance", "show", "out/ok-run-provenance.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A valid note for `commit` with one run.
fn note_for(commit: &str, run_id: &str) -> Json {
    json!({
        "schema": "contextcore.io/lineage-note/v1",
        "commit": commit,
        "runs": [{
            "record": "out/run-provenance.json",
            "record_blob": "0123456789abcdef0123456789abcdef01234567",
            "run_id": run_id,
            "workflow_or_command": "manifest export",
            "started_at": "2026-01-01T00:00:00.000Z",
            "completed_at": "2026-01-01T00:00:01.000Z",
            "inputs": [{"path": ".contextcore.yaml", "role": "manifest", "sha256": null, "git_blob": null}],
            "outputs": [{"path": "out/x.yaml", "role": "project_context", "sha256": null, "git_blob": null}]
        }]
    })
}

/// (case name, note text for `commit`, the rule it breaks).
fn note_corpus(commit: &str, other: &str) -> Vec<(&'static str, String, &'static str)> {
    let edit = |e: &dyn Fn(&mut Json)| {
        let mut n = note_for(commit, "n-1");
        e(&mut n);
        n.to_string()
    };
    let mut dup = note_for(commit, "n-1");
    let run = dup["runs"][0].clone();
    dup["runs"].as_array_mut().unwrap().push(run);
    vec![
        (
            "note-other-commit",
            note_for(other, "n-1").to_string(),
            "note-commit",
        ),
        (
            "note-schema",
            edit(&|n| n["schema"] = "evil/v1".into()),
            "note-schema",
        ),
        (
            "note-dotdot",
            edit(&|n| n["runs"][0]["outputs"][0]["path"] = "../../x".into()),
            "parent-dir",
        ),
        (
            "note-absolute-record",
            edit(&|n| n["runs"][0]["record"] = "/etc/passwd".into()),
            "absolute-path",
        ),
        (
            "note-escape-run-id",
            edit(&|n| n["runs"][0]["run_id"] = "\u{1b}[31m".into()),
            "bad-run-id",
        ),
        (
            "note-markdown-command",
            edit(&|n| n["runs"][0]["workflow_or_command"] = "[x](https://evil.example)".into()),
            "bad-command",
        ),
        ("note-duplicate-run-id", dup.to_string(), "duplicate-run-id"),
        ("note-not-json", "runs: everything".to_string(), "malformed"),
        (
            "note-wrong-type",
            edit(&|n| n["runs"] = json!({"a": 1})),
            "malformed",
        ),
        (
            "note-huge",
            format!("{{\"pad\": \"{}\"}}", "x".repeat(5 << 20)),
            "too-large",
        ),
    ]
}

#[test]
fn every_hostile_note_is_tampered_naming_its_rule() {
    let repo = Repo::new();
    repo.git(&["commit", "-q", "--allow-empty", "-m", "root"]);
    let root = repo.git(&["rev-parse", "HEAD"]);
    let cases = note_corpus("PLACEHOLDER", &root);
    let mut expected = Vec::new();
    for (name, _, rule) in &cases {
        repo.git(&["commit", "-q", "--allow-empty", "-m", name]);
        let head = repo.git(&["rev-parse", "HEAD"]);
        let (_, text, _) = note_corpus(&head, &root)
            .into_iter()
            .find(|(n, _, _)| n == name)
            .unwrap();
        repo.set_note("HEAD", &text);
        expected.push((head, *name, *rule));
    }
    let out = repo.run(&[
        "provenance",
        "verify",
        "--range",
        &format!("{root}..HEAD"),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    for (head, name, rule) in expected {
        let checked = report["checked"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["at"] == head.as_str())
            .unwrap();
        let problems = checked["problems"].as_array().unwrap();
        assert_eq!(problems.len(), 1, "{name}: {problems:?}");
        assert_eq!(problems[0]["verdict"], "tampered", "{name}");
        assert_eq!(problems[0]["rule"], rule, "{name}: {problems:?}");
        let out = repo.run(&["provenance", "show", &head]);
        assert_eq!(out.status.code(), Some(1), "{name}: show");
        assert_no_raw_escapes(&stderr(&out));
    }
    let out = repo.run(&["provenance", "verify", "--range", &format!("{root}..HEAD")]);
    assert_no_raw_escapes(&stdout(&out));
}

/// A commit subject and a (valid) record path made of Markdown and HTML payloads.
const HOSTILE_SUBJECT: &str = "![pixel](https://evil.example/p.png) <img src=x onerror=alert(1)> [click](https://evil.example) @octocat | x ` y";
const HOSTILE_PATH: &str =
    "out/](https:evil.example)<img src=x onerror=alert(1)>@octocat|`x``.yaml";

#[test]
fn the_report_of_a_hostile_commit_renders_no_link_image_html_or_mention() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let repo = Repo::new();
    repo.git(&["commit", "-q", "--allow-empty", "-m", "base"]);
    let mut record = base("r-1");
    record["outputs"][0]["path"] = HOSTILE_PATH.into();
    repo.write("out/run-provenance.json", &record.to_string());
    let mut broken = base("r-2");
    broken["outputs"][0]["path"] = "../<img src=x onerror=alert(1)>".into();
    repo.write("bad/run-provenance.json", &broken.to_string());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", HOSTILE_SUBJECT]);
    let out = repo.run(&["notes", "attach"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a tampered record is not noted: {}",
        stderr(&out)
    );

    let out = repo.run(&["provenance", "report", "--range", "HEAD~1..HEAD"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(md.contains("[parent-dir]"), "{md}");
    let mut rows = Vec::new();
    let mut cells = 0;
    for event in Parser::new_ext(&md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match &event {
            Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::HtmlBlock)
            | Event::Html(_)
            | Event::InlineHtml(_) => panic!("{event:?} formed in:\n{md}"),
            Event::Text(t) => assert!(
                !t.contains('@') && !t.contains("http"),
                "{t:?} outside a code span in:\n{md}"
            ),
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => {
                rows.push(std::mem::take(&mut cells))
            }
            _ => {}
        }
    }
    assert_eq!(rows, [3, 3], "the table keeps three cells per row:\n{md}");
    // The subject still reads as written, inside a code span.
    let code: Vec<String> = Parser::new_ext(&md, Options::ENABLE_TABLES)
        .filter_map(|e| match e {
            Event::Code(c) => Some(c.to_string()),
            _ => None,
        })
        .collect();
    assert!(code.iter().any(|c| c == HOSTILE_SUBJECT), "{code:?}");
}

#[test]
fn the_report_shows_a_valid_but_hostile_looking_path_only_in_code_spans() {
    use pulldown_cmark::{Event, Options, Parser};
    let repo = Repo::new();
    repo.git(&["commit", "-q", "--allow-empty", "-m", "base"]);
    let mut record = base("r-1");
    record["outputs"][0]["path"] = HOSTILE_PATH.into();
    repo.write("out/run-provenance.json", &record.to_string());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "ok"]);
    let out = repo.run(&["notes", "attach"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = repo.run(&["provenance", "report", "--range", "HEAD~1..HEAD"]);
    let md = stdout(&out);
    let mut code = Vec::new();
    for event in Parser::new_ext(&md, Options::ENABLE_TABLES) {
        match event {
            Event::Html(_) | Event::InlineHtml(_) => panic!("html in {md}"),
            Event::Start(pulldown_cmark::Tag::Link { .. } | pulldown_cmark::Tag::Image { .. }) => {
                panic!("link in {md}")
            }
            Event::Code(c) => code.push(c.to_string()),
            _ => {}
        }
    }
    assert!(code.iter().any(|c| c == HOSTILE_PATH), "{code:?}\n{md}");
}

/// Two clones of one repository sharing a bare remote. `a` has three commits: `one` (empty),
/// `two` (exports into `out` and `out2`: two run records) and `three` (both exported again
/// from an edited manifest); no hooks, so no notes yet.
fn clones() -> (Repo, Repo, Repo) {
    let remote = Repo::bare_dir();
    remote.git(&["init", "-q", "--bare", "-b", "main"]);
    let a = Repo::new();
    a.git(&["commit", "-q", "--allow-empty", "-m", "one"]);
    a.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    for dir in ["out", "out2"] {
        assert!(a.run(&["export", "-o", dir]).status.success());
    }
    a.git(&["add", "-A"]);
    a.git(&["commit", "-qm", "two"]);
    a.write(
        ".contextcore.yaml",
        &common::with_availability(&a.read(".contextcore.yaml"), "99.9"),
    );
    for dir in ["out", "out2"] {
        assert!(a.run(&["export", "-o", dir]).status.success());
    }
    a.git(&["add", "-A"]);
    a.git(&["commit", "-qm", "three"]);
    a.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
    a.git(&["push", "-q", "origin", "main"]);
    let b = Repo::bare_dir();
    b.git(&["clone", "-q", remote.path().to_str().unwrap(), "."]);
    (remote, a, b)
}

/// The true v2 note of `rev` in `repo` (computed by `notes attach`), and the note without the
/// runs of records under `drop` (a valid note too: each run renders from its record alone).
fn true_note(repo: &Repo, rev: &str, drop: &str) -> (String, String) {
    assert!(repo.run(&["notes", "attach", rev]).status.success());
    let full = repo.git(&["notes", "--ref=refs/notes/contextcore", "show", rev]) + "\n";
    let mut lines = full.lines();
    let header = lines.next().unwrap();
    let runs: Vec<&str> = lines.collect();
    let kept: Vec<&str> = runs
        .chunks(3)
        .filter(|run| !run[0].contains(&format!(": {drop}")))
        .flatten()
        .copied()
        .collect();
    let n = kept.len() / 3;
    let header = header.replace(
        &format!("· {} runs", runs.len() / 3),
        &format!("· {n} run{}", if n == 1 { "" } else { "s" }),
    );
    let subset = format!("{header}\n{}\n", kept.join("\n"));
    (full, subset)
}

#[test]
fn hostile_remote_notes_are_refused_and_local_runs_kept() {
    let (_remote, a, b) = clones();
    let one = a.git(&["rev-parse", "HEAD~2"]);
    let two = a.git(&["rev-parse", "HEAD~1"]);
    let three = a.git(&["rev-parse", "HEAD"]);
    // Ours: `two` noted with its `out` run only; `three` with its true note.
    let (both, ours) = true_note(&a, &two, "out2/");
    a.set_note(&two, &ours);
    let (three_note, _) = true_note(&a, &three, "-");
    // The remote: the whole note of `two` (a valid run we do not have), a note on `three`
    // whose files line says something its record does not, and a note on `one` claiming `two`.
    b.set_note(&two, &both);
    let manifest = a.git(&["rev-parse", "HEAD:.contextcore.yaml"]);
    b.set_note(&three, &three_note.replacen(&manifest[..7], "0000000", 1));
    b.set_note(&one, &both);
    // `notes push` would refuse these notes; a hostile clone pushes them with git.
    let out = b.run(&["notes", "push"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing pushed"), "{}", stderr(&out));
    b.git(&["push", "-q", "origin", "refs/notes/contextcore"]);

    let out = a.run(&["notes", "fetch"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("[note-commit]"), "{}", stderr(&out));
    assert!(stderr(&out).contains("[note-text]"), "{}", stderr(&out));
    let shown = |rev: &str| a.git(&["notes", "--ref=refs/notes/contextcore", "show", rev]) + "\n";
    assert_eq!(shown(&two), both, "a valid remote run is merged");
    assert_eq!(shown(&three), three_note, "our run is not rewritten");
    let on_one = a.git_output(&["notes", "--ref=refs/notes/contextcore", "show", &one]);
    assert!(!on_one.status.success(), "the forged note is not merged");
    let out = a.run(&["provenance", "verify", "--range", &format!("{one}..HEAD")]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn notes_of_commits_not_fetched_yet_are_merged_and_checked_once_they_are() {
    let (_remote, a, b) = clones();
    // `b` makes a commit and pushes only its notes.
    b.write(
        ".contextcore.yaml",
        &b.read(".contextcore.yaml").replace("99.9", "99.5"),
    );
    assert!(b.run(&["export", "-o", "out"]).status.success());
    b.git(&["add", "-A"]);
    b.git(&["commit", "-qm", "four"]);
    let four = b.git(&["rev-parse", "HEAD"]);
    let (note, _) = true_note(&b, &four, "-");
    assert!(b.run(&["notes", "push"]).status.success());
    let out = a.run(&["notes", "fetch"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        a.git(&["notes", "--ref=refs/notes/contextcore", "show", &four]) + "\n",
        note
    );
    // Once the commit arrives, its note reads as valid.
    assert!(
        b.git_output(&["push", "-q", "origin", "main"])
            .status
            .success()
    );
    a.git(&["pull", "-q", "--ff-only", "origin", "main"]);
    let out = a.run(&["provenance", "show", &four]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_remote_that_fast_forwards_over_our_notes_cannot_remove_a_run() {
    let (_remote, a, b) = clones();
    let two = a.git(&["rev-parse", "HEAD~1"]);
    assert!(a.run(&["notes", "attach", &two]).status.success());
    assert!(a.run(&["notes", "push"]).status.success());
    assert_eq!(b.run(&["notes", "fetch"]).status.code(), Some(0));
    // The remote descends from our notes and drops our run.
    b.git(&["notes", "--ref=refs/notes/contextcore", "remove", &two]);
    assert!(
        b.git_output(&["push", "-q", "-f", "origin", "refs/notes/contextcore"])
            .status
            .success()
    );
    let out = a.run(&["notes", "fetch"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = a.git(&["notes", "--ref=refs/notes/contextcore", "show", &two]);
    assert!(text.contains(": out2/run-provenance.json @"), "{text}");
}

#[test]
fn a_rerun_never_keeps_or_prints_a_forged_run_id() {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    assert!(repo.run(&["export"]).status.success());
    let mut record = common::json(&repo, "out/run-provenance.json");
    record["run_id"] = format!("{ESC}]0;pwned{}", '\u{7}').into();
    repo.write(
        "out/run-provenance.json",
        &serde_json::to_string_pretty(&record).unwrap(),
    );
    let out = repo.run(&["export"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_raw_escapes(&stdout(&out));
    let id = common::json(&repo, "out/run-provenance.json")["run_id"].clone();
    assert!(
        !id.as_str().unwrap().contains(ESC),
        "a new record replaces the forged one: {id}"
    );
}

#[test]
fn a_valid_record_under_a_name_with_escapes_is_not_copied_into_a_note() {
    let repo = Repo::new();
    repo.write(
        &format!("out{ESC}[31m/run-provenance.json"),
        &base("r-1").to_string(),
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "odd name"]);
    let out = repo.run(&["notes", "attach"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_no_raw_escapes(&stderr(&out));
    assert!(
        stderr(&out).contains("[control-char] record \"out\\033[31m/run-provenance.json\""),
        "{}",
        stderr(&out)
    );
}
