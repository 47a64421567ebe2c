#!/usr/bin/env bash
# Posts FILE as the pull request's lineage comment, updating the one comment that carries the
# marker line instead of adding a comment per push. Needs `gh` and GH_TOKEN.
#
#   ci/github-sticky-comment.sh PR_NUMBER FILE
set -euo pipefail
pr=${1:?usage: ci/github-sticky-comment.sh PR_NUMBER FILE}
file=${2:?usage: ci/github-sticky-comment.sh PR_NUMBER FILE}
marker="<!-- contextcore-lineage -->"
repo=${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}
id=$(gh api "repos/$repo/issues/$pr/comments" --paginate \
  --jq "map(select(.body | startswith(\"$marker\"))) | .[0].id // empty")
if [ -n "$id" ]; then
  gh api --method PATCH "repos/$repo/issues/comments/$id" -F "body=@$file" >/dev/null
else
  gh api --method POST "repos/$repo/issues/$pr/comments" -F "body=@$file" >/dev/null
fi
