//! The claims cache: what each run record claims — its inputs and outputs with their recorded
//! blob ids and digests, its run id and command — keyed by the record's own blob id, in
//! `<git common dir>/contextcore/claims`. A changed record has a new blob id, so an entry can
//! never be stale. The file names its format and the contextcore version that wrote it and ends
//! with a sha256 of its body: a file that is missing, from another version, or does not read
//! back exactly is ignored (and rewritten), never trusted. Only records that parse are cached;
//! a broken record is parsed, and reported, every time.
//!
//! Records are read through `view::load_records`, so whatever it checks a record for, a cached
//! record passed. When that check changes, bump the format number in `HEADER`: caches written
//! under the old rules are then dropped.
//!
//! This module decides no verdict: the engine (`classify`) runs on the lean records it hands
//! out, and [`ClaimsCache::complete`] parses in full the records that have a problem, so that
//! their rerun command (built from the configuration snapshot) is exact. [`record_holds`] only
//! answers "would `classify` find nothing here?" for the hook's fast path, and a test keeps
//! the two in agreement.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::git::{ObjectId, Repo};
use sha2::{Digest, Sha256};

use super::view::{View, broken_record, load_records};
use super::{Finding, LineageRecord, RecordFile, SEED_COMMANDS, SEED_ROLES};
use crate::error::Result;
use crate::fingerprint::{Fingerprint, hex};
use crate::fsio::Action;
use crate::provenance::{InputRecord, OutputRecord};

/// First line of the file: the format and the version whose parser produced the claims.
const HEADER: &str = concat!("contextcore-claims 5 ", env!("CARGO_PKG_VERSION"));
/// The last line starts with this, followed by the sha256 of everything before it.
const TRAILER: &str = "sha256\t";

/// Run records by blob id, as far as lineage reads them (no configuration snapshot).
#[derive(Debug, Default)]
pub struct ClaimsCache {
    file: Option<PathBuf>,
    entries: HashMap<ObjectId, LineageRecord>,
    /// Entries this run looked up: the ones kept when the file is pruned.
    used: HashSet<ObjectId>,
    changed: bool,
    /// Records handed out lean (from the cache), by path, with their blob id.
    lean: HashMap<String, ObjectId>,
}

impl ClaimsCache {
    /// The repository's cache; empty when the file is missing or cannot be trusted.
    pub fn open(repo: &Repo) -> Self {
        let file = repo.commondir().join("contextcore").join("claims");
        let entries = std::fs::read(&file)
            .ok()
            .and_then(|bytes| decode(&bytes))
            .unwrap_or_default();
        Self {
            file: Some(file),
            entries,
            ..Self::default()
        }
    }

    /// The record at `path` with blob `id`: its cached claims, or the blob parsed (and cached).
    /// A record that does not parse comes back as its `tampered` finding.
    pub fn load(
        &mut self,
        repo: &Repo,
        path: &str,
        id: ObjectId,
    ) -> Result<std::result::Result<RecordFile, Finding>> {
        self.used.insert(id);
        if let Some(record) = self.entries.get(&id) {
            self.lean.insert(path.to_string(), id);
            return Ok(Ok(RecordFile {
                path: path.to_string(),
                record: record.clone(),
            }));
        }
        // The one record reader decides what a record is (and what it must not be): only what
        // it accepts is cached.
        let (mut parsed, mut broken) = load_records(repo, std::iter::once((path, id)))?;
        self.lean.remove(path);
        match (parsed.pop(), broken.pop()) {
            (Some(rf), None) => {
                if cacheable(&rf.record) {
                    self.entries.insert(id, lean(&rf.record));
                    self.changed = true;
                }
                Ok(Ok(rf))
            }
            (_, Some(finding)) => Ok(Err(finding)),
            (None, None) => Ok(Err(broken_record(
                path,
                &crate::error::Error::Git(format!("{path}: run record could not be read")),
            ))),
        }
    }

