//! The text form of a lineage note (grammar v2): what `git log` shows under
//! `Notes (contextcore):`, short enough to read there, and still exact.
//!
//! ```text
//! contextcore lineage v2 · <commit id> · <N> run(s)
//! <command> run <run id, 12>: <record path> @<record blob, 12> (<I> input(s) → <O> output(s))
//!   in  <path> <blob, 7>, …
//!   out [<dir>/: ]<path> <blob, 7>, …
//! ```
//!
//! The `in`/`out` lines are written only when the commit has at most [`DETAILED_RUNS`] runs,
//! so a commit with ten runs shows eleven lines. A reader takes from the text only the commit
//! and each run's record path and blob id prefix ([`parse`]); everything else comes from the
//! record blob in the object store, and the note is accepted only when rendering what was
//! read gives back the note byte for byte ([`render`]). A line that says anything the record
//! does not is therefore refused, and full ids are always those of the objects.

use super::notes::{NoteFile, NotePayload, NoteRun};
use super::short;

/// The first words of every v2 note.
pub const HEADER: &str = "contextcore lineage v2";
/// The schema id of a note read from the v2 text (what `provenance show --json` prints).
pub const SCHEMA: &str = "contextcore.io/lineage-note/v2";
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
}

/// The note text of a payload.
pub fn render(note: &NotePayload) -> String {
    assemble(
        &note.commit,
        &note.runs.iter().map(block).collect::<Vec<_>>(),
    )
}

/// The note text of a commit's runs, in the order given.
pub fn assemble(commit: &str, blocks: &[Block]) -> String {
    let n = blocks.len();
    let mut text = format!("{HEADER} · {commit} · {}\n", count(n, "run"));
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

/// The lines of one run.
pub fn block(run: &NoteRun) -> Block {
    let blob_prefix = run
        .record_blob
        .get(..RECORD_ID_LEN)
        .unwrap_or(&run.record_blob)
        .to_string();
    Block {
        line: format!(
            "{} run {}: {} @{blob_prefix} ({} → {})",
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
            let blob = f
                .git_blob
                .as_deref()
                .map_or("-", |b| b.get(..7).unwrap_or(b));
            format!("{shown} {blob}")
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

/// The commit a v2 note claims and its runs' lines. The framing is exact (header count, the
/// `in`/`out` lines present exactly when the note is short, nothing else); whether each run's
/// lines say what its record says is for the reader to check with [`render`].
pub fn parse(text: &str) -> Result<(String, Vec<Block>), String> {
    let mut lines = text.split_terminator('\n');
    let header = lines.next().unwrap_or_default();
    let rest = header
        .strip_prefix(HEADER)
        .and_then(|r| r.strip_prefix(" · "))
        .ok_or("the first line is not a contextcore lineage v2 header")?;
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
            let run = run_ref(chunk[0]).ok_or_else(bad)?;
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
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if assemble(commit, &blocks) != text {
        return Err(format!(
            "the note's lines are not in the v2 layout (a header counting the runs, then {} line(s) per run)",
            if blocks.len() <= DETAILED_RUNS { 3 } else { 1 }
        ));
    }
    Ok((commit.to_string(), blocks))
}

fn run_ref(line: &str) -> Option<RunRef> {
    if line.starts_with(' ') {
        return None;
    }
    let (head, _counts) = line.strip_suffix(')')?.rsplit_once(" (")?;
    let (head, blob) = head.rsplit_once(" @")?;
    let (command_and_id, record) = head.split_once(": ")?;
    let (_, run_id) = command_and_id.rsplit_once(" run ")?;
    let hex = blob.len() == RECORD_ID_LEN
        && blob
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    hex.then(|| RunRef {
        record: record.to_string(),
        blob_prefix: blob.to_string(),
        run_id: run_id.to_string(),
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
            schema: SCHEMA.into(),
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
    fn other_text_is_refused() {
        for bad in [
            "",
            "{\"schema\": 1}",
            "contextcore lineage v3 · x · 1 run\n",
            "contextcore lineage v2 · nocount\n",
            "contextcore lineage v2 · c · 1 run\ngenerate run x: r @XYZ (1 input → 1 output)\n",
            "contextcore lineage v2 · c · 1 run\ngenerate run x r @bbbbbbbbbbbb (1 input → 1 output)\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
