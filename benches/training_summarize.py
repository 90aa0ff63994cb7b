"""Summarizes a benches/training.sh run: per size, the simulate and fit
timings (/usr/bin/time), the fit's own step timings and the scikit-learn
comparison on the same design matrix become one Markdown section, printed
and written as the "## Training" section of docs/benchmarks.md (other
sections kept).

Usage: training_summarize.py WORKDIR MACHINE COMMAND DOC
"""

import json
import pathlib
import re
import sys

from summarize import record_figures, write_section

HEADING = "## Training"


def step_seconds(log, prefix, naming=""):
    """Seconds of the fit's first `✓ {prefix}…` step line that contains
    `naming`."""
    for line in log.splitlines():
        if line.startswith("✓ " + prefix) and naming in line:
            return float(re.search(r"\(([\d.]+) s(?:, peak [^)]*)?\)$", line).group(1))
    raise SystemExit(f"no step {prefix!r} ({naming!r}) in the fit log")


def main():
    work, machine, command, doc = sys.argv[1:5]
    sizes = sorted((p for p in pathlib.Path(work).iterdir() if p.is_dir()), key=lambda p: int(p.name))
    lines = [HEADING, "", f"Machine: {machine}; release build.", "",
             f"Reproduce: `{command}`. `fit` runs with default settings (grid of 7 half-lives "
             "× 5 C on a validation split, out-of-time test split, final refit); *reading "
             "activities* is reading and parsing `activities.csv` in chunks into the event arena, "
             "*choice* is feature computation plus fits for every grid point.", "",
             "| simulated history | activity rows | simulate | `fit` end to end | reading activities | choice | peak RSS of `fit` | test AUC |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    compare_rows, figures = [], []
    for d in sizes:
        sim_s, _ = (pathlib.Path(d, "simulate.time").read_text().split())
        fit_s, fit_kb = pathlib.Path(d, "fit.time").read_text().split()
        log = pathlib.Path(d, "fit.log").read_text()
        rows = int(pathlib.Path(d, "activity_rows").read_text())
        cmp = json.loads(pathlib.Path(d, "compare.json").read_text())
        lines.append(
            f"| {int(d.name):,} leads | {rows:,} | {float(sim_s):.1f} s | {float(fit_s):.1f} s | "
            f"{step_seconds(log, 'reading', 'activities'):.1f} s | "
            f"{step_seconds(log, 'choosing'):.1f} s | {int(fit_kb) / 1048576:.2f} GB | "
            f"{cmp['auc_leadscore']:.4f} |")
        compare_rows.append(cmp)
        figures.append({"leads": int(d.name), "activity_rows": rows, "fit_seconds": float(fit_s),
                        "peak_rss_gb": int(fit_kb) / 1048576,
                        "reading_seconds": step_seconds(log, "reading", "activities"),
                        "compare": cmp})
    lines += ["", "Same standardized design matrix (the fit's training rows), side by side in "
              "the same run (`training/tests/sklearn_reference.py --compare-only`):", "",
              "| design | linfa-logistic (leadscore) | scikit-learn lbfgs, tol 1e-10 | leadscore / sklearn time | scikit-learn, default tol | AUC leadscore / sklearn | max coefficient rel. diff |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for c in compare_rows:
        lines.append(
            f"| {c['rows']:,} × {c['columns']} | {c['linfa_seconds']:.2f} s | {c['sklearn_seconds']:.2f} s | "
            f"**{c['linfa_seconds'] / c['sklearn_seconds']:.2f}×** | {c['sklearn_default_seconds']:.2f} s | "
            f"{c['auc_leadscore']:.6f} / {c['auc_sklearn']:.6f} | {c['max_coefficient_rel_diff']:.1e} |")
    write_section(doc, HEADING, "\n".join(lines) + "\n")
    record_figures(doc, "training", machine, command, {"sizes": figures})


if __name__ == "__main__":
    main()
