"""Rebuilds the "## Summary" section at the top of docs/benchmarks.md from
the figures each benchmark part recorded in docs/benchmarks.json (see
summarize.record_figures): every headline figure beside its peer or target,
as a ratio, with the part's run date and the command that reproduces it.

Usage: headline.py DOC
"""

import json
import pathlib
import sys

from summarize import write_section

HEADING = "## Summary"


def pct(x):
    return f"**{x:.0%}**"


def scoring_rows(s):
    rows = []
    for c in s["cases"]:
        rows.append((f"{c['label']}: req/s", f"{c['real_rps']:,.0f}", f"bare tonic {c['bare_rps']:,.0f}",
                     pct(c["ratio"])
                     + (" (paired runs {:.0%}–{:.0%})".format(*c["ratio_range"]) if "ratio_range" in c else "")
                     + (", goal ≥ 90%" if "ScoreLead" in c["label"] else "")))
        if "cpu_ratio" in c:
            cpu = c.get("together_cpu_us", {})
            rows.append((f"{c['label']}: CPU per call, both servers loaded at once",
                         f"{cpu['real']:,.1f} µs" if cpu else "", f"bare tonic {cpu['bare']:,.1f} µs" if cpu else "bare tonic",
                         pct(c["cpu_ratio"]) + " of bare's efficiency"
                         + " (runs {:.0%}–{:.0%})".format(*c["cpu_ratio_range"])))
        rows.append((f"{c['label']}: p99", f"{c['real_p99_ms']:.2f} ms", f"bare tonic {c['bare_p99_ms']:.2f} ms",
                     f"{c['real_p99_ms'] / c['bare_p99_ms']:.2f}×"))
    for name, us in s["in_process_us_per_lead"].items():
        rows.append((f"in process `{name}`", f"{us:,.2f} µs / lead", "", ""))
    return rows


def training_rows(t):
    rows = []
    for size in t["sizes"]:
        rows.append((f"`leadscore-train fit`, {size['leads']:,} simulated leads ({size['activity_rows']:,} events)",
                     f"{size['fit_seconds']:.1f} s, {size['peak_rss_gb']:.2f} GB", "", ""))
        rows.append((f"polars: read {size['activity_rows']:,} activity events", f"{size['reading_seconds']:.1f} s", "", ""))
        c = size["compare"]
        rows.append((f"fit on the same {c['rows']:,} × {c['columns']} design", f"linfa {c['linfa_seconds']:.2f} s",
                     f"scikit-learn {c['sklearn_seconds']:.2f} s", f"leadscore takes {c['linfa_seconds'] / c['sklearn_seconds']:.2f}× sklearn's time"))
        rows.append(("… test AUC", f"{c['auc_leadscore']:.6f}", f"scikit-learn {c['auc_sklearn']:.6f}",
                     f"Δ {c['auc_leadscore'] - c['auc_sklearn']:+.1e}"))
    return rows


def store_rows(st):
    rows = []
    for b in st["backends"]:
        name = b["backend"]
        target = " (target 50,000)" if name == "SQLite" else ""
        rows.append((f"{name}: RecordActivities, durable", f"{b['events_per_second']:,.0f} events/s",
                     "50,000 events/s" if name == "SQLite" else "", pct(b["events_per_second"] / 50_000) + target
                     if name == "SQLite" else ""))
        rows.append((f"{name}: ListPrioritizedLeads first page at {b['leads']:,} leads, p99",
                     f"{b['list_p99_ms']:.2f} ms", "20 ms", f"{b['list_p99_ms'] / 20:.2f}× of target"))
        rows.append((f"{name}: re-score sweep of {b['leads']:,} leads", f"{b['sweep_seconds']:.1f} s", "", ""))
        rows.append((f"{name}: server RSS at {b['leads']:,} leads", f"{b['rss_mb']:,.0f} MB", "", ""))
    return rows


PARTS = [("scoring", scoring_rows, "benches/run.sh"), ("store", store_rows, "benches/store.sh"),
         ("training", training_rows, "benches/training.sh")]


def main():
    doc = pathlib.Path(sys.argv[1])
    figures = json.loads(doc.with_suffix(".json").read_text())
    lines = [HEADING, "",
             "Written by `benches/all.sh` from the latest run of each part (the sections below "
             "hold every figure, the machine and the exact command). Ratios compare leadscore "
             "with its peer measured side by side in the same run, or with the issue's target.", "",
             "| figure | leadscore | peer / target | ratio |", "| --- | ---: | ---: | ---: |"]
    for part, rows, script in PARTS:
        if part not in figures:
            lines.append(f"| *{part}: not run yet (`{script}`)* | | | |")
            continue
        f = figures[part]
        lines.append(f"| *{part}, {f['date']}, {f['machine_short']}: `{f['command']}`* | | | |")
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(f)]
    write_section(doc, HEADING, "\n".join(lines) + "\n", first=True)


if __name__ == "__main__":
    main()
