"""Synthetic inputs for bench/run (fixed seed) and the results table."""
import json, os, random, sys

random.seed(42)

def repo(path, manifest, services=50, files=10000):
    """`services` directories with a manifest (each export adds 6 files) and filler up to `files`."""
    text = open(manifest).read()
    width = 2 if services <= 100 else 4
    for i in range(services):
        name = f"svc-{i:0{width}d}"
        d = os.path.join(path, name)
        os.makedirs(d)
        open(os.path.join(d, ".contextcore.yaml"), "w").write(
            text.replace("checkout-service", name, 1))
    os.makedirs(os.path.join(path, "filler"))
    dirs = max(97, files // 1000)
    for i in range(files - services * 7):
        sub = os.path.join(path, "filler") if i < 2000 else os.path.join(path, "src", f"m{i % dirs:02d}")
        os.makedirs(sub, exist_ok=True)
        open(os.path.join(sub, f"f-{i:05d}.txt"), "w").write(f"{i} {random.random()}\n")

def commits(n):
    out = sys.stdout
    for i in range(n):
        data = f"change {i} {random.random()}\n"
        msg = f"commit {i}\n"
        out.write("commit refs/heads/main\n")
        out.write(f"committer bench <bench@example.invalid> {1700000000 + i} +0000\n")
        out.write(f"data {len(msg)}\n{msg}")
        if i == 0:
            out.write("from refs/heads/main^0\n")
        out.write(f"M 100644 inline filler/f-{i % 2000:05d}.txt\n")
        out.write(f"data {len(data.encode())}\n{data}\n")

def manifest(n):
    lines = ["apiVersion: contextcore.io/v1alpha2", "kind: ContextManifest", "metadata:",
             f"  name: big-{n}", "spec:", "  project:", f"    id: big-{n}", f"    name: Big {n}", "  business:", "    criticality: high",
             "  requirements:", '    availability: "99.9"', '    latencyP99: "300ms"', "  targets:"]
    for i in range(n):
        lines += [f"    - kind: Deployment", f"      name: svc-{i:05d}", "      namespace: default"]
    print("\n".join(lines))

def wide(path, records=4, outputs=16000):
    """`records` run records of `outputs` outputs each, every digest true: what verify reads
    when a pull request brings very wide records (it must stay linear in recorded files)."""
    import hashlib, uuid
    for r in range(records):
        d = os.path.join(path, f"w{r}")
        os.makedirs(d, exist_ok=True)
        outs = []
        for i in range(outputs):
            name = f"{i:05d}"
            body = f'{{"record": {r}, "file": {i}}}\n'.encode()
            open(os.path.join(d, name), "wb").write(body)
            blob = hashlib.sha1(b"blob %d\0" % len(body) + body).hexdigest()
            outs.append({"path": f"w{r}/{name}", "exists": True, "size": len(body),
                         "mtime": "2026-01-01T00:00:00Z", "sha256": hashlib.sha256(body).hexdigest(),
                         "git_blob": blob, "role": "dashboard", "action": "created", "backup": None})
        record = {"schema": "contextcore.io/run-provenance/v1", "run_id": str(uuid.UUID(int=r + 1, version=4)),
                  "workflow_or_command": "generate", "version": "1.0.0", "contextcore_version": "0.1.0",
                  "started_at": "2026-01-01T00:00:00Z", "completed_at": "2026-01-01T00:00:00Z", "duration_ms": 1,
                  "environment": {"hostname": None, "username": None, "python_version": None, "working_directory": "."},
                  "git": {"repository_root_relative": True, "head_commit": None, "branch": None, "dirty": False},
                  "config_snapshot": {}, "inputs": [], "outputs": outs, "quality_summary": {},
                  "artifact_references": {}}
        # Compact, so 16,000 outputs stay under the 4 MiB a reader accepts.
        json.dump(record, open(os.path.join(d, "run-provenance.json"), "w"), separators=(",", ":"))

def table(work, md_path, json_path):
    def load(name):
        return {r["command"]: r for r in json.load(open(os.path.join(work, name)))["results"]}
    rows = []
    def row(label, file, cmd, floor, target="", other=None, shown=None):
        r = load(file)
        med, base = r[cmd]["median"], load(other or file)[floor]["median"]
        rows.append({"benchmark": label, "median_ms": round(med * 1000, 2),
                     "floor": shown or floor, "floor_median_ms": round(base * 1000, 2),
                     "ratio": round(med / base, 2), "target": target})
    row("pre-commit, unrelated staged change (10k files, 50 records)", "pre_unrelated.json", "contextcore", "floor", "<= 2x git diff --cached")
    row("pre-commit, staged output change (10k files, 50 records)", "pre_output.json", "contextcore", "floor", "<= 2x git diff --cached")
    row("pre-commit, unrelated staged change, SHA-256 repository (10k files, 50 records)", "pre_unrelated_256.json", "contextcore", "floor", "<= 2x git diff --cached")
    row("pre-commit, staged output change, SHA-256 repository (10k files, 50 records)", "pre_output_256.json", "contextcore", "floor", "<= 2x git diff --cached")
    row("provenance verify --reproduce HEAD (50 export runs) vs plain verify", "reproduce.json", "reproduce", "verify")
    row("provenance verify --reproduce HEAD vs the 50 original runs", "reproduce.json", "reproduce", "original", "<= 2x the original runs")
    row("provenance verify --range, 1,000 commits", "verify.json", "contextcore", "floor", "<= 1 s")
    m = "(100k files, 1,000 records)"
    row(f"pre-commit, unrelated staged change {m}", "mono_unrelated.json", "contextcore", "diff", "<= 2x", shown="git diff --cached --name-only")
    row(f"pre-commit, unrelated staged change, cold cache {m}", "mono_cold.json", "contextcore", "contextcore", "first run after clone", other="mono_unrelated.json", shown="warm hook")
    row(f"pre-commit, regenerated output staged {m}", "mono_regenerated.json", "contextcore", "diff", "<= 2x", shown="git diff --cached --name-only")
    row(f"provenance status {m}", "mono_status.json", "contextcore", "status", "<= 1.5x", shown="git status --porcelain")
    row(f"manifest export of one service {m}", "mono_export.json", "contextcore", "status", "<= 1.5x", shown="git status -uno")
    row(f"provenance verify --range, 1,000 commits {m}", "mono_verify.json", "contextcore", "floor", "<= 1 s", shown="git log --format=%H")
    for c in ["example", "t30", "t300", "t3000"]:
        row(f"manifest export {c}", "export.json", c, "floor", "example < 20 ms" if c == "example" else "linear")
    row("manifest export, 300 targets, vs writing and hashing its bytes", "scale.json", "t300", "floor300", "", shown="cat + sha256sum + sha1sum")
    row("manifest export, 3,000 targets, vs writing and hashing its bytes", "scale.json", "t3000", "floor3000", "", shown="cat + sha256sum + sha1sum")
    row("no-op export rerun, 3,000 targets, vs a full export", "noop.json", "noop", "export", "recognised from the record", shown="export --force-record")
    row("provenance verify, 4 records x 16,000 outputs", "wide.json", "verify", "floor", "<= 5 s", shown="git ls-files -s")
    if os.path.exists(os.path.join(work, "earlier.json")):
        row("earlier implementation, export of 3,000 targets, vs ours", "earlier.json", "earlier", "ours", ">= 60x (ratio)", shown="ours")
    row("generate --all, bundled example", "generate.json", "generate", "floor")
    row("fingerprint 256 MiB vs sha256sum (export with scan of it)", "hash.json", "contextcore", "sha256sum", ">= 2x faster (ratio <= 0.5)")
    row("fingerprint 256 MiB vs git hash-object", "hash.json", "contextcore", "git-hash-object")
    facts = os.path.join(work, "scale_facts.json")
    if os.path.exists(facts):
        f = json.load(open(facts))
        rows.append({"benchmark": "export of 3,000 targets: peak RSS MB (KB per target) / run record bytes",
                     "median_ms": None, "floor": None, "floor_median_ms": None,
                     "ratio": None, "target": f"{f['peak_rss_mb']} MB ({f['per_target_kb']} KB/target) / {f['record_bytes']} B; <= 200 MB, <= 262144 B"})
    json.dump(rows, open(json_path, "w"), indent=2)
    with open(md_path, "w") as f:
        f.write("| benchmark | median ms | floor | floor ms | ratio | target |\n|---|---|---|---|---|---|\n")
        for r in rows:
            cells = [r["benchmark"], r["median_ms"], r["floor"], r["floor_median_ms"], r["ratio"], r["target"]]
            f.write("| " + " | ".join("" if c is None else str(c) for c in cells) + " |\n")

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "repo": repo(sys.argv[2], sys.argv[3], *map(int, sys.argv[4:6]))
    elif cmd == "commits": commits(int(sys.argv[2]))
    elif cmd == "manifest": manifest(int(sys.argv[2]))
    elif cmd == "wide": wide(sys.argv[2], *map(int, sys.argv[3:5]))
    elif cmd == "table": table(*sys.argv[2:5])
