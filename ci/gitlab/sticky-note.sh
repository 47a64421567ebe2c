#!/usr/bin/env bash
# Posts FILE as the merge request's lineage note, updating the note that carries the marker
# line. Needs CONTEXTCORE_GITLAB_TOKEN (a token with api scope) and GitLab's CI variables.
#
#   ci/gitlab/sticky-note.sh FILE
set -euo pipefail
file=${1:?usage: ci/gitlab/sticky-note.sh FILE}
: "${CONTEXTCORE_GITLAB_TOKEN:?set CONTEXTCORE_GITLAB_TOKEN to post the report}"
api="$CI_API_V4_URL/projects/$CI_PROJECT_ID/merge_requests/$CI_MERGE_REQUEST_IID/notes"
auth="PRIVATE-TOKEN: $CONTEXTCORE_GITLAB_TOKEN"
marker="<!-- contextcore-lineage -->"
id=$(curl -fsS -H "$auth" "$api?per_page=100" |
  python3 -c 'import json,sys; m=sys.argv[1]; print(next((str(n["id"]) for n in json.load(sys.stdin) if n["body"].startswith(m)), ""))' "$marker")
if [ -n "$id" ]; then
  curl -fsS -X PUT -H "$auth" --data-urlencode "body@$file" "$api/$id" >/dev/null
else
  curl -fsS -X POST -H "$auth" --data-urlencode "body@$file" "$api" >/dev/null
fi
