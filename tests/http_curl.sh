#!/usr/bin/env bash
# HTTP/JSON with curl: starts `leadscore serve --http-listen 127.0.0.1:0`
# (the repository's model and rules, a store in a temporary directory),
# calls every unary RPC with curl, compares the reads with what the gRPC
# CLI (`leadscore … --json`) answers, checks an error's status and code and
# reads two Server-Sent Events. Stops at the first failure.
#
# Usage: tests/http_curl.sh [path/to/leadscore]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${1:-$ROOT/target/debug/leadscore}"
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

cp -r "$ROOT/models" "$WORK/models"
"$BIN" serve --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --log-format json \
  --db "sqlite://$WORK/leads.db" --models "$WORK/models" --rules "$ROOT/config/rules.toml" \
  2>"$WORK/log" &
PID=$!
addr_of() { # the address logged with message $1
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    f = json.loads(l)["fields"]
    if f.get("message") == sys.argv[2]: print(f["addr"]); break' "$WORK/log" "$1"
}
for _ in $(seq 600); do
  GRPC="$(addr_of 'serving leadscore.v1')"
  [ -n "$GRPC" ] && break
  kill -0 "$PID" || { cat "$WORK/log"; exit 1; }
  sleep 0.1
done
HTTP="http://$(addr_of 'serving HTTP/JSON')"

