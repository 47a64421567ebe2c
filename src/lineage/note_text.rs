//! The text form of a lineage note (grammar v3, `docs/schemas/lineage-note-v3.md`): what `git
//! log` shows under `Notes (contextcore):`, short enough to read there, and still exact.
//!
//! ```text
//! contextcore lineage v3 · <commit id> · <N> run(s)
//! <command> run <run id, 12>: <record path> @<record blob, 12> ← <path> <blob, 7>, … [+K more] (<I> input(s) → <O> output(s))
//!   in  <path> <blob, 7>, …
//!   out [<dir>/: ]<path> <blob, 7>, …
//! ```
//!
//! Every run line names what the run read (at most [`INPUTS_ON_RUN_LINE`] inputs, then
//! `+K more`), whatever the number of runs; the `in`/`out` lines are written only when the
//! commit has at most [`DETAILED_RUNS`] runs, so a commit with ten runs shows eleven lines.
//! Notes of v2 (the same without `← …` on the run line) are still read and checked against
//! their own rendering; new notes are v3. A reader takes from the text only the commit
//! and each run's record path and blob id prefix ([`parse`]); everything else comes from the
//! record blob in the object store, and the note is accepted only when rendering what was
//! read gives back the note byte for byte ([`render`]). A line that says anything the record
//! does not is therefore refused, and full ids are always those of the objects.

use super::notes::{NoteFile, NotePayload, NoteRun};
use super::short;

/// A version of the text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V2,
    V3,
}

impl Version {
    /// The first words of every note of this version.
    pub fn header(self) -> &'static str {
        match self {
            Version::V2 => "contextcore lineage v2",
            Version::V3 => "contextcore lineage v3",
        }
    }

    /// The schema id of a note read from this text (what `provenance show --json` prints).
    pub fn schema(self) -> &'static str {
        match self {
            Version::V2 => "contextcore.io/lineage-note/v2",
            Version::V3 => "contextcore.io/lineage-note/v3",
        }
    }

    /// The version a payload's schema names, if it names a text version.
    pub fn of_schema(schema: &str) -> Option<Self> {
        [Version::V2, Version::V3]
            .into_iter()
            .find(|v| v.schema() == schema)
    }
}

/// The version notes are written in.
pub const CURRENT: Version = Version::V3;
/// The schema id of notes written now.
pub const SCHEMA: &str = "contextcore.io/lineage-note/v3";
/// Inputs named on a v3 run line before `+K more`.
pub const INPUTS_ON_RUN_LINE: usize = 3;
/// Commits with at most this many runs list each run's files.
pub const DETAILED_RUNS: usize = 3;
/// Hex digits of the record blob id on a run line: enough to find it, short enough to read.
pub const RECORD_ID_LEN: usize = 12;

/// A run as the text names it: the record and a prefix of its blob id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunRef {
    pub record: String,
    pub blob_prefix: String,
    /// The run id as the line shows it (its first 12 characters).
    pub run_id: String,
}

/// One run's lines: the run line, and its `in`/`out` lines (written when the note is short).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub run: RunRef,
    pub line: String,
    pub details: [String; 2],
    pub version: Version,
}

/// The note text of a payload, in the version its schema names (notes written now: v3).
pub fn render(note: &NotePayload) -> String {
    let version = Version::of_schema(&note.schema).unwrap_or(CURRENT);
    let blocks: Vec<Block> = note.runs.iter().map(|r| block_as(r, version)).collect();
    assemble_as(&note.commit, &blocks, version)
}

/// The note text of a commit's runs, in the order given, in the version of the blocks.
pub fn assemble(commit: &str, blocks: &[Block]) -> String {
    let version = blocks.first().map_or(CURRENT, |b| b.version);
    assemble_as(commit, blocks, version)
}

fn assemble_as(commit: &str, blocks: &[Block], version: Version) -> String {
    let n = blocks.len();
    let mut text = format!("{} · {commit} · {}\n", version.header(), count(n, "run"));
    for b in blocks {
        text.push_str(&b.line);
        text.push('\n');
        if n <= DETAILED_RUNS {
            for d in &b.details {
                text.push_str(d);
                text.push('\n');
            }
        }
    }
    text
}

/// The lines of one run, as notes are written now.
pub fn block(run: &NoteRun) -> Block {
    block_as(run, CURRENT)
}

/// The lines of one run in a given version.
pub fn block_as(run: &NoteRun, version: Version) -> Block {
    let blob_prefix = run
        .record_blob
        .get(..RECORD_ID_LEN)
        .unwrap_or(&run.record_blob)
        .to_string();
    let read = match version {
        Version::V2 => String::new(),
        Version::V3 => format!(" ← {}", inputs_summary(&run.inputs)),
    };
    Block {
        version,
        line: format!(
            "{} run {}: {} @{blob_prefix}{read} ({} → {})",
            run.workflow_or_command,
            short(&run.run_id),
            run.record,
            count(run.inputs.len(), "input"),
            count(run.outputs.len(), "output"),
        ),
        details: [
            format!("  in  {}", file_list(run, &run.inputs, false)),
            format!("  out {}", file_list(run, &run.outputs, true)),
        ],
        run: RunRef {
            record: run.record.clone(),
            blob_prefix,
            run_id: short(&run.run_id).to_string(),
        },
    }
}

