//! The order runs are replayed in: a run that reads another run's output comes after it.
//! Pure: records in, indices out; no file is read.

use std::collections::{BTreeMap, BTreeSet};

use super::RecordFile;

/// The runs to replay: every wanted run and every run downstream of one (reading, directly or
/// not, an output of a wanted run — it goes stale when that output changes), each after the
/// runs whose outputs it reads, ties in record order. `Err` holds the runs that cannot be
/// ordered because they read each other's outputs (a cycle), and those after them.
pub fn plan(records: &[RecordFile], wanted: &[usize]) -> Result<Vec<usize>, Vec<usize>> {
    let mut producer: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, rf) in records.iter().enumerate() {
        for o in &rf.record.outputs {
            producer.insert(o.fingerprint.path.as_str(), i);
        }
    }
    // upstream[j]: the runs whose outputs run j reads.
    let upstream: Vec<BTreeSet<usize>> = records
        .iter()
        .enumerate()
        .map(|(j, rf)| {
            rf.record
                .inputs
                .iter()
                .filter_map(|i| producer.get(i.fingerprint.path.as_str()).copied())
                .filter(|&i| i != j)
                .collect()
        })
        .collect();
    let mut chosen: BTreeSet<usize> = wanted.iter().copied().collect();
    loop {
        let more: Vec<usize> = (0..records.len())
            .filter(|j| !chosen.contains(j) && upstream[*j].iter().any(|i| chosen.contains(i)))
            .filter(|j| {
                !super::SEED_COMMANDS.contains(&records[*j].record.workflow_or_command.as_str())
            })
            .collect();
        if more.is_empty() {
            break;
        }
        chosen.extend(more);
    }
    let mut order = Vec::with_capacity(chosen.len());
    let mut done: BTreeSet<usize> = BTreeSet::new();
    loop {
        let ready: Vec<usize> = chosen
            .iter()
            .copied()
            .filter(|j| !done.contains(j))
            .filter(|j| {
                upstream[*j]
                    .iter()
                    .all(|i| !chosen.contains(i) || done.contains(i))
            })
            .collect();
        let Some(&next) = ready.first() else {
            break;
        };
        done.insert(next);
        order.push(next);
    }
    if order.len() == chosen.len() {
        Ok(order)
    } else {
        Err(chosen.difference(&done).copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::plan;
    use crate::lineage::{LineageRecord, RecordFile};

    fn record(path: &str, command: &str, inputs: &[&str], outputs: &[&str]) -> RecordFile {
        let file = |p: &&str| serde_json::json!({"path": p, "exists": true, "size": 1, "mtime": null, "sha256": null, "git_blob": null, "role": "x", "action": "created", "backup": null});
        let json = serde_json::json!({
            "run_id": path, "workflow_or_command": command,
            "inputs": inputs.iter().map(file).collect::<Vec<_>>(),
            "outputs": outputs.iter().map(file).collect::<Vec<_>>(),
        });
        let record: LineageRecord = serde_json::from_value(json).expect("record");
        RecordFile {
            path: path.into(),
            record,
        }
    }

    #[test]
    fn a_run_reading_another_runs_output_comes_after_it_and_is_pulled_in() {
        let records = [
            record(
                "generated/r.json",
                "generate",
                &["out/ctx.yaml"],
                &["generated/sm.yaml"],
            ),
            record(
                "out/r.json",
                "manifest export",
                &["m.yaml"],
                &["out/ctx.yaml"],
            ),
        ];
        assert_eq!(plan(&records, &[1]), Ok(vec![1, 0]));
        assert_eq!(plan(&records, &[0]), Ok(vec![0]));
    }

    #[test]
    fn runs_reading_each_others_outputs_are_a_cycle() {
        let records = [
            record("a/r.json", "manifest export", &["b/x"], &["a/x"]),
            record("b/r.json", "generate", &["a/x"], &["b/x"]),
        ];
        assert_eq!(plan(&records, &[0]), Err(vec![0, 1]));
    }
}