    /// [`ClaimsCache::load`] for records given as (path, blob id), sorted by path: the records
    /// and the findings for those that do not parse.
    pub fn load_records<'a>(
        &mut self,
        repo: &Repo,
        found: impl Iterator<Item = (&'a str, ObjectId)>,
    ) -> Result<(Vec<RecordFile>, Vec<Finding>)> {
        let mut found: Vec<(&str, ObjectId)> = found.collect();
        found.sort();
        // Through `Records`, so a run id seen twice is tampered whether either copy came
        // from the cache or was parsed now.
        let mut records = super::view::Records::default();
        for (path, id) in found {
            match self.load(repo, path, id)? {
                Ok(record) => records.add_file(record),
                Err(finding) => records.broken.push(finding),
            }
        }
        Ok((records.valid, records.broken))
    }

    /// Parses in full the lean records that a problem finding names, so that their rerun
    /// command is exact. Returns whether any was replaced (the caller classifies again).
    pub fn complete(
        &mut self,
        repo: &Repo,
        records: &mut [RecordFile],
        findings: &[Finding],
    ) -> Result<bool> {
        let wanted: HashSet<&str> = findings
            .iter()
            .filter(|f| f.is_problem())
            .filter_map(|f| f.record.as_deref())
            .filter(|p| self.lean.contains_key(*p))
            .collect();
        let mut replaced = false;
        for rf in records
            .iter_mut()
            .filter(|rf| wanted.contains(rf.path.as_str()))
        {
            let Some(id) = self.lean.remove(&rf.path) else {
                continue;
            };
            // It was read when it was cached; should it not read now, the lean claims stand.
            let (mut parsed, _) = load_records(repo, std::iter::once((rf.path.as_str(), id)))?;
            if let Some(full) = parsed.pop() {
                rf.record = full.record;
                replaced = true;
            }
        }
        Ok(replaced)
    }

    /// Writes the cache back if this run added to it. A cache that cannot be written (a
    /// read-only repository) only costs the next run its parse, so the error is dropped.
    pub fn save(&mut self) {
        let Some(file) = &self.file else { return };
        if !self.changed {
            return;
        }
        // Records that left the repository would pile up: keep what this run used once the
        // rest outnumbers it.
        if self.entries.len() > 2 * self.used.len() + 256 {
            self.entries.retain(|id, _| self.used.contains(id));
        }
        if let Some(dir) = file.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let _ = crate::fsio::write_atomic(
                file,
                &encode(&self.entries),
                &crate::fsio::Backups::Discard,
            );
        }
        self.changed = false;
    }
}

/// Whether `classify` would find no problem with `rf` in `view`, without building findings:
/// the hook asks this of every record on every commit. Kept to `classify`'s rules by the test
/// `record_holds_agrees_with_classify`.
pub fn record_holds(rf: &RecordFile, view: &dyn View) -> bool {
    let r = &rf.record;
    let seed_run = SEED_COMMANDS.contains(&r.workflow_or_command.as_str());
    let inputs_hold = seed_run
        || r.inputs.iter().all(|input| {
            let fp = &input.fingerprint;
            if crate::workspace::names_outside(&fp.path) {
                return true;
            }
            super::input_holds(fp, &view.blob(&fp.path))
        });
    inputs_hold
        && r.outputs.iter().all(|output| {
            let fp = &output.fingerprint;
            if seed_run && SEED_ROLES.contains(&output.role.as_str()) {
                return true;
            }
            super::output_verdict(fp, view.blob(&fp.path)) == super::Verdict::Fresh
        })
}

/// The part of a record lineage reads, without the configuration snapshot and times.
fn lean(r: &LineageRecord) -> LineageRecord {
    LineageRecord {
        run_id: r.run_id.clone(),
        workflow_or_command: r.workflow_or_command.clone(),
        contextcore_version: String::new(),
        started_at: String::new(),
        completed_at: String::new(),
        config_snapshot: Default::default(),
        inputs: r
            .inputs
            .iter()
            .map(|i| InputRecord {
                fingerprint: lean_fingerprint(&i.fingerprint),
                role: i.role.clone(),
            })
            .collect(),
        outputs: r
            .outputs
            .iter()
            .map(|o| output(lean_fingerprint(&o.fingerprint), o.role.clone()))
            .collect(),
        policy_read: None,
        policy_cached: cached_policy(r),
    }
}

