#!/usr/bin/env bash
# Lineage of a pull request, for CI: fetch the notes, verify every commit of BASE..HEAD from its
# tree, and write the Markdown report (with a marker line, so a CI job can update one sticky
# comment instead of adding one per push) to OUT_DIR/lineage.md. Exits with verify's code.
#
#   ci/lineage-check.sh BASE [HEAD] [OUT_DIR]       (needs `contextcore` on PATH)
#
# For a CI matrix, CONTEXTCORE_SHARD=K/N checks one of N parts (`verify --shard`): the N jobs
# together report every commit and replay every run once. The Markdown report needs no
# reproduction and is written by part 1 only. CONTEXTCORE_REPRODUCE=1 adds `--reproduce`.
set -uo pipefail
base=${1:?usage: ci/lineage-check.sh BASE [HEAD] [OUT_DIR]}
head=${2:-HEAD}
out=${3:-lineage-report}
remote=${CONTEXTCORE_REMOTE:-origin}
mkdir -p "$out"

if git remote get-url "$remote" >/dev/null 2>&1; then
  contextcore notes fetch "$remote" || echo "warning: could not fetch notes from $remote" >&2
fi

args=(provenance verify --range "$base..$head")
[ "${CONTEXTCORE_REPRODUCE:-}" = 1 ] && args+=(--reproduce)
shard=${CONTEXTCORE_SHARD:-}
[ -n "$shard" ] && args+=(--shard "$shard")
contextcore "${args[@]}"
status=$?

case "$shard" in
  "" | 1/*) ;;
  *) echo "lineage report: written by part 1 (this is part $shard; verify exit $status)" >&2
     exit "$status" ;;
esac
{
  echo "<!-- contextcore-lineage -->"
  contextcore provenance report --range "$base..$head"
} > "$out/lineage.md" || true
echo "lineage report: $out/lineage.md (verify exit $status)" >&2
exit "$status"
