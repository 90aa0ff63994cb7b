#!/usr/bin/env bash
# benches/store.sh — the lead store benchmark in one command.
#
# Builds release, runs benches/store_load.rs (SQLite, then PostgreSQL when
# LEADSCORE_BENCH_POSTGRES_URL is set: a fresh database is created on that
# server and dropped afterwards; the role needs CREATEDB), prints a summary
# and rewrites the "## Lead store" section of docs/benchmarks.md. Each
# backend: the real `leadscore serve` on loopback, a fresh store, LEADS
# leads loaded through RecordActivities, ListPrioritizedLeads first pages,
# server RSS, then an in-process re-score sweep of every lead. Knobs
# (environment): LEADS (1000000), EVENTS_PER_LEAD (3), BATCH (events per
# call, 9999), CONNS (client connections, 4), LIST_CALLS (per case, 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
export LEADS=${LEADS:-1000000} EVENTS_PER_LEAD=${EVENTS_PER_LEAD:-3} BATCH=${BATCH:-9999}
export CONNS=${CONNS:-4} LIST_CALLS=${LIST_CALLS:-1000}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

echo "== build (release)" >&2
STORE_LOAD=$(cargo build --release -p leadscore --bins --benches --message-format=json |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("target", {}).get("name") == "store_load" and m.get("executable"):
        print(m["executable"])' | tail -1)

RESULTS=$(mktemp)
LOAD_PID=
# On INT / TERM store_load kills its servers and removes its files and database.
trap '[ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null; wait; rm -f "$RESULTS"' EXIT
trap 'exit 130' INT TERM
"$STORE_LOAD" >"$RESULTS" &
LOAD_PID=$!
wait "$LOAD_PID"
LOAD_PID=

MACHINE="$(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), \
$(lscpu | sed -n 's/^Model name: *//p' | head -1); $(uname -sr); $(rustc --version)"
if [ -n "${LEADSCORE_BENCH_POSTGRES_URL:-}" ]; then
    MACHINE="$MACHINE; PostgreSQL $(psql "$LEADSCORE_BENCH_POSTGRES_URL" -Atc 'SHOW server_version' 2>/dev/null || echo '(version unknown)')"
fi
COMMAND="LEADS=$LEADS EVENTS_PER_LEAD=$EVENTS_PER_LEAD BATCH=$BATCH CONNS=$CONNS LIST_CALLS=$LIST_CALLS \
LEADSCORE_BENCH_POSTGRES_URL=postgres://USER:PASSWORD@127.0.0.1:5432/DB benches/store.sh"
python3 benches/store_summarize.py "$RESULTS" "$MACHINE" "$COMMAND" docs/benchmarks.md
