"""Differential test of `manifest export` against the earlier implementation (the oracle).

For each case of tests/differential/cases: export with both tools, then compare every output
file the earlier tool wrote — key paths (every earlier path must exist in ours), values after
normalising only the fixed set below, and the earlier Gate 1 / Gate 2 verdicts run on both
outputs (a check that passes on the earlier output must pass on ours). Writes a summary to
stdout, a Markdown report (--report), and with --expect writes per case the data CI checks
(tests/differential/expected/<case>.json: key paths, normalised values, gate verdicts).

Usage:
  python3 tests/differential/compare.py --earlier /path/to/earlier/contextcore \
      --ours target/release/contextcore [--report FILE] [--expect] [CASE...]

Normalised (and nothing else): ISO times and dates of the run, UUID run ids, sha256 and git
blob hex digests, the absolute path of the case's directory, durations, the earlier tool's
version string and the files the run itself produced (the run record, provenance.json), which
are ours by design (docs/CONTRACT.md).
"""
import argparse, fnmatch, json, os, re, shutil, subprocess, sys, tempfile

import yaml

here = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(here, "cases")
EXPECTED = os.path.join(here, "expected")

# Parents whose keys are data (ids, names, paths), not contract: shown as `*`.
WILD = {
    "file_ownership", "design_calibration_hints", "parameter_resolvability",
    "parameter_resolvability.*", "resolved_artifact_parameters", "resolved_artifact_parameters.*",
    "artifact_dependency_graph", "artifact_task_mapping", "service_metadata",
    "instrumentation_hints", "coverage.byType", "coverage.byTarget", "derivation_rules",
    "expected_output_contracts", "artifact_types", "artifact_types.*.parameter_sources",
    "parameter_sources", "parameter_sources.*", "example_artifacts", "output_path_conventions",
    "parameter_schema", "projectContext.links", "artifacts[].parameters",
    "semantic_conventions.metrics", "semanticConventions.metrics",
    "semantic_conventions.queryTemplates", "semanticConventions.queryTemplates",
    "instrumentation_hints.*.metrics", "checksums", "source_checksums", "metadata.links",
    "spec.metadata.links", "requirements_hints", "task_mapping",
}
# Files that are records of the run, not derived documents: compared by key paths only.
RUN_FILES = {"run-provenance.json", "provenance.json"}

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?")
HEX = re.compile(r"\b(sha256:)?[0-9a-f]{40}([0-9a-f]{24})?\b")


def load(path):
    text = open(path, encoding="utf-8").read()
    if path.endswith(".json"):
        return json.loads(text)
    return plain(yaml.safe_load(text))


def plain(value):
    """YAML times and dates as the ISO strings a JSON reader sees (so they normalise alike)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def generic(path, key, is_list):
    if is_list:
        return f"{path}[]"
    k = "*" if path in WILD else key
    return f"{path}.{k}" if path else k


def walk(value, gpath, lpath, out):
    """Flattens into {literal path: (generic path, leaf value)}; containers included."""
    if isinstance(value, dict):
        out[lpath] = (gpath, "{}" if not value else None)
        for k, v in value.items():
            walk(v, generic(gpath, k, False), f"{lpath}.{k}" if lpath else k, out)
    elif isinstance(value, list):
        out[lpath] = (gpath, "[]" if not value else None)
        if value and all(isinstance(v, (str, int, float)) for v in value):
            # A list of plain values is compared as a set (its order is not contract).
            out[lpath] = (gpath, sorted(value, key=str))
            out[f"{lpath}[]"] = (generic(gpath, None, True), None)
            return
        for i, v in enumerate(value):
            walk(v, generic(gpath, None, True), f"{lpath}[{item_key(v, i)}]", out)
    else:
        out[lpath] = (gpath, value)


IDENTITY = ("id", "gate_id", "artifact_id", "code", "name", "target", "type", "path")


def item_key(v, i):
    """A list item's identity for comparing lists whose order differs: its id (and, for a
    parameter entry, the parameter), else its position."""
    if isinstance(v, dict):
        for k in IDENTITY:
            if isinstance(v.get(k), str):
                extra = v.get("parameter") or v.get("source") or ""
                return f"{k}={v[k]}" + (f",{extra}" if isinstance(extra, str) and extra else "")
    return str(i)


def norm(value, case_dir):
    if isinstance(value, list):
        return [norm(v, case_dir) for v in value]
    if isinstance(value, str):
        value = value.replace(case_dir, "<case>")
        value = UUID.sub("<uuid>", value)
        value = TIME.sub("<time>", value)
        value = HEX.sub("<hex>", value)
    return value


def export(tool, case, out, extra_env=None):
    args = [a for a in open(os.path.join(case, "args")).read().splitlines() if a]
    env = dict(os.environ, NO_COLOR="1", SOURCE_DATE_EPOCH="1767225600", **(extra_env or {}))
    return subprocess.run([tool, "manifest", "export", "-p", ".contextcore.yaml", "-o", out, *args],
                          cwd=case, capture_output=True, text=True, env=env)


def gates(earlier, out):
    """The earlier gates' verdicts on an output directory: {check key: passed}."""
    verdicts = {}
    g1 = subprocess.run([earlier, "contract", "a2a-check-pipeline", out, "--format", "json"],
                        capture_output=True, text=True)
    try:
        report = json.loads(g1.stdout)
        pid = report.get("project_id") or ""
        for g in report.get("gates", []):
            gid = g["gate_id"]
            gid = gid[len(pid) + 1:] if pid and gid.startswith(pid + "-") else gid
            verdicts[f"gate1/{gid}"] = g["result"] != "fail"
    except (json.JSONDecodeError, KeyError):
        verdicts["gate1/(runs)"] = False
    g2 = subprocess.run([earlier, "contract", "a2a-diagnose", out, "--format", "json"],
                        capture_output=True, text=True)
    try:
        report = json.loads(g2.stdout)
        for q in report.get("questions", []):
            for i, c in enumerate(q.get("checks", [])):
                verdicts[f"gate2/Q{q['number']}/{i}"] = bool(c.get("passed"))
            verdicts[f"gate2/Q{q['number']}"] = q.get("status") != "fail"
    except (json.JSONDecodeError, KeyError):
        verdicts["gate2/(runs)"] = False
    return verdicts


