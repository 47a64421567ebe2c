"""Per-field coverage of the differential corpus: which fields of the earlier v1alpha2 model and
which `manifest export` options the forty cases use, and how often.

Needs the earlier implementation installed (its pydantic model and click command are the list
of fields and options):

  /tmp/ccvenv/bin/python tests/differential/field_coverage.py > tests/differential/COVERAGE.md

Exits 1 when a field or an option is used by no case.
"""
import os, sys, typing

import yaml
from pydantic import BaseModel

from contextcore.models.manifest_v2 import ContextManifestV2
from contextcore.cli.manifest import manifest as manifest_group

here = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(here, "cases")

# Open maps (data keys, not model fields) and free-form values: counted at the map itself.
OPEN = {"dict", "Dict", "Any"}


def model_of(annotation):
    """The BaseModel inside Optional[...] / List[...], and whether a list wraps it."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or (origin is not None and type(None) in args):
        inner = [a for a in args if a is not type(None)]
        return model_of(inner[0]) if len(inner) == 1 else (None, False)
    if origin in (list, typing.List):
        m, _ = model_of(args[0]) if args else (None, False)
        return m, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def fields(model, prefix="", seen=()):
    """Every field path of a model, by the names a manifest writes (aliases)."""
    out = []
    for name, f in model.model_fields.items():
        key = f.alias or name
        path = f"{prefix}{key}"
        sub, is_list = model_of(f.annotation)
        out.append(path)
        if sub is not None and sub not in seen:
            out += fields(sub, f"{path}{'[]' if is_list else ''}.", seen + (sub,))
    return out


def used(value, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            p = f"{prefix}{k}"
            out[p] = out.get(p, 0) + 1
            used(v, p + ".", out)
    elif isinstance(value, list):
        for v in value:
            used(v, prefix[:-1] + "[].", out)
    return out


def main():
    cases = sorted(os.listdir(CASES))
    model_fields = fields(ContextManifestV2)
    per_case = {}
    for c in cases:
        doc = yaml.safe_load(open(os.path.join(CASES, c, ".contextcore.yaml")))
        per_case[c] = used(doc)
    export = manifest_group.commands["export"]
    options = []
    for p in export.params:
        if getattr(p, "param_type_name", "") != "option":
            continue
        options.append(p.opts + p.secondary_opts)
    lines = ["# Differential corpus coverage", "",
             f"{len(cases)} cases (`tests/differential/cases/`). Made by `field_coverage.py` from the "
             "earlier implementation's v1alpha2 model and its `manifest export` options.", "",
             "## Fields of the earlier v1alpha2 model", "",
             "| field | cases using it |", "|---|---|"]
    unused = []
    for f in model_fields:
        n = sum(1 for c in cases if f in per_case[c])
        lines.append(f"| `{f}` | {n} |")
        if n == 0:
            unused.append(f)
    lines += ["", "## Options of `manifest export`", "", "| option | cases using it |", "|---|---|"]
    args = {c: open(os.path.join(CASES, c, "args")).read().split() for c in cases}
    implicit = {"--path", "-p", "--output-dir", "-o"}  # every case passes them (compare.py)
    # Options we do not take, each with its reason in docs/CONTRACT.md ("Options").
    not_ours = {"--emit-tasks"}
    for opts in options:
        if not_ours & set(opts):
            lines.append(f"| `{' / '.join(opts)}` | not supported (docs/CONTRACT.md) |")
            continue
        if implicit & set(opts):
            n = len(cases)
        else:
            n = sum(1 for c in cases if set(opts) & set(args[c]))
        lines.append(f"| `{' / '.join(opts)}` | {n} |")
        if n == 0:
            unused.append(" / ".join(opts))
    lines += ["", f"Unused: {', '.join(f'`{u}`' for u in unused) if unused else 'none'}."]
    print("\n".join(lines))
    sys.exit(1 if unused else 0)


if __name__ == "__main__":
    main()
