#!/usr/bin/env python3
"""Reference test: leadscore-train's fit agrees with scikit-learn.

Runs `simulate` -> `fit --export-design`, then fits scikit-learn's
LogisticRegression (L2, same C, lbfgs, tight tolerance) on the very same
standardized design matrix and compares coefficients (within 1e-3 relative)
and test ROC AUC (within 0.001). Exits non-zero on any disagreement.

Usage: python3 training/tests/sklearn_reference.py [--bin PATH] [--leads N]
(default binary: `cargo run --quiet -p leadscore-train --`). With
--benchmark it also prints both fit times on the same design matrix.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

COEF_RTOL = 1e-3
AUC_TOL = 1e-3


def run(cmd):
    print("+", " ".join(shlex.quote(c) for c in cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True)


def load(path):
    try:
        import pandas
        data = pandas.read_csv(path).to_numpy(dtype=float)
    except ImportError:
        data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, :-1], data[:, -1].astype(int)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", help="leadscore-train binary (default: cargo run)")
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--workdir", help="keep files here instead of a temp dir")
    parser.add_argument("--compare-only", metavar="DESIGN_DIR",
                        help="skip simulate/fit; compare on an existing --export-design directory")
    parser.add_argument("--json-out", metavar="FILE",
                        help="also write the comparison's figures (fit times, AUCs, agreement) as JSON")
    parser.add_argument("--fit-flags", default="--half-lives none,30 --c-grid 0.1,1",
                        help="extra flags for fit (a small grid keeps CI fast)")
    args = parser.parse_args()
    binary = [args.bin] if args.bin else ["cargo", "run", "--quiet", "-p", "leadscore-train", "--"]
    work = args.workdir or tempfile.mkdtemp(prefix="leadscore-sklearn-")
    os.makedirs(work, exist_ok=True)
    sim, models, design = (os.path.join(work, d) for d in ("sim", "models", "design"))

    if args.compare_only:
        return compare(args.compare_only, args.json_out)
    t0 = time.time()
    run(binary + ["simulate", "--leads", str(args.leads), "--seed", str(args.seed), "--out", sim])
    t1 = time.time()
    run(binary + ["fit", "--leads", os.path.join(sim, "leads.csv"), "--activities", os.path.join(sim, "activities.csv"),
                  "--out", models, "--export-design", design] + shlex.split(args.fit_flags))
    t2 = time.time()
    print(f"simulate {t1 - t0:.1f} s, fit end-to-end {t2 - t1:.1f} s")
    return compare(design, args.json_out)


def compare(design, json_out=None):
    ours = json.load(open(os.path.join(design, "fit.json")))
    x_train, y_train = load(os.path.join(design, "train.csv"))
    x_test, y_test = load(os.path.join(design, "test.csv"))
    started = time.time()
    ref = LogisticRegression(C=ours["c"], tol=1e-10, max_iter=100_000).fit(x_train, y_train)
    sk_seconds = time.time() - started
    sk_coef = np.append(ref.coef_[0], ref.intercept_[0])
    our_coef = np.append(np.array(ours["coefficients"]), ours["intercept"])
    sk_auc = roc_auc_score(y_test, ref.predict_proba(x_test)[:, 1])

    failures = []
    max_rel = 0.0
    names = ours["feature_names"] + ["(intercept)"]
    print(f"{'feature':40s} {'leadscore':>12s} {'sklearn':>12s} {'rel diff':>10s}")
    for name, a, b in zip(names, our_coef, sk_coef):
        rel = abs(a - b) / max(abs(b), 1e-12)
        max_rel = max(max_rel, rel)
        flag = "" if abs(a - b) <= COEF_RTOL * abs(b) + 1e-9 else "  <-- disagrees"
        if flag:
            failures.append(f"{name}: {a} vs {b}")
        print(f"{name:40s} {a:12.6f} {b:12.6f} {rel:10.2e}{flag}")
    print(f"test AUC: leadscore {ours['test_auc']:.6f}, sklearn {sk_auc:.6f} (C = {ours['c']})")
    if abs(ours["test_auc"] - sk_auc) > AUC_TOL:
        failures.append(f"AUC {ours['test_auc']} vs {sk_auc}")
    started = time.time()
    default = LogisticRegression(C=ours["c"]).fit(x_train, y_train)
    sk_default_seconds = time.time() - started
    sk_default_auc = roc_auc_score(y_test, default.predict_proba(x_test)[:, 1])
    print(f"fit time on the same {x_train.shape[0]} x {x_train.shape[1]} design: "
          f"leadscore (linfa-logistic) {ours['fit_seconds']:.3f} s; scikit-learn {sk_seconds:.3f} s at tol 1e-10, "
          f"{sk_default_seconds:.3f} s at its default tol 1e-4 (AUC {sk_default_auc:.6f})")
    if json_out:
        with open(json_out, "w") as f:
            json.dump({"rows": x_train.shape[0], "columns": x_train.shape[1],
                       "linfa_seconds": ours["fit_seconds"], "sklearn_seconds": sk_seconds,
                       "sklearn_default_seconds": sk_default_seconds, "auc_leadscore": ours["test_auc"],
                       "auc_sklearn": sk_auc, "max_coefficient_rel_diff": max_rel}, f)
    if failures:
        print("DISAGREEMENT:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("OK: coefficients within 1e-3 relative, AUC within 0.001")
    return 0


if __name__ == "__main__":
    sys.exit(main())
