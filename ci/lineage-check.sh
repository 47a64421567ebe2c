#!/usr/bin/env bash
# Lineage of a pull request, for CI: fetch the notes, verify every commit of BASE..HEAD from its
# tree, and write the Markdown report (with a marker line, so a CI job can update one sticky
# comment instead of adding one per push) to OUT_DIR/lineage.md. Exits with verify's code.
#
#   ci/lineage-check.sh BASE [HEAD] [OUT_DIR]       (needs `contextcore` on PATH)
set -uo pipefail
base=${1:?usage: ci/lineage-check.sh BASE [HEAD] [OUT_DIR]}
head=${2:-HEAD}
out=${3:-lineage-report}
remote=${CONTEXTCORE_REMOTE:-origin}
mkdir -p "$out"

if git remote get-url "$remote" >/dev/null 2>&1; then
  contextcore notes fetch "$remote" || echo "warning: could not fetch notes from $remote" >&2
fi

contextcore provenance verify --range "$base..$head"
status=$?

{
  echo "<!-- contextcore-lineage -->"
  contextcore provenance report --range "$base..$head"
} > "$out/lineage.md" || true
echo "lineage report: $out/lineage.md (verify exit $status)" >&2
exit "$status"
