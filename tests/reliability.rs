//! Reliability and security: crashes tear nothing, runs never interleave, nothing is written
//! outside its tree, and tampering with outputs, records or notes is detected.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{Repo, json, stderr, stdout};

fn checkout_repo() -> Repo {
    let repo = Repo::new();
    repo.copy_fixture("checkout.contextcore.yaml", ".contextcore.yaml");
    repo
}

fn with_availability(repo: &Repo, value: &str) {
    let text = std::fs::read_to_string(common::fixture("checkout.contextcore.yaml")).unwrap();
    repo.write(
        ".contextcore.yaml",
        &common::with_availability(&text, value),
    );
}

/// Contents of every file in `dir` of the repo.
fn files_in(repo: &Repo, dir: &str) -> HashMap<String, Vec<u8>> {
    std::fs::read_dir(repo.join(dir))
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_fault_between_temp_write_and_rename_keeps_the_old_file_and_no_temp() {
    let repo = checkout_repo();
    assert!(repo.run(&["export"]).status.success());
    let before = files_in(&repo, "out");
    with_availability(&repo, "99.9");
    let out = repo
        .cc()
        .args(["export"])
        .env("CONTEXTCORE_FAULT_INJECT", "before-rename")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        before,
        files_in(&repo, "out"),
        "old files intact, no temp file left"
    );
}

#[test]
fn sigkill_at_random_moments_never_tears_a_file() {
    let repo = checkout_repo();
    // The two complete versions every canonical file may hold. A fixed document time makes
    // each version's bytes known in advance (otherwise a run that finishes before its kill
    // writes a third, newer time, and a fast build fails where a slow one never gets there).
    let epoch = ("SOURCE_DATE_EPOCH", "1700000000");
    let mut versions: HashMap<String, Vec<Vec<u8>>> = HashMap::new();
    for value in ["99.95", "99.9"] {
        with_availability(&repo, value);
        let out = repo
            .cc()
            .arg("export")
            .env(epoch.0, epoch.1)
            .output()
            .unwrap();
        assert!(out.status.success());
        for (name, bytes) in files_in(&repo, "out") {
            versions.entry(name).or_default().push(bytes);
        }
    }
    let bin = assert_cmd::cargo::cargo_bin("contextcore");
    let mut seed: u64 = 0x5eed;
    let started = Instant::now();
    let runs = 200;
    let mut killed_mid_run = 0;
    for i in 0..runs {
        with_availability(&repo, if i % 2 == 0 { "99.95" } else { "99.9" });
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_micros((seed >> 33) % 12_000);
        let mut child = std::process::Command::new(&bin)
            .arg("export")
            .env(epoch.0, epoch.1)
            .current_dir(repo.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        for (name, bytes) in files_in(&repo, "out") {
            if name.ends_with(".contextcore-tmp") {
                continue;
            }
            if name == "run-provenance.json" {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|e| panic!("run {i}: torn record: {e}"));
                continue;
            }
            assert!(
                versions[&name].contains(&bytes),
                "run {i}: {name} is neither the old nor the new content"
            );
        }
        for (name, bytes) in files_in(&repo, ".git/contextcore/backups/out") {
            if name.ends_with(".contextcore-tmp") {
                continue;
            }
            // Older backups keep a numbered name (`name.~1~`).
            let base = match name.rsplit_once(".~") {
                Some((base, n)) if n.ends_with('~') => base,
                _ => name.as_str(),
            };
            if base == "run-provenance.json" {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .unwrap_or_else(|e| panic!("run {i}: torn backup of the record: {e}"));
                continue;
            }
            let known = versions
                .get(base)
                .unwrap_or_else(|| panic!("backup {name}?"));
            assert!(known.contains(&bytes), "run {i}: backup of {name} is torn");
        }
    }
    assert!(
        killed_mid_run > runs / 4,
        "only {killed_mid_run} of {runs} runs were killed mid-run"
    );
    assert!(repo.run(&["export"]).status.success());
    assert!(
        files_in(&repo, "out")
            .keys()
            .all(|n| !n.ends_with(".contextcore-tmp")),
        "no temp file outlives the next run"
    );
    eprintln!(
        "{runs} SIGKILL runs ({killed_mid_run} mid-run) in {:?}, 0 torn files",
        started.elapsed()
    );
}

#[test]
fn concurrent_exports_never_interleave() {
    let repo = checkout_repo();
    let text = repo.read(".contextcore.yaml");
    for i in 0..8 {
        repo.write(
            &format!("m{i}.yaml"),
            &common::with_availability(&text, &format!("99.{i}")),
        );
    }
    let bin = assert_cmd::cargo::cargo_bin("contextcore");
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let bin = bin.clone();
            let dir = repo.path().to_path_buf();
            std::thread::spawn(move || {
                std::process::Command::new(bin)
                    .args(["export", "-p", &format!("m{i}.yaml"), "--force-record"])
                    .current_dir(dir)
                    .output()
                    .unwrap()
            })
        })
        .collect();
    for h in handles {
        let out = h.join().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let record = json(&repo, "out/run-provenance.json");
    for o in record["outputs"].as_array().unwrap() {
        let path = o["path"].as_str().unwrap();
        assert_eq!(
            o["git_blob"],
            repo.git(&["hash-object", path]),
            "{path} matches the final record"
        );
    }
    let manifest = record["inputs"][0]["path"].as_str().unwrap();
    let wanted = repo
        .read(manifest)
        .lines()
        .find(|l| l.contains("availability"))
        .unwrap()
        .trim()
        .to_string();
    assert!(
        repo.read("out/checkout-service-projectcontext.yaml")
            .contains(&wanted),
        "context comes from the recorded manifest"
    );
}

