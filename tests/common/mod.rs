//! Builds the temp git repositories every integration test uses, and runs the real binary
//! and the real `git` in them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// A temp git repository driven by the real `git` binary.
pub struct Repo {
    dir: tempfile::TempDir,
}

/// Path of a bundled test fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

impl Repo {
    /// `git init` in a fresh temp directory, with a fixed identity.
    pub fn new() -> Self {
        let repo = Self::bare_dir();
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A temp directory that is not a repository.
    pub fn bare_dir() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The work tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside the work tree.
    pub fn join(&self, rel: &str) -> PathBuf {
        self.path().join(rel)
    }

    /// Writes a file (test setup only), creating parents.
    pub fn write(&self, rel: &str, content: &str) {
        let p = self.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    /// Reads a file as text.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Copies a bundled fixture into the work tree.
    pub fn copy_fixture(&self, name: &str, rel: &str) {
        self.write(rel, &std::fs::read_to_string(fixture(name)).unwrap());
    }

    /// Runs git; panics if it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Runs git and returns its output, success or not.
    pub fn git_output(&self, args: &[&str]) -> Output {
        std::process::Command::new("git")
            .args(args)
            .current_dir(self.path())
            .envs(git_env())
            .env("PATH", path_with_binary())
            .output()
            .expect("git runs")
    }

    /// Sets (replacing) a commit's note on `refs/notes/contextcore` to `text`, exactly.
    pub fn set_note(&self, rev: &str, text: &str) {
        let file = self.join(".git/note-text");
        std::fs::write(&file, text).unwrap();
        self.git(&[
            "notes",
            "--ref=refs/notes/contextcore",
            "add",
            "-f",
            "-F",
            file.to_str().unwrap(),
            rev,
        ]);
    }

    /// The contextcore binary, run in the work tree.
    pub fn cc(&self) -> Command {
        let mut cmd = Command::cargo_bin("contextcore").unwrap();
        cmd.current_dir(self.path())
            .envs(git_env())
            .env_remove("CI");
        cmd
    }

    /// Runs contextcore with args and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cc().args(args).output().unwrap()
    }

    /// Every file under the work tree (outside .git), sorted, with contents.
    pub fn snapshot(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if e.file_name() == ".git" {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p
                        .strip_prefix(self.path())
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    out.push((rel, std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }
}

/// A fixed identity and no user/system git config, so tests behave the same everywhere.
pub fn git_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GIT_AUTHOR_NAME", "Test"),
        ("GIT_AUTHOR_EMAIL", "test@example.invalid"),
        ("GIT_COMMITTER_NAME", "Test"),
        ("GIT_COMMITTER_EMAIL", "test@example.invalid"),
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("NO_COLOR", "1"),
    ]
}

/// PATH with the directory of the built binary first, so hooks find `contextcore`.
pub fn path_with_binary() -> String {
    let bin = assert_cmd::cargo::cargo_bin("contextcore");
    format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Parses a JSON file of the repo.
pub fn json(repo: &Repo, rel: &str) -> serde_json::Value {
    serde_json::from_str(&repo.read(rel)).unwrap()
}

/// The inputs the earlier implementation's checkout reports were made from (partial task
/// mapping, one existing dashboard, service metadata), exported with provenance into `out/`.
pub fn checkout_contract_export() -> Repo {
    let repo = Repo::new();
    for (name, to) in [
        ("contract/checkout.contextcore.yaml", ".contextcore.yaml"),
        ("contract/checkout-task-mapping.json", "task-mapping.json"),
        (
            "contract/checkout-service-metadata.json",
            "service-metadata.json",
        ),
    ] {
        repo.copy_fixture(name, to);
    }
    repo.write("observability/checkout-api-dashboard.json", "{}\n");
    let out = repo.run(&[
        "export",
        "--emit-provenance",
        "--task-mapping",
        "task-mapping.json",
        "--scan-existing",
        "observability",
        "--service-metadata",
        "service-metadata.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    repo
}

/// The checkout fixture's text with another availability (every `99.95` replaced) and without
/// its `errorBudget`, which would contradict it.
pub fn with_availability(text: &str, availability: &str) -> String {
    text.replace("99.95", availability)
        .replace("    errorBudget: \"0.05\"\n", "")
}

/// Edits an output and rewrites its sha256, size and git blob in the record to match: the
/// forgery plain lineage cannot see.
pub fn forge(repo: &Repo, record: &str, output: &str, edit: impl Fn(&str) -> String) {
    let content = edit(&repo.read(output));
    assert_ne!(content, repo.read(output), "the edit changes {output}");
    repo.write(output, &content);
    let d = contextcore::fingerprint::Digests::of_bytes(content.as_bytes());
    let mut json = json(repo, record);
    let entry = json["outputs"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["path"] == output)
        .unwrap_or_else(|| panic!("{record} lists {output}"));
    entry["sha256"] = serde_json::json!(d.sha256);
    entry["git_blob"] = serde_json::json!(d.git_blob);
    entry["size"] = serde_json::json!(content.len());
    repo.write(
        record,
        &(serde_json::to_string_pretty(&json).unwrap() + "\n"),
    );
}