# The gRPC client: `leadscore SUBCOMMAND … --json` against the gRPC port.
cli() { "$BIN" "$@" --addr "http://$GRPC" --json; }
ok() { echo "ok - $*"; }
fail() { echo "FAILED: $*"; exit 1; }
# call METHOD PATH [BODY]: prints the body; the status goes to $WORK/status.
call() {
  local args=(-sS -o "$WORK/body" -w '%{http_code}' -X "$1" "$HTTP$2")
  [ $# -ge 3 ] && args+=(-H 'content-type: application/json' -d "$3")
  curl "${args[@]}" >"$WORK/status"
  cat "$WORK/body"
}
status() { cat "$WORK/status"; }
# same_json A B [KEY]: A (or A's KEY) and B are equal JSON.
same_json() {
  python3 -c 'import json,sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
if len(sys.argv) > 3: a = a[sys.argv[3]]
sys.exit(a != b)' "$@"
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

NOW="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LEAD='{"leadId": "curl-1", "profile": {"jobTitle": "VP Marketing", "industry": "Software", "department": "Marketing", "country": "US", "companySize": 500}, "bant": {"budget": {"status": "BANT_STATUS_YES"}, "authority": {"status": "BANT_STATUS_YES"}, "need": {"status": "BANT_STATUS_YES"}}, "activities": [{"type": "demo_request", "occurredAt": "'"$NOW"'"}, {"type": "pricing_page_view", "occurredAt": "'"$NOW"'"}]}'
REQ='{"lead": '"$LEAD"', "asOf": "'"$NOW"'"}'

answer="$(call POST /v1/leads:score "$REQ")"
[ "$(status)" = 200 ] || fail "ScoreLead: HTTP $(status) $answer"
same_json "$answer" "$(echo "$REQ" | cli score --file -)" score || fail "ScoreLead differs from gRPC"
ok "ScoreLead over curl answers as over gRPC"
answer="$(call POST /v1/leads:batchScore '{"leads": ['"$LEAD"', '"$LEAD"'], "asOf": "'"$NOW"'"}')"
[ "$(status)" = 200 ] && [ "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["scores"]))' "$answer")" = 2 ] \
  || fail "ScoreLeads: $answer"
ok "ScoreLeads answers one score per lead"

call POST /v1/leads:batchUpsert '{"leads": [{"leadId": "curl-1", "profile": {"jobTitle": "VP Marketing", "industry": "Software", "department": "Marketing", "country": "US", "companySize": 500}, "bant": {"budget": {"status": "BANT_STATUS_YES"}, "authority": {"status": "BANT_STATUS_YES"}, "need": {"status": "BANT_STATUS_YES"}}}]}' >/dev/null
[ "$(status)" = 200 ] || fail "UpsertLeads: $(status)"
answer="$(call POST /v1/activities:batchRecord '{"events": [{"eventId": "c1", "leadId": "curl-1", "type": "demo_request", "occurredAt": "'"$NOW"'"}, {"eventId": "c2", "leadId": "curl-1", "type": "pricing_page_view", "occurredAt": "'"$NOW"'"}]}')"
[ "$(status)" = 200 ] && [[ "$answer" == *EVENT_STATUS_RECORDED* ]] || fail "RecordActivities: $answer"
ok "UpsertLeads and RecordActivities store a lead"

answer="$(call GET /v1/leads/curl-1)"
same_json "$answer" "$(cli leads show curl-1)" || fail "GetLead differs from gRPC"
ok "GetLead over curl answers as over gRPC"
answer="$(call GET '/v1/leads?stages=STAGE_SQL&pageSize=20')"
[[ "$answer" == *curl-1* ]] || fail "the top SQLs list curl-1: $answer"
same_json "$answer" "$(cli leads top --stage sql --limit 20)" || fail "ListPrioritizedLeads differs from gRPC"
ok "ListPrioritizedLeads over curl answers as over gRPC"
call GET "/v1/pipelineHealth?minOutcomes=10" >/dev/null
[ "$(status)" = 200 ] || fail "GetPipelineHealth: $(status)"
ok "GetPipelineHealth answers"

for step in 'assign {"owner": "ann"}' 'accept {}' 'reject {"reason": "no budget"}' \
  'recordOutcome {"outcome": "OUTCOME_LOST", "occurredAt": "'"$NOW"'"}'; do
  answer="$(call POST "/v1/leads/curl-1:${step%% *}" "${step#* }")"
  [ "$(status)" = 200 ] && [[ "$answer" == *'"leadId":"curl-1"'* ]] || fail "${step%% *}: $answer"
done
ok "AssignLead, AcceptLead, RejectLead, RecordOutcome answer the lead"

hit='{"source": "crm-workflow", "event": {"leadId": "curl-in", "type": "form_submit", "occurredAt": "'"$NOW"'"}}'
answer="$(call POST /v1/events:ingest "$hit")"
[ "$(status)" = 200 ] && [[ "$answer" == *'"status":"EVENT_STATUS_RECORDED"'* ]] || fail "IngestEvents: $answer"
answer="$(call POST /v1/events:ingest "$hit")"
[ "$(status)" = 200 ] && [[ "$answer" == *'"status":"EVENT_STATUS_DUPLICATE"'* ]] || fail "IngestEvents retry: $answer"
ok "an inbound event without an id is recorded once, its retry a duplicate"
answer="$(call POST /v1/leads:recordOutcomes '{"outcomes": [{"leadId": "curl-in", "outcome": "OUTCOME_WON", "occurredAt": "'"$NOW"'"}]}')"
[ "$(status)" = 200 ] && [[ "$answer" == *'"status":"OUTCOME_STATUS_RECORDED"'* ]] || fail "RecordOutcomes: $answer"
ok "RecordOutcomes answers each entry"

answer="$(call GET /v1/models)"
same_json "$answer" "$(cli models list)" || fail "ListModels differs from gRPC"
VERSION="$(field "$answer" activeVersion)"
same_json "$(call GET "/v1/models/$VERSION")" "$(cli models show "$VERSION")" || fail "GetModel differs"
same_json "$(call GET /v1/models:active)" "$(cli models show)" || fail "GetModel (active) differs"
ok "ListModels and GetModel over curl answer as over gRPC"
answer="$(call POST /v1/models:activate '{"latest": true}')"
[ "$(status)" = 200 ] && [ "$(field "$answer" activeVersion)" = "$VERSION" ] || fail "ActivateModel: $answer"
answer="$(call POST /v1/models:setShadow '{"clear": true}')"
[ "$(status)" = 200 ] || fail "SetShadowModel: $answer"
ok "ActivateModel and SetShadowModel answer"

answer="$(call GET /v1/leads/nobody)"
[ "$(status)" = 404 ] && [ "$(field "$answer" code)" = 5 ] || fail "unknown lead: $(status) $answer"
ok "an unknown lead is 404 with gRPC code 5 (NOT_FOUND)"

# first_lines PATH N [HEADER]: the first N lines of an event stream, from
# a background curl stopped once they are in (a bounded wait, not a sleep).
first_lines() {
  local out="$WORK/events.$RANDOM"
  curl -sSN ${3:+-H "$3"} "$HTTP$1" >"$out" &
  local reader=$!
  for _ in $(seq 600); do
    [ "$(wc -l <"$out")" -ge "$2" ] && break
    sleep 0.1
  done
  kill "$reader" 2>/dev/null || true
  wait "$reader" 2>/dev/null || true
  head -n "$2" "$out"
}
events="$(first_lines /v1/stageChanges:watch 6)"
[[ "$events" == "id: 1"*"id: 2"* ]] || fail "events: $events"
resumed="$(first_lines /v1/stageChanges:watch 1 'Last-Event-ID: 1')"
[ "$resumed" = "id: 2" ] || fail "resumed at: $resumed"
ok "stage changes stream as events and resume after Last-Event-ID"
