"""Summarizes a benches/store.sh run: the JSON lines benches/store_load.rs
printed (one per backend) become one Markdown table, printed and written as
the "## Lead store" section of docs/benchmarks.md (other sections kept).

Usage: store_summarize.py RESULTS MACHINE COMMAND DOC
"""

import json
import pathlib
import sys

from summarize import record_figures, write_section

HEADING = "## Lead store"
BACKENDS = ["SQLite", "PostgreSQL"]


def main():
    results, machine, command, doc = sys.argv[1:5]
    runs = {r["backend"]: r for r in map(
        json.loads, pathlib.Path(results).read_text().splitlines())}
    first = next(iter(runs.values()))
    leads, per = first["leads"], first["events_per_lead"]

    def row(label, cell):
        cells = [cell(runs[b]) if b in runs else "not run" for b in BACKENDS]
        return f"| {label} | " + " | ".join(cells) + " |"

    def ms(case):
        return lambda r: f"{r[case]['p50_ms']:.2f} / {r[case]['p99_ms']:.2f}"

    lines = [
        HEADING, "",
        f"Machine: {machine}.", "",
        f"Reproduce: `{command}` (from the repository root; without "
        "`LEADSCORE_BENCH_POSTGRES_URL` only SQLite runs). Each backend starts "
        "on a fresh store (a temporary SQLite file; a PostgreSQL database created "
        "for the run and dropped after it) behind the real release `leadscore serve` "
        "on loopback, with the 30-activity-type benchmark model and the shipped rules.", "",
        f"Load: {leads:,} leads, each created by its first events: {per} "
        f"`RecordActivities` events per lead ({leads * per:,} events), all of a lead's "
        f"events in the same call, {first['batch']:,} events per call, "
        f"{first['conns']} client connections sending calls back to back. Lead and "
        "event ids ascend; activity types cycle over the model's 30, times spread over "
        "the last 90 days, one lead in eight with a recent demo request; no profiles, so "
        "every lead stays nurturing. A call "
        "is answered only once its transaction is durably committed (SQLite: WAL, "
        "`synchronous = FULL`; PostgreSQL: default `synchronous_commit = on`); every "
        "event is checked `RECORDED`. Events/s = events / wall time of the whole load.", "",
        f"List: {first['list_calls']:,} sequential first-page calls per case (after 20 "
        "warm-up calls) on one connection, client-side latency. Sweep: the server is "
        "stopped, the same store is opened in-process (`LiveStore`, same model and rules) "
        "and `sweep(now + 1 day)` re-scores every lead (1,000 per transaction), as the "
        "server's timer does. RSS: VmRSS / VmHWM of the server process (/proc).", "",
        "| measure | " + " | ".join(BACKENDS) + " |",
        "| --- | " + " | ".join("---:" for _ in BACKENDS) + " |",
        row("`RecordActivities` sustained events/s (target ≥ 50,000 on SQLite)",
            lambda r: f"**{r['record']['events_per_sec']:,.0f}** "
                      f"({r['record']['events']:,} in {r['record']['seconds']:.1f} s)"),
        row("`RecordActivities` call latency p50 / p99 ms",
            lambda r: f"{r['record']['call_p50_ms']:.0f} / {r['record']['call_p99_ms']:.0f}"),
        row(f"`ListPrioritizedLeads` first page, default (50 rows), p50 / p99 ms "
            "(target p99 ≤ 20)", ms("list_default")),
        row(f"`ListPrioritizedLeads` first page, stage nurturing and score ≥ "
            f"{first['list_min_score']:.0f}, 100 rows, p50 / p99 ms", ms("list_filtered")),
        row(f"Re-score sweep of {leads:,} leads",
            lambda r: f"{r['sweep']['seconds']:.1f} s ({r['sweep']['leads_per_sec']:,.0f} "
                      f"leads/s, {r['sweep']['changes']:,} stage changes)"),
        row("Server RSS after the load / after the list calls",
            lambda r: f"{r['memory_after_load']['rss_mib']:,.0f} MiB / "
                      f"{r['memory_after_list']['rss_mib']:,.0f} MiB"),
        row("Server peak RSS (VmHWM)",
            lambda r: f"{r['memory_after_list']['hwm_mib']:,.0f} MiB"),
    ]
    write_section(doc, HEADING, "\n".join(lines) + "\n")
    record_figures(doc, "store", machine, command, {"backends": [
        {"backend": b, "leads": r["leads"], "events_per_second": r["record"]["events_per_sec"],
         "list_p99_ms": r["list_default"]["p99_ms"], "sweep_seconds": r["sweep"]["seconds"],
         "rss_mb": r["memory_after_list"]["rss_mib"]}
        for b, r in ((b, runs[b]) for b in BACKENDS if b in runs)]})


if __name__ == "__main__":
    main()