def full_mapping(out_dir):
    """A task for every artifact of the earlier export's artifact manifest."""
    for f in os.listdir(out_dir):
        if "artifact-manifest" in f:
            doc = load(os.path.join(out_dir, f))
            return {a["id"]: f"TASK-{i + 1}" for i, a in enumerate(doc.get("artifacts", []))}
    return None


def file_kind(f):
    """A document's name without the project's name: `*-artifact-manifest.yaml`."""
    return re.sub(r"^.*-(artifact-manifest\.(yaml|json)|projectcontext\.yaml)$", r"*-\1", f)


def contract_rows():
    """The (file glob, key path) rows of docs/CONTRACT.md's table of differing values."""
    text = open(os.path.join(here, "..", "..", "docs", "CONTRACT.md"), encoding="utf-8").read()
    section = text.split("\n## Values that differ from the earlier output", 1)[1].split("\n## ", 1)[0]
    rows = []
    for m in re.finditer(r"^\|\s*`([^`]+)`\s*\|\s*`([^`]+)`\s*\|", section, re.M):
        # `{a,b}` alternatives as globset has them, for fnmatch.
        alts = re.match(r"^\{(.*)\}(.*)$", m.group(1))
        globs = [a + alts.group(2) for a in alts.group(1).split(",")] if alts else [m.group(1)]
        rows.append((globs, m.group(2)))
    return rows


def listed(rows, kind, path):
    return any(p == path and any(fnmatch.fnmatchcase(kind, g) for g in globs) for globs, p in rows)


