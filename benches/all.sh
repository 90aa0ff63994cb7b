#!/usr/bin/env bash
# benches/all.sh — every benchmark in one command, each side by side with
# its peer in the same run, loopback only, stopping by itself:
#
#   scoring   benches/run.sh       ScoreLead / ScoreLeads under h2load vs a
#                                  bare tonic server; in-process criterion
#   store     benches/store.sh     RecordActivities events/s, list p50/p99 at
#                                  1M leads, sweep, RSS: SQLite and PostgreSQL
#   training  benches/training.sh  leadscore-train fit on 100k and 1M
#                                  simulated leads vs scikit-learn on the
#                                  same design matrix
#
# Each part builds what it needs in release and rewrites its section of
# docs/benchmarks.md and its figures in docs/benchmarks.json; the
# "## Summary" section is then rebuilt from those figures (benches/headline.py).
# PARTS picks parts (default "scoring store training"). For the store's
# PostgreSQL column, LEADSCORE_BENCH_POSTGRES_URL names a server whose role
# may create databases; unset and run as root, a local Debian PostgreSQL is
# installed and started (.ci/postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=${PARTS:-"scoring store training"}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

if [[ " $PARTS " == *" store "* && -z "${LEADSCORE_BENCH_POSTGRES_URL:-}" && "$(id -u)" = 0 ]]; then
    LEADSCORE_BENCH_POSTGRES_URL="$(.ci/postgres.sh leadscore_test)"
    export LEADSCORE_BENCH_POSTGRES_URL
fi
for part in $PARTS; do
    echo "=== $part ($(date -u +%H:%M:%S))" >&2
    case $part in
        scoring) benches/run.sh ;;
        store) benches/store.sh ;;
        training) benches/training.sh ;;
        *) echo "unknown part $part: use scoring, store, training" >&2; exit 2 ;;
    esac
done
python3 benches/headline.py docs/benchmarks.md
