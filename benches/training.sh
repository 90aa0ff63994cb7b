#!/usr/bin/env bash
# benches/training.sh — the training job's benchmark in one command.
#
# For each size in SIZES (default "100000 1000000" leads, about 21 activity
# rows each): simulate the history, run `leadscore-train fit` with default
# settings under /usr/bin/time (end-to-end wall time, peak RSS; the fit's
# own step timings give the polars load of activities.csv and the
# half-life × C choice), then fit scikit-learn's LogisticRegression on the
# exact design matrix the fit exported (training/tests/sklearn_reference.py:
# fit times and AUCs side by side, coefficients checked). Prints a summary
# and rewrites the "## Training" section of docs/benchmarks.md.
# Knobs (environment): SIZES, SEED (7), WORK (temp dir, removed unless set).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"100000 1000000"} SEED=${SEED:-7}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "${WORK:-}" ]; then
    WORK=$(mktemp -d /tmp/leadscore-train-bench.XXXXXX)
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
if [ ! -x /usr/bin/time ]; then
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    $sudo apt-get update && $sudo apt-get install -y time
fi
python3 -c 'import sklearn' 2>/dev/null || python3 -m pip install --quiet -r tests/python/requirements.txt

echo "== build (release) leadscore-train" >&2
# The whole workspace: with -p alone cargo unifies other features of shared
# dependencies and rebuilds polars from scratch.
cargo build --release --workspace >&2
B=$CARGO_TARGET_DIR/release/leadscore-train

for n in $SIZES; do
    d=$WORK/$n
    mkdir -p "$d"
    echo "== $n leads: simulate" >&2
    /usr/bin/time -f "%e %M" -o "$d/simulate.time" \
        "$B" simulate --leads "$n" --seed "$SEED" --out "$d/sim" >/dev/null
    echo $(($(wc -l <"$d/sim/activities.csv") - 1)) >"$d/activity_rows"
    echo "== $n leads: fit (end to end)" >&2
    /usr/bin/time -f "%e %M" -o "$d/fit.time" \
        "$B" fit --leads "$d/sim/leads.csv" --activities "$d/sim/activities.csv" \
        --out "$d/models" --export-design "$d/design" >/dev/null 2>"$d/fit.log"
    grep -E '^✓' "$d/fit.log" >&2
    echo "== $n leads: same design matrix, linfa-logistic vs scikit-learn" >&2
    python3 training/tests/sklearn_reference.py --compare-only "$d/design" \
        --json-out "$d/compare.json" >&2
    rm -rf "$d/sim" "$d/design/train.csv" "$d/design/test.csv"
done

MACHINE="$(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), \
$(lscpu | sed -n 's/^Model name: *//p' | head -1); $(uname -sr); $(rustc --version); \
scikit-learn $(python3 -c 'import sklearn; print(sklearn.__version__)')"
python3 benches/training_summarize.py "$WORK" "$MACHINE" "SIZES=\"$SIZES\" SEED=$SEED benches/training.sh" \
    docs/benchmarks.md
