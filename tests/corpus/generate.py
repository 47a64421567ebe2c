"""Writes the malformed-input corpus (run once; the files are committed). Large inputs
(the 50 MiB file, the alias bomb, deep nesting) are made by the test itself."""
import json, os

here = os.path.dirname(os.path.abspath(__file__))
HEAD = "apiVersion: contextcore.io/v1alpha2\nkind: ContextManifest\n"

def w(kind, name, data):
    os.makedirs(os.path.join(here, kind), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(os.path.join(here, kind, name), mode) as f:
        f.write(data)

m = {
    "empty.yaml": "",
    "whitespace.yaml": "   \n\t\n  \n",
    "comment-only.yaml": "# nothing here\n",
    "invalid-yaml.yaml": HEAD + "metadata: {name: x\n",
    "bad-indent.yaml": HEAD + "metadata:\n  name: x\n spec: {}\n",
    "tab-indent.yaml": HEAD + "metadata:\n\tname: x\nspec: {}\n",
    "scalar-root.yaml": "just a string\n",
    "list-root.yaml": "- a\n- b\n",
    "duplicate-key.yaml": HEAD + "metadata:\n  name: x\n  name: y\nspec: {}\n",
    "duplicate-top.yaml": HEAD + "metadata:\n  name: x\nspec: {}\nspec: {}\n",
    "unknown-apiversion.yaml": "apiVersion: contextcore.io/v9\nkind: ContextManifest\nmetadata:\n  name: x\nspec: {}\n",
    "unknown-kind.yaml": "apiVersion: contextcore.io/v1alpha2\nkind: Deployment\nmetadata:\n  name: x\nspec: {}\n",
    "missing-metadata.yaml": HEAD + "spec: {}\n",
    "missing-name.yaml": HEAD + "metadata: {}\nspec: {}\n",
    "empty-name.yaml": HEAD + "metadata:\n  name: \"\"\nspec: {}\n",
    "name-slash.yaml": HEAD + "metadata:\n  name: a/b\nspec: {}\n",
    "name-dotdot.yaml": HEAD + "metadata:\n  name: ../x\nspec: {}\n",
    "name-nul.yaml": HEAD + "metadata:\n  name: \"a\\0b\"\nspec: {}\n",
    "name-control.yaml": HEAD + "metadata:\n  name: \"a\\x07b\"\nspec: {}\n",
    "name-newline.yaml": HEAD + "metadata:\n  name: \"a\\nb\"\nspec: {}\n",
    "name-number-list.yaml": HEAD + "metadata:\n  name: [1, 2]\nspec: {}\n",
    "metadata-list.yaml": HEAD + "metadata: [a]\nspec: {}\n",
    "spec-string.yaml": HEAD + "metadata:\n  name: x\nspec: nope\n",
    "targets-map.yaml": HEAD + "metadata:\n  name: x\nspec:\n  targets: {a: 1}\n",
    "target-no-name.yaml": HEAD + "metadata:\n  name: x\nspec:\n  targets:\n    - kind: Deployment\n",
    "target-bad-name.yaml": HEAD + "metadata:\n  name: x\nspec:\n  targets:\n    - kind: Deployment\n      name: ../../etc\n",
    "criticality-enum.yaml": HEAD + "metadata:\n  name: x\nspec:\n  business:\n    criticality: urgent\n",
    "criticality-number.yaml": HEAD + "metadata:\n  name: x\nspec:\n  business:\n    criticality: 3\n",
    "availability-text.yaml": HEAD + "metadata:\n  name: x\nspec:\n  requirements:\n    availability: high\n",
    "availability-over-100.yaml": HEAD + "metadata:\n  name: x\nspec:\n  requirements:\n    availability: 120\n",
    "latency-unitless.yaml": HEAD + "metadata:\n  name: x\nspec:\n  requirements:\n    latencyP99: 200\n",
    "throughput-bad.yaml": HEAD + "metadata:\n  name: x\nspec:\n  requirements:\n    throughput: lots\n",
    "risk-priority.yaml": HEAD + "metadata:\n  name: x\nspec:\n  risks:\n    - type: a\n      description: b\n      priority: P9\n",
    "sampling-over-1.yaml": HEAD + "metadata:\n  name: x\nspec:\n  observability:\n    traceSampling: 3\n",
    "alert-channels-string.yaml": HEAD + "metadata:\n  name: x\nspec:\n  observability:\n    alertChannels: \"#a\"\n",
    "non-utf8.yaml": (HEAD + "metadata:\n  name: x\n  # caf").encode() + b"\xe9\xff\n" + b"spec: {}\n",
    "bom-broken.yaml": b"\xef\xbb\xbf" + (HEAD + "metadata: [\n").encode(),
    "crlf-broken.yaml": (HEAD + "metadata:\n  name: x\n spec: {}\n").replace("\n", "\r\n"),
    "multi-document.yaml": HEAD + "metadata:\n  name: x\nspec: {}\n---\nkind: Other\n",
    "unclosed-quote.yaml": HEAD + "metadata:\n  name: \"x\nspec: {}\n",
}
for k, v in m.items():
    w("manifest", k, v)

p = {
    "invalid-yaml.yaml": "lineage: [\n",
    "wrong-bool.yaml": "strict_quality_default: maybe\n",
    "wrong-threshold.yaml": "coverage_thresholds_by_env:\n  dev: sixty\n",
    "wrong-mode.yaml": "lineage:\n  mode: sometimes\n",
    "wrong-lineage.yaml": "lineage: strict\n",
    "wrong-strategy.yaml": "document_write_strategy_default: overwrite\n",
    "duplicate-key.yaml": "default_environment: dev\ndefault_environment: prod\n",
    "list-root.yaml": "- strict_quality_default\n",
    "non-utf8.yaml": b"default_environment: d\xffv\n",
}
for k, v in p.items():
    w("policy", k, v)

t = {
    "empty.json": "",
    "invalid.json": "{\n  \"a\": \n",
    "array.json": "[\"a\", \"b\"]\n",
    "number-value.json": "{\n  \"checkout_api-dashboard\": 7\n}\n",
    "trailing-comma.json": "{\n  \"a\": \"T-1\",\n}\n",
    "non-utf8.json": b"{\"a\": \"\xff\"}\n",
}
for k, v in t.items():
    w("task-mapping", k, v)

c = {
    "manifest-not-context.yaml": HEAD + "metadata:\n  name: x\nspec: {}\n",
    "invalid-yaml.yaml": "apiVersion: contextcore.io/v1\nkind: ProjectContext\nmetadata: {name: x\n",
    "no-metadata.yaml": "apiVersion: contextcore.io/v1\nkind: ProjectContext\nspec: {}\n",
    "bad-name.yaml": "apiVersion: contextcore.io/v1\nkind: ProjectContext\nmetadata:\n  name: a/../b\nspec: {}\n",
    "targets-string.yaml": "apiVersion: contextcore.io/v1\nkind: ProjectContext\nmetadata:\n  name: x\nspec:\n  targets: x\n",
    "empty.yaml": "",
}
for k, v in c.items():
    w("context", k, v)

pl = {
    "empty.md": "",
    "whitespace.md": " \n\t\n",
    "non-utf8.md": b"# Plan\n\nAvailability \xff 99%\n",
    "bom-non-utf8.md": b"\xef\xbb\xbf# Plan\n\xc3\x28\n",
}
for k, v in pl.items():
    w("plan", k, v)

r = {
    "empty.json": "",
    "invalid.json": "{\"run_id\": \n",
    "not-a-record.json": json.dumps({"hello": "world"}) + "\n",
    "inputs-wrong-type.json": json.dumps({"schema": "contextcore.io/run-provenance/v1", "run_id": "x", "workflow_or_command": "manifest export", "inputs": "nope", "outputs": []}) + "\n",
    "array.json": "[1, 2, 3]\n",
}
for k, v in r.items():
    w("record", k, v)