/// A record's policy reads in the cached form: `from` only.
fn cached_policy(r: &LineageRecord) -> Option<super::CachedPolicyRead> {
    if let Some(c) = &r.policy_cached {
        return Some(c.clone());
    }
    let p = r.policy_read.as_ref()?;
    Some(super::CachedPolicyRead {
        from: p.from.clone(),
    })
}

fn lean_fingerprint(f: &Fingerprint) -> Fingerprint {
    Fingerprint {
        path: f.path.clone(),
        exists: f.exists,
        size: None,
        mtime: None,
        sha256: f.sha256.clone(),
        git_blob: f.git_blob.clone(),
    }
}

fn output(fingerprint: Fingerprint, role: String) -> OutputRecord {
    OutputRecord {
        fingerprint,
        role,
        action: Action::Unchanged,
        backup: None,
    }
}

/// Fields are tab-separated lines; a record with a tab or line break in a field is simply
/// not cached (it is parsed every time) rather than escaped.
fn cacheable(r: &LineageRecord) -> bool {
    let plain = |s: &str| !s.contains(['\t', '\n', '\r']);
    let fp_plain = |f: &Fingerprint| {
        plain(&f.path)
            && f.sha256.as_deref().is_none_or(plain)
            && f.git_blob.as_deref().is_none_or(plain)
    };
    let policy_plain = r
        .policy_read
        .as_ref()
        .and_then(|p| p.from.as_deref())
        .is_none_or(plain);
    policy_plain
        && plain(&r.run_id)
        && plain(&r.workflow_or_command)
        && r.inputs
            .iter()
            .all(|i| plain(&i.role) && fp_plain(&i.fingerprint))
        && r.outputs
            .iter()
            .all(|o| plain(&o.role) && fp_plain(&o.fingerprint))
}

/// The file: header, then per record `r id run_id command inputs outputs` and one line per
/// file (`i`/`o`, role, exists, blob, sha256, path; `-` for none, `+value` otherwise), then
/// the trailer. Sorted by blob id, so equal caches are equal bytes.
fn encode(entries: &HashMap<ObjectId, LineageRecord>) -> Vec<u8> {
    use std::fmt::Write;
    let opt = |v: &Option<String>| v.as_ref().map_or("-".to_string(), |s| format!("+{s}"));
    let mut ids: Vec<&ObjectId> = entries.keys().collect();
    ids.sort();
    let mut out = format!("{HEADER}\n");
    for id in ids {
        let r = &entries[id];
        let _ = writeln!(
            out,
            "r\t{id}\t{}\t{}\t{}\t{}",
            r.run_id,
            r.workflow_or_command,
            r.inputs.len(),
            r.outputs.len()
        );
        let files = r
            .inputs
            .iter()
            .map(|i| ("i", &i.role, &i.fingerprint))
            .chain(r.outputs.iter().map(|o| ("o", &o.role, &o.fingerprint)));
        for (side, role, f) in files {
            let _ = writeln!(
                out,
                "{side}\t{role}\t{}\t{}\t{}\t{}",
                u8::from(f.exists),
                opt(&f.git_blob),
                opt(&f.sha256),
                f.path
            );
        }
        // Whether the run recorded its policy reads, and where it looked (`+from`; `=` for a
        // `--policy FILE` run); the keys stay in the record.
        let policy = cached_policy(r).map_or_else(
            || "-".to_string(),
            |c| c.from.as_deref().map_or("=".into(), |f| format!("+{f}")),
        );
        let _ = writeln!(out, "p\t{policy}");
    }
    let digest = hex(&Sha256::digest(out.as_bytes()));
    out.push_str(TRAILER);
    out.push_str(&digest);
    out.push('\n');
    out.into_bytes()
}

