#!/usr/bin/env bash
# benches/training_bench.sh — the training job's benchmark in one command.
#
# 1. simulate LEADS leads (default 1,000,000; about 21 activity rows each);
# 2. fit with default settings under /usr/bin/time -v: end-to-end wall time
#    and peak memory (maximum resident set size);
# 3. on the same design matrix (fit --export-design), linfa-logistic's fit
#    time and AUC beside scikit-learn LogisticRegression's, in the same run
#    (training/tests/sklearn_reference.py, which also checks agreement).
# Knobs (environment): LEADS, SEED (7), WORK (temp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
LEADS=${LEADS:-1000000} SEED=${SEED:-7}
WORK=${WORK:-$(mktemp -d /tmp/leadscore-train-bench.XXXXXX)}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -p leadscore-train >&2
B=$CARGO_TARGET_DIR/release/leadscore-train

echo "== simulate $LEADS leads" >&2
/usr/bin/time -f "simulate: %e s wall, %M KB peak RSS" "$B" simulate --leads "$LEADS" --seed "$SEED" --out "$WORK/sim"
echo "activity rows: $(($(wc -l < "$WORK/sim/activities.csv") - 1))"

echo "== fit (end to end)" >&2
/usr/bin/time -f "fit end-to-end: %e s wall, %U s user, %M KB peak RSS" \
    "$B" fit --leads "$WORK/sim/leads.csv" --activities "$WORK/sim/activities.csv" --out "$WORK/models" \
    --export-design "$WORK/design" 2> >(grep -E '^✓|ROC AUC|fit end-to-end' >&2)

echo "== same design matrix: linfa-logistic vs scikit-learn" >&2
python3 training/tests/sklearn_reference.py --compare-only "$WORK/design"
