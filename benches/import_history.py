#!/usr/bin/env python3
"""Writes an event-shape history for `leadscore import` benchmarks:
LEADS leads (a third won, a third lost) with EVENTS_PER_LEAD activities
each, into DIR/leads.csv and DIR/activities.csv.

    python3 benches/import_history.py DIR [LEADS] [EVENTS_PER_LEAD]
"""
import csv
import os
import sys
from datetime import datetime, timedelta, timezone

TYPES = ["page_view", "email_open", "demo_request", "webinar_attended", "pricing_page_view"]


def main():
    out = sys.argv[1]
    leads = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    os.makedirs(out, exist_ok=True)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(os.path.join(out, "leads.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["lead_id", "created_at", "outcome", "outcome_at", "bant_budget", "country", "lead_source"])
        for i in range(leads):
            created = start + timedelta(minutes=i)
            outcome = ["won", "lost", "open"][i % 3]
            at = fmt(created + timedelta(days=120)) if outcome != "open" else ""
            w.writerow([f"L{i:07d}", fmt(created), outcome, at, "yes" if i % 2 else "", "US", "ads"])
    with open(os.path.join(out, "activities.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["lead_id", "activity_type", "occurred_at", "event_id"])
        for i in range(leads):
            created = start + timedelta(minutes=i)
            for j in range(per):
                t = created + timedelta(hours=j * 5)
                w.writerow([f"L{i:07d}", TYPES[j % len(TYPES)], fmt(t), f"e{j}"])


if __name__ == "__main__":
    main()