/// The entries of a cache file, or `None` if anything about it is off.
fn decode(bytes: &[u8]) -> Option<HashMap<ObjectId, LineageRecord>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let cut = text.strip_suffix('\n')?.rfind('\n')? + 1;
    let (body, trailer) = text.split_at(cut);
    let digest = trailer.strip_prefix(TRAILER)?.strip_suffix('\n')?;
    if hex(&Sha256::digest(body.as_bytes())) != digest {
        return None;
    }
    let mut lines = body.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut entries = HashMap::new();
    while let Some(line) = lines.next() {
        let f: Vec<&str> = line.split('\t').collect();
        let [kind, id, run_id, command, n_in, n_out] = f[..] else {
            return None;
        };
        if kind != "r" {
            return None;
        }
        let (n_in, n_out): (usize, usize) = (n_in.parse().ok()?, n_out.parse().ok()?);
        let mut record = LineageRecord {
            run_id: run_id.to_string(),
            workflow_or_command: command.to_string(),
            contextcore_version: String::new(),
            started_at: String::new(),
            completed_at: String::new(),
            config_snapshot: Default::default(),
            inputs: Vec::with_capacity(n_in),
            outputs: Vec::with_capacity(n_out),
            policy_read: None,
            policy_cached: None,
        };
        for n in 0..n_in + n_out {
            let (side, role, fingerprint) = decode_file(lines.next()?)?;
            match (side, n < n_in) {
                ("i", true) => record.inputs.push(InputRecord { fingerprint, role }),
                ("o", false) => record.outputs.push(output(fingerprint, role)),
                _ => return None,
            }
        }
        record.policy_cached = match lines.next()?.strip_prefix("p\t")? {
            "-" => None,
            "=" => Some(super::CachedPolicyRead { from: None }),
            from => Some(super::CachedPolicyRead {
                from: Some(from.strip_prefix('+')?.to_string()),
            }),
        };
        entries.insert(crate::git::oid(id).ok()?, record);
    }
    Some(entries)
}

