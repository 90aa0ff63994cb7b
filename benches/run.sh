#!/usr/bin/env bash
# benches/run.sh — the scoring service's benchmarks in one command.
#
# Builds release, writes fixtures (a 30-activity-type model, gRPC-framed
# requests) to a temp dir, starts `leadscore serve` and the bare tonic server
# (benches/bare_tonic_server.rs) on loopback, checks both answer grpc-status 0
# with identical bytes, drives each with h2load (bare and real alternating,
# REPS times, then both at once REPS times to compare CPU per call), stops them, runs the criterion bench (benches/scoring.rs),
# prints a summary and rewrites the "## Scoring service" section of
# docs/benchmarks.md. Knobs (environment): N (ScoreLead requests per run,
# 100000), NB (ScoreLeads requests per run, 1000), REPS (7: the host is noisy,
# so more, shorter alternating runs), THREADS (h2load
# -t, 1), CONNS (-c, 16), STREAMS (-m, 32).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000} NB=${NB:-1000} REPS=${REPS:-7}
THREADS=${THREADS:-1} CONNS=${CONNS:-16} STREAMS=${STREAMS:-32}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

if ! command -v h2load >/dev/null; then
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo apt-get update && $sudo apt-get install -y nghttp2-client
fi

echo "== build (release)" >&2
build_json=$(cargo build --release --bins --benches --message-format=json)
exe() { # executable of target $1
    python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    t = m.get("target", {})
    if t.get("name") == sys.argv[1] and m.get("executable") and \
            (t["kind"] == ["bench"] or not m["profile"]["test"]):
        print(m["executable"])' "$1" <<<"$build_json" | tail -1
}
LEADSCORE=$(exe leadscore) BARE=$(exe bare_tonic_server) SCORING=$(exe scoring)

WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done
    echo "server on port $1 did not start" >&2; exit 1
}

"$BARE" --write-fixtures "$WORK"
BARE_PORT=$(free_port) REAL_PORT=$(free_port)
"$BARE" --listen "127.0.0.1:$BARE_PORT" --fixtures "$WORK" 2>"$WORK/bare.log" &
PIDS+=($!) && declare -A PID=([bare]=$!)
"$LEADSCORE" serve --listen "127.0.0.1:$REAL_PORT" --models "$WORK/models" \
    --rules config/rules.toml --db "sqlite://$WORK/leadscore.db" 2>"$WORK/real.log" &
PIDS+=($!) && PID[real]=$!
declare -A PORT=([bare]=$BARE_PORT [real]=$REAL_PORT)
wait_port "$BARE_PORT" && wait_port "$REAL_PORT"

echo "== grpc-status check (both servers, every fixture)" >&2
for s in bare real; do "$BARE" --check "127.0.0.1:${PORT[$s]}" --fixtures "$WORK" >&2; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
load() { # server case body method requests tag
    local s=$1 out=$WORK/$2.$1.$6 t0
    t0=$(cpu_ticks "${PID[$s]}")
    h2load -n "$5" -c "$CONNS" -m "$STREAMS" -t "$THREADS" \
        -H 'content-type: application/grpc' -H 'te: trailers' -d "$WORK/$3" \
        --log-file="$out.log" "http://127.0.0.1:${PORT[$s]}/leadscore.v1.ScoringService/$4" >"$out.out"
    echo "$t0 $(cpu_ticks "${PID[$s]}") $(getconf CLK_TCK)" >"$out.cpu"
}

CASES=("lead_hot score_lead_hot.bin ScoreLead $N"
    "lead_heavy score_lead_heavy.bin ScoreLead $N"
    "leads_1000 score_leads_1000.bin ScoreLeads $NB")
for c in "${CASES[@]}"; do
    read -r name body method n <<<"$c"
    for s in bare real; do load "$s" "$name" "$body" "$method" $((n / 20)) warmup; done
    for r in $(seq "$REPS"); do
        for s in bare real; do
            echo "== $name $s run $r/$REPS" >&2
            load "$s" "$name" "$body" "$method" "$n" "$r"
        done
    done
    # Both servers under load at the same moment share whatever the host's
    # neighbours leave, so their CPU time per call compares with far less
    # noise than throughput of runs taken one after the other.
    for r in $(seq "$REPS"); do
        echo "== $name bare and real at once, run $r/$REPS" >&2
        load bare "$name" "$body" "$method" "$n" "together.$r" &
        bare_load=$!
        load real "$name" "$body" "$method" "$n" "together.$r" &
        wait "$bare_load" "$!"
    done
done
for p in "${PIDS[@]}"; do kill "$p"; done

echo "== criterion: benches/scoring.rs" >&2
(cd "$WORK" && CRITERION_HOME="$WORK/criterion" "$SCORING" --bench >&2)

MACHINE="$(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), \
$(lscpu | sed -n 's/^Model name: *//p' | head -1); $(uname -sr); $(rustc --version); $(h2load --version | head -1)"
COMMAND="N=$N NB=$NB REPS=$REPS THREADS=$THREADS CONNS=$CONNS STREAMS=$STREAMS benches/run.sh"
python3 benches/summarize.py "$WORK" "$MACHINE" "$COMMAND" "$CONNS" "$STREAMS" "$THREADS" "$REPS" \
    docs/benchmarks.md
