"""Invalid variants of the differential corpus for validation parity (tests/validation_parity.rs):
one mistake a team makes, per case, in the case's own manifest, written to
tests/corpus/validation/invalid/diff-<case>-<mistake>.yaml with its `# expect:` line.

A variant is kept only when the earlier implementation refuses it (`manifest validate` exits
non-zero) and ours reports one error on the mutated line; the expected LINE:COL KEY is ours,
checked to point at the mutated value. Needs the earlier tool and our binary:

  python3 tests/differential/make_invalid.py --earlier /tmp/ccvenv/bin/contextcore \
      --ours target/release/contextcore
"""
import argparse, os, re, subprocess, tempfile

here = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(here, "cases")
OUT = os.path.join(here, "..", "corpus", "validation", "invalid")

# (name, what is wrong, line pattern, replacement of the value): the first matching line of the
# manifest is mutated. Tried in turn from the case's number, so cases get different mistakes.
MISTAKES = [
    ("criticality-blocker", "criticality 'blocker' is not a criticality",
     r"^(\s*criticality: ).*$", r"\1blocker"),
    ("risk-type-outage", "risk type 'outage' is not one of the six",
     r"^(\s*-?\s*type: )(security|compliance|data-integrity|availability|financial|reputational)$", r"\1outage"),
    ("availability-words", "availability must be a percentage",
     r"^(\s*availability: ).*$", r"\1'four nines'"),
    ("business-value-huge", "business value is not one of the six",
     r"^(\s*value: )(revenue-primary|revenue-secondary|cost-reduction|compliance|enabler|internal)$", r"\1huge"),
    ("latency-no-unit", "latency needs a unit",
     r"^(\s*latencyP99: ).*$", r"\1'250'"),
    ("tactic-status-started", "tactic status 'started' is not a status",
     r"^(\s*status: )(planned|in_progress|in_review|done|blocked|cancelled)$", r"\1started"),
    ("metrics-interval-text", "metrics interval is not a duration",
     r"^(\s*metricsInterval: ).*$", r"\1often"),
    ("confidence-percent", "insight confidence is over 1",
     r"^(\s*confidence: ).*$", r"\g<1>95"),
    ("log-level-loud", "log level is not one of the levels",
     r"^(\s*logLevel: ).*$", r"\1loud"),
    ("question-status-closed", "question status 'closed' is not a status",
     r"^(\s*status: )(open|answered|deferred)$", r"\1closed"),
    ("constraint-severity-fatal", "constraint severity 'fatal' is not a severity",
     r"^(\s*severity: )(blocking|warning|advisory)$", r"\1fatal"),
    ("error-budget-text", "error budget must be a percentage",
     r"^(\s*errorBudget: ).*$", r"\1'a little'"),
]


def mutate(text, pattern, repl):
    lines = text.split("\n")
    rx = re.compile(pattern)
    for i, line in enumerate(lines):
        if rx.match(line):
            lines[i] = rx.sub(repl, line)
            return "\n".join(lines), i + 1
    return None, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--earlier", required=True)
    ap.add_argument("--ours", required=True)
    a = ap.parse_args()
    a.ours = os.path.abspath(a.ours)
    for f in os.listdir(OUT):
        if f.startswith("diff-"):
            os.remove(os.path.join(OUT, f))
    kept = 0
    for n, case in enumerate(sorted(os.listdir(CASES))):
        text = open(os.path.join(CASES, case, ".contextcore.yaml")).read()
        for k in range(len(MISTAKES)):
            name, why, pattern, repl = MISTAKES[(n + k) % len(MISTAKES)]
            body, line = mutate(text, pattern, repl)
            if body is None:
                continue
            header = f"# invalid: {why} (differential case {case})\n"
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "m.yaml")
                open(path, "w").write(header + "# expect: ?\n" + body)
                earlier = subprocess.run([a.earlier, "manifest", "validate", "-p", path],
                                         capture_output=True, text=True)
                if earlier.returncode == 0:
                    continue  # the earlier model accepts it: not a parity case
                ours = subprocess.run([a.ours, "manifest", "validate", "-p", "m.yaml"], cwd=d,
                                      capture_output=True, text=True)
            errors = [l for l in ours.stderr.splitlines() if ": error: " in l]
            m = re.match(r"m\.yaml:(\d+):(\d+): error: (\S+)", errors[0]) if len(errors) == 1 else None
            if ours.returncode != 2 or not m or int(m.group(1)) != line + 2:
                print(f"{case} {name}: earlier refuses, ours says {ours.returncode}:\n{ours.stderr}")
                continue
            key = m.group(3).rstrip(":")
            out = f"diff-{case[:2]}-{name}.yaml"
            open(os.path.join(OUT, out), "w").write(
                header + f"# expect: {m.group(1)}:{m.group(2)} {key}\n" + body)
            kept += 1
            break
    print(f"{kept} invalid variants written")


if __name__ == "__main__":
    main()
