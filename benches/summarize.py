"""Summarizes a benches/run.sh run: h2load outputs and latency logs, server
CPU ticks and criterion estimates become one Markdown section, printed and
written as the "## Scoring service" section of docs/benchmarks.md (other
sections of that file are kept).

Usage: summarize.py WORKDIR MACHINE COMMAND CONNS STREAMS THREADS REPS DOC
"""

import datetime
import json
import pathlib
import re
import statistics
import sys

CASES = [
    ("lead_hot", "ScoreLead, hot lead (6 activities)"),
    ("lead_heavy", "ScoreLead, 200 activities"),
    ("leads_1000", "ScoreLeads, 1,000 hot leads per call"),
]
HEADING = "## Scoring service"


def percentile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def one_run(prefix):
    out = pathlib.Path(f"{prefix}.out").read_text()
    rps = float(re.search(r"finished in .*?, ([\d.]+) req/s", out).group(1))
    ok, failed, errored = map(int, re.search(
        r"(\d+) succeeded, (\d+) failed, (\d+) errored", out).groups())
    lat = sorted(int(cols[2]) for cols in (
        line.split("\t") for line in pathlib.Path(f"{prefix}.log").read_text().splitlines())
        if cols[1] == "200")
    data = int(re.search(r"\((\d+)\) data", out).group(1))
    t0, t1, hz = map(int, pathlib.Path(f"{prefix}.cpu").read_text().split())
    return {"rps": rps, "bad": failed + errored, "p50": percentile(lat, 0.50) / 1000,
            "p99": percentile(lat, 0.99) / 1000, "bytes": data / max(ok, 1) - 5, "cpu_us": (t1 - t0) / hz * 1e6 / max(ok, 1)}


def criterion(home):
    rows = []
    for bench in sorted(pathlib.Path(home).glob("**/new/benchmark.json")):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        elements = (meta.get("throughput") or {}).get("Elements", 1)
        rows.append((meta["full_id"], est["median"]["point_estimate"] / elements))
    return rows


def main():
    work, machine, command, conns, streams, threads, reps, doc = sys.argv[1:9]
    reps = int(reps)
    lines = [HEADING, "",
             f"Machine: {machine}.", "",
             f"Reproduce: `{command}` (from the repository root; root or sudo only to "
             "install h2load). Each row: median of "
             f"{reps} alternating runs per server, `h2load -c{conns} -m{streams} -t{threads}` "
             "on loopback, same request bytes to both servers, both answering the same "
             "response bytes with grpc-status 0 (checked before the runs). *bare* is "
             "`benches/bare_tonic_server.rs`: tonic 0.14, same messages and codec, "
             "answers precomputed (the framework's limit). Latency percentiles come from "
             "h2load's per-request log; server CPU is the process's user+sys time per "
             "request (/proc, 10 ms ticks); answer bytes = h2load's DATA bytes per success minus "
             "the 5-byte frame prefix (an error answer would carry none). The client and both servers share the machine.",
             "",
             "The last column loads both servers at the same moment, "
             f"{reps} times, and divides the bare server's CPU time per call by the real one's: "
             "host noise hits both alike there, so it varies far less than the req/s ratio of "
             "runs taken one after the other.",
             "",
             "| call | server | req/s | p50 ms | p99 ms | server CPU µs/req | answer bytes | real/bare req/s (median of paired runs, range) | bare/real CPU per call, both loaded at once (median, range) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    cases = []
    for case, label in CASES:
        runs = {s: [one_run(f"{work}/{case}.{s}.{r}") for r in range(1, reps + 1)]
                for s in ("bare", "real")}
        # Each real run is paired with the bare run just before it; the
        # median of those ratios resists the host's noise better than a
        # ratio of medians, and the range shows how large that noise was.
        ratios = [real["rps"] / bare["rps"] for real, bare in zip(runs["real"], runs["bare"])]
        ratio = statistics.median(ratios)
        # Runs with both servers loaded at once: bare CPU per call / real.
        together = [one_run(f"{work}/{case}.{s}.together.{r}")["cpu_us"]
                    for r in range(1, reps + 1) for s in ("bare", "real")]
        cpu_ratios = [bare / real for bare, real in zip(together[::2], together[1::2])]
        cpu_ratio = statistics.median(cpu_ratios)
        together_cpu = {"bare": statistics.median(together[::2]),
                        "real": statistics.median(together[1::2])}
        meds = {}
        for s in ("bare", "real"):
            med = meds[s] = {k: statistics.median(r[k] for r in runs[s]) for k in runs[s][0]}
            bad = f" ({med['bad']:.0f} failed)" if med["bad"] else ""
            lines.append(
                f"| {label} | {s} | {med['rps']:,.0f}{bad} | {med['p50']:.2f} | "
                f"{med['p99']:.2f} | {med['cpu_us']:,.1f} | {med['bytes']:,.0f} | "
                + (f"**{ratio:.0%}** ({min(ratios):.0%}–{max(ratios):.0%})"
                   if s == "real" else "") + " | "
                + (f"**{cpu_ratio:.0%}** ({min(cpu_ratios):.0%}–{max(cpu_ratios):.0%})"
                   if s == "real" else "") + " |")
        cases.append({"label": label, "ratio": ratio, "ratio_range": [min(ratios), max(ratios)],
                      "cpu_ratio": cpu_ratio, "cpu_ratio_range": [min(cpu_ratios), max(cpu_ratios)],
                      "together_cpu_us": together_cpu,
                      "real_rps": meds["real"]["rps"],
                      "bare_rps": meds["bare"]["rps"], "real_p99_ms": meds["real"]["p99"],
                      "bare_p99_ms": meds["bare"]["p99"]})
    lines += ["", "In-process (criterion, `benches/scoring.rs`, mimalloc as in the service, 30-type model, shipped "
              "rules; median):", "", "| benchmark | per lead |", "| --- | ---: |"]
    in_process = {}
    for name, ns in criterion(f"{work}/criterion"):
        lines.append(f"| `{name}` | {ns / 1000:,.2f} µs |")
        in_process[name] = ns / 1000
    record_figures(doc, "scoring", machine, command,
                   {"cases": cases, "in_process_us_per_lead": in_process})
    write_section(doc, HEADING, "\n".join(lines) + "\n")


def write_section(doc, heading, section, first=False):
    """Prints `section` and puts it in place of the `heading` section of
    `doc` (when missing: appended, or put before every other section with
    `first`); the other sections are kept."""
    print(section)
    path = pathlib.Path(doc)
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    start = text.find(heading)
    if start < 0 and first:
        at = text.find("\n## ")
        at = len(text) if at < 0 else at + 1
        text = text[:at].rstrip("\n") + "\n\n" + section + "\n" + text[at:]
    elif start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end:] if end >= 0 else "")
    path.write_text(text)
    print(f"wrote {doc}", file=sys.stderr)


def record_figures(doc, part, machine, command, figures):
    """Stores one part's headline `figures` (with its machine, command and
    date) in the JSON file beside `doc`, for benches/headline.py."""
    path = pathlib.Path(doc).with_suffix(".json")
    data = json.loads(path.read_text()) if path.exists() else {}
    data[part] = dict(figures, machine=machine, command=command,
                      machine_short=machine.split(";")[0],
                      date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")

if __name__ == "__main__":
    main()