def compare_case(name, earlier, ours):
    src = os.path.join(CASES, name)
    work = tempfile.mkdtemp(prefix="ccdiff-")
    case = os.path.join(work, "case")
    shutil.copytree(src, case)
    r = {"case": name, "missing": [], "differs": [], "regressions": [], "errors": []}
    e = export(earlier, case, "out-earlier")
    o = export(ours, case, "out-ours")
    r["earlier_exit"], r["ours_exit"] = e.returncode, o.returncode
    if e.returncode != 0 or o.returncode != 0:
        if (e.returncode == 0) != (o.returncode == 0):
            r["errors"].append(f"exit codes differ: earlier {e.returncode}, ours {o.returncode}: "
                               f"{(e.stderr or e.stdout)[-300:]!r} / {(o.stderr or o.stdout)[-300:]!r}")
    ed, od = os.path.join(case, "out-earlier"), os.path.join(case, "out-ours")
    values, paths = {}, {}
    for f in sorted(os.listdir(ed)) if os.path.isdir(ed) else []:
        ef = os.path.join(ed, f)
        of = os.path.join(od, f)
        if not os.path.exists(of):
            r["missing"].append(f"{f}: (file)")
            continue
        try:
            ev, ov = load(ef), load(of)
        except Exception as ex:  # noqa: BLE001 — a file we cannot parse is a difference
            r["errors"].append(f"{f}: {ex}")
            continue
        ef_flat, of_flat = {}, {}
        walk(ev, "", "", ef_flat)
        walk(ov, "", "", of_flat)
        our_generic = {g for g, _ in of_flat.values()}
        earlier_generic = sorted({g for g, _ in ef_flat.values() if g})
        paths[f] = earlier_generic
        # A path under a list that ours has empty is a value difference (the list's), not a
        # missing key.
        our_empty = {g for g, v in of_flat.values() if v == "[]"}
        for g in earlier_generic:
            if g in our_generic:
                continue
            parents = [g[:i] for i in range(len(g)) if g[i:].startswith("[]")]
            if any(p in our_empty for p in parents):
                continue
            r["missing"].append(f"{f}: {g}")
        if f in RUN_FILES:
            continue
        vals = {}
        for lp, (g, v) in ef_flat.items():
            if not lp or v is None:
                continue
            nv = norm(v, case)
            vals[lp] = nv
            ours_v = of_flat.get(lp)
            if ours_v is None:
                continue  # reported as a missing key path when no item has it
            if norm(ours_v[1], case) != nv:
                r["differs"].append({"file": f, "path": lp, "generic": g,
                                     "earlier": nv, "ours": norm(ours_v[1], case)})
        values[f] = vals
    ge = gates(earlier, ed) if os.path.isdir(ed) else {}
    go = gates(earlier, od) if os.path.isdir(od) else {}
    for k, passed in sorted(ge.items()):
        if passed and not go.get(k, False):
            r["regressions"].append(k)
    r["gates"] = ge
    # The same case with a task mapping that covers every artifact the earlier export derives:
    # what we add (alert_template) must not turn its passing mapping checks into failures.
    if os.path.isdir(ed):
        full = full_mapping(ed)
        if full is not None:
            json.dump(full, open(os.path.join(case, "full-mapping.json"), "w"))
            args = [a for a in open(os.path.join(case, "args")).read().splitlines() if a]
            args = [a for i, a in enumerate(args)
                    if a != "--task-mapping" and (i == 0 or args[i - 1] != "--task-mapping")]
            open(os.path.join(case, "args"), "w").write("\n".join(args + ["--task-mapping", "full-mapping.json"]) + "\n")
            export(earlier, case, "full-earlier")
            export(ours, case, "full-ours")
            fe, fo = gates(earlier, os.path.join(case, "full-earlier")), gates(earlier, os.path.join(case, "full-ours"))
            for k, passed in sorted(fe.items()):
                if passed and not fo.get(k, False):
                    r["regressions"].append(f"{k} (full task mapping)")
            r["gates_full_mapping"] = fe
            r["full_mapping_ids"] = sorted(full)
    r["paths"], r["values"] = paths, values
    shutil.rmtree(work, ignore_errors=True)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--earlier", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--report")
    ap.add_argument("--expect", action="store_true")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    earlier, ours = os.path.abspath(a.earlier) if os.sep in a.earlier else shutil.which(a.earlier), os.path.abspath(a.ours)
    names = a.cases or sorted(os.listdir(CASES))
    results = [compare_case(n, earlier, ours) for n in names]
    missing = sum(len(r["missing"]) for r in results)
    regressions = sum(len(r["regressions"]) for r in results)
    differ_paths = {}
    for r in results:
        for d in r["differs"]:
            differ_paths.setdefault(f"{file_kind(d['file'])}: {d['generic']}", []).append((r["case"], d))
    errors = sum(len(r["errors"]) for r in results)
    rows = contract_rows()
    unlisted = sorted(p for p in differ_paths if not listed(rows, *p.split(": ", 1)))
    print(f"{len(results)} cases: {missing} missing key paths, "
          f"{sum(len(r['differs']) for r in results)} differing values in {len(differ_paths)} key paths, "
          f"{regressions} gate regressions, {errors} errors, "
          f"{len(unlisted)} differing key paths docs/CONTRACT.md does not list")
    lines = ["# Differential export report", "",
             f"{len(results)} cases; {missing} missing key paths; {regressions} gate regressions; "
             f"{len(differ_paths)} key paths with differing values; {errors} errors.", ""]
    for r in results:
        for m in r["missing"]:
            lines.append(f"- missing in {r['case']}: `{m}`")
        for g in r["regressions"]:
            lines.append(f"- gate regression in {r['case']}: `{g}`")
        for e in r["errors"]:
            lines.append(f"- error in {r['case']}: {e}")
    for p in unlisted:
        lines.append(f"- not in docs/CONTRACT.md: `{p}`")
    lines += ["", "## Differing values by key path", ""]
    for p, items in sorted(differ_paths.items(), key=lambda kv: -len(kv[1])):
        case, d = items[0]
        lines.append(f"- `{p}` ({len(items)} values in {len({c for c, _ in items})} cases), e.g. "
                     f"{case} `{d['path']}`: earlier {json.dumps(d['earlier'])[:120]} / ours {json.dumps(d['ours'])[:120]}")
    if a.report:
        open(a.report, "w").write("\n".join(lines) + "\n")
    if a.expect:
        os.makedirs(EXPECTED, exist_ok=True)
        for r in results:
            json.dump({"paths": r["paths"], "values": r["values"], "gates": r["gates"],
                       "gates_full_mapping": r.get("gates_full_mapping", {}),
                       "full_mapping_ids": r.get("full_mapping_ids", []),
                       "earlier_exit": r["earlier_exit"]},
                      open(os.path.join(EXPECTED, r["case"] + ".json"), "w"), sort_keys=True, default=str, separators=(",", ":"))
    sys.exit(1 if missing or regressions or errors or unlisted else 0)


if __name__ == "__main__":
    main()