#[test]
fn a_waiting_run_gives_up_naming_the_lock() {
    let repo = checkout_repo();
    assert!(repo.run(&["export"]).status.success());
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(repo.join(".git/contextcore/locks/dir-out.lock"))
        .unwrap();
    lock.lock().unwrap();
    let started = Instant::now();
    let out = repo
        .cc()
        .args(["export"])
        .env("CONTEXTCORE_LOCK_TIMEOUT_MS", "300")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(started.elapsed() >= Duration::from_millis(300));
    let err = stderr(&out);
    assert!(
        err.contains(
            "out (.git/contextcore/locks/dir-out.lock): locked by another contextcore run"
        ),
        "{err}"
    );
    assert!(
        err.contains("waiting for another contextcore run on out"),
        "the wait is announced, not silent: {err}"
    );
    drop(lock);
    assert!(repo.run(&["export"]).status.success());
}

#[test]
fn outputs_never_escape_their_tree() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.json");
    std::fs::write(&victim, "precious\n").unwrap();

    // An existing output that is a symlink to a file outside.
    let repo = checkout_repo();
    std::fs::create_dir_all(repo.join("out")).unwrap();
    std::os::unix::fs::symlink(&victim, repo.join("out/onboarding-metadata.json")).unwrap();
    let out = repo.run(&["export"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(
        files_in(&repo, "out").len(),
        1,
        "nothing else written before the refusal"
    );

    // An output directory outside the repository is the user's choice (CI exports to temp
    // directories): it works, and its records name no absolute path.
    let repo = checkout_repo();
    let abs = outside.path().join("abs");
    let out = repo.run(&["export", "-o", abs.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("outside the repository"),
        "{}",
        stderr(&out)
    );
    let record = std::fs::read_to_string(abs.join("run-provenance.json")).unwrap();
    assert!(
        !record.contains(outside.path().to_str().unwrap()),
        "{record}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
}

/// A committed export, and a second commit made with --no-verify after `tamper`.
fn tampered(tamper: impl Fn(&Repo)) -> std::process::Output {
    let repo = checkout_repo();
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    tamper(&repo);
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "--allow-empty",
        "--no-verify",
        "-m",
        "tampered",
    ]);
    repo.run(&["provenance", "verify", "--range", "HEAD~1..HEAD"])
}

fn edit_record(repo: &Repo, edit: impl Fn(&mut serde_json::Value)) {
    let mut record = json(repo, "out/run-provenance.json");
    edit(&mut record);
    repo.write(
        "out/run-provenance.json",
        &serde_json::to_string_pretty(&record).unwrap(),
    );
}

#[test]
fn tampering_is_detected_in_all_four_forms() {
    // 1. An output edited after the run.
    let out = tampered(|r| r.write("out/validation-report.json", "{}\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("out/validation-report.json: modified after run"),
        "{}",
        stdout(&out)
    );

    // 2. A record edited so its digests no longer match the files.
    let out = tampered(|r| {
        edit_record(r, |v| {
            v["outputs"][1]["git_blob"] = "0123456789abcdef0123456789abcdef01234567".into()
        })
    });
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("out/checkout-service-artifact-manifest.yaml: modified after run"),
        "{}",
        stdout(&out)
    );

    // 3. A record whose sha256 and git blob id disagree.
    let out = tampered(|r| edit_record(r, |v| v["outputs"][0]["sha256"] = "00".repeat(32).into()));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("out/checkout-service-projectcontext.yaml: tampered"),
        "{}",
        stdout(&out)
    );

    // 4. A note whose record differs from the committed file: the first commit's note, which
    // names a real record (the previous export), moved onto the second commit.
    let repo = checkout_repo();
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export"]);
    assert!(repo.run(&["notes", "attach"]).status.success());
    let first = repo.git(&["rev-parse", "HEAD"]);
    let note = repo.git(&["notes", "--ref=refs/notes/contextcore", "show", "HEAD"]);
    with_availability(&repo, "99.5");
    assert!(repo.run(&["export"]).status.success());
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "export again"]);
    let second = repo.git(&["rev-parse", "HEAD"]);
    let forged = note.replace(&first, &second);
    repo.git(&[
        "notes",
        "--ref=refs/notes/contextcore",
        "add",
        "-f",
        "-m",
        &forged,
        "HEAD",
    ]);
    let out = repo.run(&["provenance", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("tampered: the note on")
            && stdout(&out)
                .contains("[note-record] the note names record out/run-provenance.json @"),
        "{}",
        stdout(&out)
    );
}
