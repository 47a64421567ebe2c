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
    /// The records the file holds, decoded only when one is loaded.
    stored: Stored,
    /// Records parsed this run, to be added to the file.
    added: HashMap<ObjectId, LineageRecord>,
    /// Entries this run looked up: the ones kept when the file is pruned.
    used: HashSet<ObjectId>,
    changed: bool,
    /// Records handed out lean (from the cache), by path, with their blob id.
    lean: HashMap<String, ObjectId>,
}

impl ClaimsCache {
    /// The repository's cache; empty when the file is missing or cannot be trusted.
    pub fn open(repo: &Repo) -> Self {
        Self::open_file(Self::file_of(repo))
    }

    /// Where the repository's cache file is.
    pub fn file_of(repo: &Repo) -> PathBuf {
        repo.commondir().join("contextcore").join("claims")
    }

    /// The cache in `file` (see [`ClaimsCache::file_of`]): what [`ClaimsCache::open`] reads,
    /// for a caller that reads it on another thread (a `Repo` stays on its own).
    pub fn open_file(file: PathBuf) -> Self {
        let stored = std::fs::read(&file)
            .ok()
            .and_then(Stored::of_file)
            .unwrap_or_default();
        Self {
            file: Some(file),
            stored,
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
        let cached = self.cached(id);
        self.load_with(repo, path, id, cached)
    }

    /// [`ClaimsCache::load`] with the cached claims already looked up.
    fn load_with(
        &mut self,
        repo: &Repo,
        path: &str,
        id: ObjectId,
        cached: Option<LineageRecord>,
    ) -> Result<std::result::Result<RecordFile, Finding>> {
        self.used.insert(id);
        if let Some(record) = cached {
            self.lean.insert(path.to_string(), id);
            return Ok(Ok(RecordFile {
                path: path.to_string(),
                record,
            }));
        }
        // A stored entry that did not decode is dropped (and the file rewritten).
        if self.stored.blocks.remove(&id).is_some() {
            self.changed = true;
        }
        // The one record reader decides what a record is (and what it must not be): only what
        // it accepts is cached.
        let (mut parsed, mut broken) = load_records(repo, std::iter::once((path, id)))?;
        self.lean.remove(path);
        match (parsed.pop(), broken.pop()) {
            (Some(rf), None) => {
                if cacheable(&rf.record) {
                    self.added.insert(id, lean(&rf.record));
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
        // Cached claims are decoded on all cores (a thousand records' are a few milliseconds).
        let cached = crate::parallel::in_parts(&found, 128, |part| {
            part.iter()
                .map(|&(_, id)| self.cached(id))
                .collect::<Vec<_>>()
        });
        for ((path, id), cached) in found.into_iter().zip(cached.into_iter().flatten()) {
            match self.load_with(repo, path, id, cached)? {
                Ok(record) => records.add_file(record),
                Err(finding) => records.broken.push(finding),
            }
        }
        Ok((records.valid, records.broken))
    }

    /// The cached claims of the record with blob `id`, if any (and if its entry decodes).
    fn cached(&self, id: ObjectId) -> Option<LineageRecord> {
        if let Some(record) = self.added.get(&id) {
            return Some(record.clone());
        }
        decode_block(&self.stored.text[self.stored.blocks.get(&id)?.clone()])
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
        if self.stored.blocks.len() + self.added.len() > 2 * self.used.len() + 256 {
            self.stored.blocks.retain(|id, _| self.used.contains(id));
            self.added.retain(|id, _| self.used.contains(id));
        }
        if let Some(dir) = file.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let _ = crate::fsio::write_atomic(
                file,
                &encode(&self.stored, &self.added),
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
/// file (`i`/`o`, role, exists, blob, sha256, path; `-` for none, `+value` otherwise) and one
/// for its policy reads (`p`), then the trailer. Sorted by blob id, so equal caches are equal
/// bytes. Stored entries are copied as they were read; added ones are printed.
fn encode(stored: &Stored, added: &HashMap<ObjectId, LineageRecord>) -> Vec<u8> {
    let mut ids: Vec<&ObjectId> = stored.blocks.keys().chain(added.keys()).collect();
    ids.sort();
    ids.dedup();
    let mut out = format!("{HEADER}\n");
    for id in ids {
        match added.get(id) {
            Some(r) => encode_record(&mut out, id, r),
            None => out.push_str(&stored.text[stored.blocks[id].clone()]),
        }
    }
    let digest = hex(&Sha256::digest(out.as_bytes()));
    out.push_str(TRAILER);
    out.push_str(&digest);
    out.push('\n');
    out.into_bytes()
}

/// One record's lines (see [`encode`]).
fn encode_record(out: &mut String, id: &ObjectId, r: &LineageRecord) {
    use std::fmt::Write;
    let opt = |v: &Option<String>| v.as_ref().map_or("-".to_string(), |s| format!("+{s}"));
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

/// A cache file's body (its digest and header checked) and where each record's lines are in
/// it. A record is decoded when it is loaded: the hook reads a thousand records' claims, and
/// decoding them all up front, then copying each one out, was a third of its time.
#[derive(Debug, Default)]
struct Stored {
    text: String,
    blocks: HashMap<ObjectId, std::ops::Range<usize>>,
}

impl Stored {
    /// The entries of a cache file, or `None` if anything about its frame is off: the digest,
    /// the header, a record's line counts.
    fn of_file(bytes: Vec<u8>) -> Option<Self> {
        let mut text = String::from_utf8(bytes).ok()?;
        let cut = text.strip_suffix('\n')?.rfind('\n')? + 1;
        let digest = text[cut..].strip_prefix(TRAILER)?.strip_suffix('\n')?;
        if hex(&Sha256::digest(&text.as_bytes()[..cut])) != digest {
            return None;
        }
        text.truncate(cut);
        let body = text.as_str();
        let line_end = |from: usize| body.get(from..)?.find('\n').map(|n| from + n + 1);
        let first = line_end(0)?;
        if &body[..first - 1] != HEADER {
            return None;
        }
        let mut blocks = HashMap::new();
        let mut at = first;
        while at < body.len() {
            let head = line_end(at)?;
            let mut f = body[at..head - 1].split('\t');
            let (kind, id) = (f.next()?, f.next()?);
            let (n_in, n_out) = (f.nth(2)?, f.next()?);
            if kind != "r" {
                return None;
            }
            let lines = n_in
                .parse::<usize>()
                .ok()?
                .checked_add(n_out.parse().ok()?)?
                .checked_add(1)?;
            let mut end = head;
            for _ in 0..lines {
                end = line_end(end)?;
            }
            blocks.insert(crate::git::oid(id).ok()?, at..end);
            at = end;
        }
        Some(Self { text, blocks })
    }
}

/// The record one entry's lines (see [`encode_record`]) hold, or `None` if any is off.
fn decode_block(block: &str) -> Option<LineageRecord> {
    let mut lines = block.lines();
    let f: Vec<&str> = lines.next()?.split('\t').collect();
    let [kind, _id, run_id, command, n_in, n_out] = f[..] else {
        return None;
    };
    if kind != "r" {
        return None;
    }
    let (n_in, n_out): (usize, usize) = (n_in.parse().ok()?, n_out.parse().ok()?);
    // The counts must be the block's lines (a corrupt count allocates nothing).
    if n_in.checked_add(n_out)?.checked_add(2)? != block.lines().count() {
        return None;
    }
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
    lines.next().is_none().then_some(record)
}

fn decode_file(line: &str) -> Option<(&str, String, Fingerprint)> {
    let mut f = line.splitn(6, '\t');
    let (side, role, exists) = (f.next()?, f.next()?, f.next()?);
    let (blob, sha256, path) = (f.next()?, f.next()?, f.next()?);
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

    fn encoded(r: LineageRecord) -> Vec<u8> {
        let added = HashMap::from([(ObjectId::from_hex(&"1".repeat(40)).unwrap(), r)]);
        encode(&Stored::default(), &added)
    }

    /// Every entry of a cache file decoded, or `None` if the file or any entry is off.
    fn decode(bytes: &[u8]) -> Option<HashMap<ObjectId, LineageRecord>> {
        let stored = Stored::of_file(bytes.to_vec())?;
        stored
            .blocks
            .iter()
            .map(|(id, block)| Some((*id, decode_block(&stored.text[block.clone()])?)))
            .collect()
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
        let bytes = encoded(record());
        let back = decode(&bytes).expect("decodes");
        assert_eq!(encode(&Stored::default(), &back), bytes);
        let stored = Stored::of_file(bytes.clone()).unwrap();
        assert_eq!(
            encode(&stored, &HashMap::new()),
            bytes,
            "stored entries are copied"
        );
        let r = back.values().next().unwrap();
        assert_eq!(r.outputs[0].fingerprint.path, "svc/out/a b.yaml");
        assert_eq!(r.outputs[1].fingerprint.git_blob, None);
        assert!(!r.outputs[1].fingerprint.exists);
    }

    #[test]
    fn a_cache_changed_in_any_byte_is_not_trusted() {
        let bytes = encoded(record());
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
        let text = String::from_utf8(encoded(record())).unwrap();
        let body = text[..text.rfind(TRAILER).unwrap()]
            .replace(HEADER, "contextcore-claims 1 0.0.0-other");
        let forged = format!("{body}{TRAILER}{}\n", hex(&Sha256::digest(body.as_bytes())));
        assert!(decode(forged.as_bytes()).is_none());
    }

    #[test]
    fn a_stored_entry_that_does_not_decode_is_not_handed_out() {
        // A frame that checks (digest, header, line counts) around an entry with a bad field,
        // as a writer with a bug would leave it.
        let text = String::from_utf8(encoded(record())).unwrap();
        let body = text[..text.rfind(TRAILER).unwrap()].replacen("\t1\t+", "\t7\t+", 1);
        let signed = format!("{body}{TRAILER}{}\n", hex(&Sha256::digest(body.as_bytes())));
        let stored = Stored::of_file(signed.into_bytes()).expect("the frame checks");
        let id = ObjectId::from_hex(&"1".repeat(40)).unwrap();
        assert!(stored.blocks.contains_key(&id));
        let cache = ClaimsCache {
            stored,
            ..ClaimsCache::default()
        };
        assert!(cache.cached(id).is_none(), "a bad entry is parsed again");
        // Line counts that run past the body make the whole file untrusted.
        let short = text[..text.rfind(TRAILER).unwrap()].replacen("\t1\t2\n", "\t1\t9\n", 1);
        let signed = format!(
            "{short}{TRAILER}{}\n",
            hex(&Sha256::digest(short.as_bytes()))
        );
        assert!(Stored::of_file(signed.into_bytes()).is_none());
    }

    #[test]
    fn fields_with_tabs_or_line_breaks_are_not_cached() {
        let mut r = record();
        assert!(cacheable(&r));
        r.outputs[0].fingerprint.path = "svc/out/a\tb".into();
        assert!(!cacheable(&r));
    }
}