/// The first [`INPUTS_ON_RUN_LINE`] inputs as `path blob7`, then `+K more`; `none`.
fn inputs_summary(inputs: &[NoteFile]) -> String {
    if inputs.is_empty() {
        return "none".into();
    }
    let mut parts: Vec<String> = inputs
        .iter()
        .take(INPUTS_ON_RUN_LINE)
        .map(|f| format!("{} {}", f.path, blob7(f)))
        .collect();
    if inputs.len() > INPUTS_ON_RUN_LINE {
        parts.push(format!("+{} more", inputs.len() - INPUTS_ON_RUN_LINE));
    }
    parts.join(", ")
}

fn blob7(f: &NoteFile) -> &str {
    f.git_blob
        .as_deref()
        .map_or("-", |b| b.get(..7).unwrap_or(b))
}

/// `path blob7, …`; outputs all beside the record are named from its directory (`dir/: a, b`).
fn file_list(run: &NoteRun, files: &[NoteFile], outputs: bool) -> String {
    if files.is_empty() {
        return "none".into();
    }
    let dir = run.record.rsplit_once('/').map(|(d, _)| d);
    let beside = |p: &'_ str| -> Option<String> {
        let d = dir?;
        let name = p.strip_prefix(d)?.strip_prefix('/')?;
        (!name.contains('/')).then(|| name.to_string())
    };
    let all_beside = outputs && dir.is_some() && files.iter().all(|f| beside(&f.path).is_some());
    let list = files
        .iter()
        .map(|f| {
            let shown = if all_beside {
                beside(&f.path).unwrap_or_default()
            } else {
                f.path.clone()
            };
            format!("{shown} {}", blob7(f))
        })
        .collect::<Vec<_>>()
        .join(", ");
    match dir {
        Some(d) if all_beside => format!("{d}/: {list}"),
        _ => list,
    }
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The commit a v2 or v3 note claims and its runs' lines. The framing is exact (header count,
/// the `in`/`out` lines present exactly when the note is short, nothing else); whether each
/// run's lines say what its record says is for the reader to check with [`render`].
pub fn parse(text: &str) -> Result<(String, Vec<Block>), String> {
    let mut lines = text.split_terminator('\n');
    let header = lines.next().unwrap_or_default();
    let (version, rest) = [Version::V3, Version::V2]
        .into_iter()
        .find_map(|v| {
            header
                .strip_prefix(v.header())
                .and_then(|r| r.strip_prefix(" · "))
                .map(|r| (v, r))
        })
        .ok_or("the first line is not a contextcore lineage v2 or v3 header")?;
    let (commit, _) = rest
        .split_once(" · ")
        .ok_or("the header does not name a commit and a run count")?;
    let lines: Vec<&str> = lines.collect();
    let detailed = lines.get(1).is_some_and(|l| l.starts_with(' '));
    let per_run = if detailed { 3 } else { 1 };
    let blocks = lines
        .chunks(per_run)
        .enumerate()
        .map(|(i, chunk)| {
            let bad = || {
                format!(
                    "run {} is not `<command> run <id>: <record> @<blob> (…)`",
                    i + 1
                )
            };
            let run = run_ref(chunk[0], version).ok_or_else(bad)?;
            let details = match chunk {
                [_, i, o] if i.starts_with("  in  ") && o.starts_with("  out ") => {
                    [i.to_string(), o.to_string()]
                }
                [_] => Default::default(),
                _ => return Err(bad()),
            };
            Ok(Block {
                run,
                line: chunk[0].to_string(),
                details,
                version,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if assemble_as(commit, &blocks, version) != text {
        return Err(format!(
            "the note's lines are not in the layout of its version (a header counting the runs, then {} line(s) per run)",
            if blocks.len() <= DETAILED_RUNS { 3 } else { 1 }
        ));
    }
    Ok((commit.to_string(), blocks))
}

/// The record and blob prefix a run line names: the record path runs from after the run id's
/// `: ` to the first ` @` followed by 12 hex digits and then ` (` (v2) or ` ← ` (v3). Paths
/// holding the grammar's separators still parse; the reader's byte-for-byte comparison with
/// the rendering decides the rest.
fn run_ref(line: &str, version: Version) -> Option<RunRef> {
    if line.starts_with(' ') || !line.ends_with(')') {
        return None;
    }
    let (command_and_id, rest) = line.split_once(": ")?;
    let (_, run_id) = command_and_id.rsplit_once(" run ")?;
    let next = match version {
        Version::V2 => " (",
        Version::V3 => " ← ",
    };
    rest.match_indices(" @").find_map(|(at, _)| {
        let blob = rest.get(at + 2..at + 2 + RECORD_ID_LEN)?;
        let hex = blob
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let follows = rest.get(at + 2 + RECORD_ID_LEN..)?.starts_with(next);
        (hex && follows).then(|| RunRef {
            record: rest[..at].to_string(),
            blob_prefix: blob.to_string(),
            run_id: run_id.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, blob: &str) -> NoteFile {
        NoteFile {
            path: path.into(),
            role: "x".into(),
            sha256: None,
            git_blob: Some(blob.repeat(40)),
        }
    }

    fn run(record: &str, outputs: Vec<NoteFile>) -> NoteRun {
        NoteRun {
            record: record.into(),
            record_blob: "b".repeat(40),
            run_id: "84860c84-e2ae-473d-8a70-3561656a1b0f".into(),
            workflow_or_command: "manifest export".into(),
            started_at: String::new(),
            completed_at: String::new(),
            inputs: vec![file(".contextcore.yaml", "1")],
            outputs,
        }
    }

    fn note(runs: Vec<NoteRun>) -> NotePayload {
        NotePayload {
            schema: Version::V2.schema().into(),
            commit: "c".repeat(40),
            runs,
        }
    }

    #[test]
    fn a_small_commit_lists_files_and_outputs_beside_their_record() {
        let text = render(&note(vec![run(
            "svc a/out/run-provenance.json",
            vec![file("svc a/out/x.yaml", "2"), file("svc a/out/y.json", "3")],
        )]));
        assert_eq!(
            text,
            format!(
                "contextcore lineage v2 · {} · 1 run\n\
                 manifest export run 84860c84-e2a: svc a/out/run-provenance.json @bbbbbbbbbbbb (1 input → 2 outputs)\n  \
                 in  .contextcore.yaml 1111111\n  \
                 out svc a/out/: x.yaml 2222222, y.json 3333333\n",
                "c".repeat(40)
            )
        );
        let (commit, blocks) = parse(&text).unwrap();
        assert_eq!(commit, "c".repeat(40));
        assert_eq!(
            blocks.iter().map(|b| b.run.clone()).collect::<Vec<_>>(),
            vec![RunRef {
                record: "svc a/out/run-provenance.json".into(),
                blob_prefix: "b".repeat(12),
                run_id: "84860c84-e2a".into(),
            }]
        );
        assert_eq!(assemble(&commit, &blocks), text);
    }

    #[test]
    fn ten_runs_take_eleven_lines() {
        let runs = (0..10)
            .map(|i| {
                run(
                    &format!("s{i}/run-provenance.json"),
                    vec![file("elsewhere/x", "2")],
                )
            })
            .collect();
        let text = render(&note(runs));
        assert_eq!(text.lines().count(), 11);
        assert_eq!(parse(&text).unwrap().1.len(), 10);
    }

    #[test]
    fn outputs_not_all_beside_the_record_keep_their_paths() {
        let text = render(&note(vec![run(
            "out/run-provenance.json",
            vec![file("out/x.yaml", "2"), file("gen/y.json", "3")],
        )]));
        assert!(
            text.contains("  out out/x.yaml 2222222, gen/y.json 3333333\n"),
            "{text}"
        );
    }

    #[test]
    fn paths_with_separators_of_the_grammar_still_parse() {
        let record = "a: b (c) @d/run-provenance.json";
        let text = render(&note(vec![run(record, vec![])]));
        assert_eq!(parse(&text).unwrap().1[0].run.record, record);
    }

    #[test]
    fn v3_names_what_each_run_read_on_its_line_whatever_the_number_of_runs() {
        let mut many = run("out/run-provenance.json", vec![file("out/x.yaml", "2")]);
        many.inputs = (0..5).map(|i| file(&format!("in/{i}.yaml"), "4")).collect();
        let mut payload = note(vec![many]);
        payload.schema = SCHEMA.into();
        let text = render(&payload);
        let line = text.lines().nth(1).unwrap();
        assert_eq!(
            line,
            "manifest export run 84860c84-e2a: out/run-provenance.json @bbbbbbbbbbbb ← in/0.yaml 4444444, in/1.yaml 4444444, in/2.yaml 4444444, +2 more (5 inputs → 1 output)"
        );
        let (_, blocks) = parse(&text).unwrap();
        assert_eq!(blocks[0].version, Version::V3);
        assert_eq!(assemble(&"c".repeat(40), &blocks), text);
        let runs: Vec<NoteRun> = (0..10)
            .map(|i| run(&format!("s{i}/run-provenance.json"), vec![]))
            .collect();
        let mut payload = note(runs);
        payload.schema = SCHEMA.into();
        let text = render(&payload);
        assert_eq!(text.lines().count(), 11);
        assert!(
            text.lines()
                .skip(1)
                .all(|l| l.contains("← .contextcore.yaml 1111111")),
            "{text}"
        );
    }

    #[test]
    fn other_text_is_refused() {
        for bad in [
            "",
            "{\"schema\": 1}",
            "contextcore lineage v4 · x · 1 run\n",
            "contextcore lineage v3 · c · 1 run\ngenerate run x: r @bbbbbbbbbbbb (1 input → 1 output)\n",
            "contextcore lineage v2 · nocount\n",
            "contextcore lineage v2 · c · 1 run\ngenerate run x: r @XYZ (1 input → 1 output)\n",
            "contextcore lineage v2 · c · 1 run\ngenerate run x r @bbbbbbbbbbbb (1 input → 1 output)\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