fn decode_file(line: &str) -> Option<(&str, String, Fingerprint)> {
    let f: Vec<&str> = line.splitn(6, '\t').collect();
    let [side, role, exists, blob, sha256, path] = f[..] else {
        return None;
    };
    let opt = |v: &str| -> Option<Option<String>> {
        match v {
            "-" => Some(None),
            _ => Some(Some(v.strip_prefix('+')?.to_string())),
        }
    };
    let exists = match exists {
        "0" => false,
        "1" => true,
        _ => return None,
    };
    Some((
        side,
        role.to_string(),
        Fingerprint {
            path: path.to_string(),
            exists,
            size: None,
            mtime: None,
            sha256: opt(sha256)?,
            git_blob: opt(blob)?,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> LineageRecord {
        let fp = |path: &str, blob: Option<&str>| Fingerprint {
            path: path.into(),
            exists: blob.is_some(),
            size: None,
            mtime: None,
            sha256: blob.map(|_| "ab".repeat(32)),
            git_blob: blob.map(str::to_string),
        };
        LineageRecord {
            run_id: "run-1".into(),
            workflow_or_command: "manifest export".into(),
            contextcore_version: String::new(),
            started_at: String::new(),
            completed_at: String::new(),
            config_snapshot: Default::default(),
            inputs: vec![InputRecord {
                fingerprint: fp("svc/.contextcore.yaml", Some("1234")),
                role: "manifest".into(),
            }],
            outputs: vec![
                output(
                    fp("svc/out/a b.yaml", Some("5678")),
                    "project_context".into(),
                ),
                output(fp("svc/out/gone.json", None), "report".into()),
            ],
            policy_cached: None,
            policy_read: Some(crate::policy::PolicyRead {
                from: Some("svc".into()),
                keys: [(
                    "scan_path_allowlist".to_string(),
                    serde_json::json!(["a\tb"]),
                )]
                .into_iter()
                .collect(),
            }),
        }
    }

    fn cache_of(r: LineageRecord) -> HashMap<ObjectId, LineageRecord> {
        HashMap::from([(ObjectId::from_hex(&"1".repeat(40)).unwrap(), r)])
    }

    #[test]
    fn record_holds_agrees_with_classify() {
        use super::super::view::BlobMap;
        let id = |c: char| ObjectId::from_hex(&c.to_string().repeat(40)).unwrap();
        let base = record();
        let mut variants = vec![base.clone()];
        let mut seed = base.clone();
        seed.workflow_or_command = "manifest init".into();
        variants.push(seed);
        let mut outside = base.clone();
        outside.inputs[0].fingerprint.path = format!("{}/x.yaml", crate::workspace::OUTSIDE);
        variants.push(outside);
        let mut seed_role = base.clone();
        seed_role.outputs[0].role = "manifest".into();
        variants.push(seed_role);
        let mut upper = base.clone();
        upper.outputs[0].fingerprint.git_blob = Some("A".repeat(40));
        variants.push(upper);
        let mut gone_but_exists = base.clone();
        gone_but_exists.outputs[1].fingerprint.exists = true;
        variants.push(gone_but_exists);
        for v in &mut variants {
            v.inputs[0].fingerprint.git_blob = Some("1".repeat(40));
            if v.outputs[0].fingerprint.git_blob.as_deref() == Some("5678") {
                v.outputs[0].fingerprint.git_blob = Some("a".repeat(40));
            }
        }
        let paths = [
            "svc/.contextcore.yaml",
            "svc/out/a b.yaml",
            "svc/out/gone.json",
        ];
        let choices = [None, Some(id('1')), Some(id('a')), Some(id('2'))];
        for r in &variants {
            let rf = RecordFile {
                path: "svc/out/run-provenance.json".into(),
                record: r.clone(),
            };
            for a in choices {
                for b in choices {
                    for c in choices {
                        let mut map = BlobMap::default();
                        for (p, v) in paths.iter().zip([a, b, c]) {
                            if let Some(v) = v {
                                map.blobs.insert(p.to_string(), v);
                            }
                        }
                        let expected = !super::super::classify(
                            std::slice::from_ref(&rf),
                            &map,
                            &globset::GlobSet::empty(),
                            &[],
                            &|_| None,
                        )
                        .iter()
                        .any(Finding::is_problem);
                        assert_eq!(
                            record_holds(&rf, &map),
                            expected,
                            "{r:?} with {a:?} {b:?} {c:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn claims_read_back_as_written() {
        let bytes = encode(&cache_of(record()));
        let back = decode(&bytes).expect("decodes");
        assert_eq!(encode(&back), bytes);
        let r = back.values().next().unwrap();
        assert_eq!(r.outputs[0].fingerprint.path, "svc/out/a b.yaml");
        assert_eq!(r.outputs[1].fingerprint.git_blob, None);
        assert!(!r.outputs[1].fingerprint.exists);
    }

    #[test]
    fn a_cache_changed_in_any_byte_is_not_trusted() {
        let bytes = encode(&cache_of(record()));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert!(decode(&bad).is_none(), "flipped byte {i} was trusted");
        }
        assert!(decode(&bytes[..bytes.len() - 1]).is_none());
        assert!(decode(b"").is_none());
        assert!(decode(&[0xff, 0x00, 0x13]).is_none());
    }

    #[test]
    fn a_cache_from_another_version_is_not_trusted() {
        let text = String::from_utf8(encode(&cache_of(record()))).unwrap();
        let body = text[..text.rfind(TRAILER).unwrap()]
            .replace(HEADER, "contextcore-claims 1 0.0.0-other");
        let forged = format!("{body}{TRAILER}{}\n", hex(&Sha256::digest(body.as_bytes())));
        assert!(decode(forged.as_bytes()).is_none());
    }

    #[test]
    fn fields_with_tabs_or_line_breaks_are_not_cached() {
        let mut r = record();
        assert!(cacheable(&r));
        r.outputs[0].fingerprint.path = "svc/out/a\tb".into();
        assert!(!cacheable(&r));
    }
}
