#!/usr/bin/env bash
# benches/training_scale.sh — training at scale (issue 19) in one command.
#
# For each size in SIZES (default "1000000 3000000" leads, about 21
# activity rows each): simulate the history as CSV and Parquet, then run
# `leadscore-train fit` with default settings on each format under
# /usr/bin/time (wall time, peak RSS), keeping the fit's step log (each
# step's time and peak RSS, the reading of activities among them). With
# MAIN_BIN set, the same CSV files are also fitted by that binary (e.g.
# main's release build) for a same-run comparison of time, memory and AUC.
# Prints one line per run: size, format, binary, activity rows, wall s,
# peak bytes, bytes per event, reading-activities s, test AUC.
# Knobs (environment): SIZES, SEED (7), FORMATS ("csv parquet"), MAIN_BIN,
# WORK (data directory, removed unless set), B (binary, default the release
# build of this tree).
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"1000000 3000000"} SEED=${SEED:-7} FORMATS=${FORMATS:-"csv parquet"}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "${WORK:-}" ]; then
    WORK=$(mktemp -d /tmp/leadscore-train-scale.XXXXXX)
    trap 'rm -rf "$WORK"' EXIT INT TERM
fi
if [ -z "${B:-}" ]; then
    # See benches/training.sh: -p alone rebuilds polars with other features.
    cargo build --release --workspace >&2
    B=$CARGO_TARGET_DIR/release/leadscore-train
fi

# One fit: binary, label, leads file, activities file, output directory.
run_fit() {
    local bin=$1 label=$2 leads=$3 acts=$4 out=$5
    rm -rf "$out" && mkdir -p "$out"
    /usr/bin/time -f "%e %M" -o "$out/time" \
        "$bin" fit --leads "$leads" --activities "$acts" --out "$out/models" >/dev/null 2>"$out/log"
    local wall kib events auc read
    read -r wall kib <"$out/time"
    events=$(python3 -c "import json,glob; print(json.load(open(glob.glob('$out/models/*.json')[0]))['training']['activities_used'] + json.load(open(glob.glob('$out/models/*.json')[0]))['training']['activities_skipped'])")
    auc=$(python3 -c "import json,glob; print(round(json.load(open(glob.glob('$out/models/*.json')[0]))['metrics']['auc'], 4))")
    read=$(grep -E "^✓ reading .*activities" "$out/log" | sed -E 's/.*\(([0-9.]+) s.*/\1/')
    echo "$label events=$events wall_s=$wall peak_bytes=$((kib * 1024)) bytes_per_event=$((kib * 1024 / events)) read_activities_s=$read auc=$auc"
}

for n in $SIZES; do
    d=$WORK/$n
    mkdir -p "$d"
    echo "== $n leads: simulate (csv, parquet)" >&2
    /usr/bin/time -f "%e %M" -o "$d/simulate.time" \
        "$B" simulate --leads "$n" --seed "$SEED" --out "$d/sim" --formats csv,parquet >/dev/null 2>&1
    echo "simulate $n: $(cat "$d/simulate.time") (s, KiB peak); $(du -sh "$d"/sim/activities.* | tr '\n' ' ')"
    for f in $FORMATS; do
        run_fit "$B" "$n $f bigtrain" "$d/sim/leads.$f" "$d/sim/activities.$f" "$d/fit-$f"
        grep -E "^ +[0-9.]+ s " "$d/fit-$f/log" >&2 || true
    done
    if [ -n "${MAIN_BIN:-}" ]; then
        run_fit "$MAIN_BIN" "$n csv main" "$d/sim/leads.csv" "$d/sim/activities.csv" "$d/fit-main"
    fi
    rm -rf "$d/sim"
done
