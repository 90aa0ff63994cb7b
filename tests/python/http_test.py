#!/usr/bin/env python3
"""HTTP/JSON interop: a client nobody here wrote (PyPI requests) calls every
unary RPC over HTTP and gets what grpcio gets over gRPC.

Starts the `leadscore` binary with `--http-listen 127.0.0.1:0` and the
repository's default model and rules, calls each unary RPC over both
(writes on two leads prepared alike, compared with their ids and "now"
times normalized), checks errors (HTTP status and gRPC code) and that the
stage-change event stream resumes after Last-Event-ID without a gap.
Exits non-zero on the first failed check.

Usage: python3 tests/python/http_test.py [path/to/leadscore]
"""

import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from interop_test import ROOT, check, generate_stubs

TIME = re.compile(r"^\d{4}-\d\d-\d\dT.*Z$")


def start_server(binary: str, db_dir: str):
    # A copy: ActivateModel and SetShadowModel write their choice beside the models.
    models = shutil.copytree(ROOT / "models", pathlib.Path(db_dir) / "models")
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--log-format", "json",
         "--db", f"sqlite://{db_dir}/leads.db", "--models", str(models),
         "--rules", str(ROOT / "config/rules.toml")],
        stderr=subprocess.PIPE, text=True,
    )
    addrs = {}
    for line in proc.stderr:
        fields = json.loads(line)["fields"]
        if fields.get("message") in ("serving HTTP/JSON", "serving leadscore.v1"):
            addrs[fields["message"]] = fields["addr"]
        if len(addrs) == 2:
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, addrs["serving leadscore.v1"], "http://" + addrs["serving HTTP/JSON"]
    sys.exit(f"server exited before serving (status {proc.wait()})")


def normalized(value, source, target):
    """`value` with lead ids `source` → `target` and every time → <time>."""
    if isinstance(value, str):
        return "<time>" if TIME.match(value) else value.replace(source, target)
    if isinstance(value, list):
        return [normalized(v, source, target) for v in value]
    if isinstance(value, dict):
        return {k: normalized(v, source, target) for k, v in value.items()}
    return value


class Both:
    """Calls over gRPC (grpcio) and HTTP (requests) and compares."""

    def __init__(self, base, session):
        self.base, self.http = base, session
        from google.protobuf import json_format
        self.to_dict = lambda m: json_format.MessageToDict(m)

    def call(self, method, path, body=None, headers=None):
        r = self.http.request(method, self.base + path, json=body, headers=headers or {})
        return r.status_code, r.json()

    def same(self, what, grpc_answer, method, path, body=None, swap=None):
        status, http = self.call(method, path, body)
        grpc = self.to_dict(grpc_answer)
        if swap:
            http, grpc = normalized(http, *swap), normalized(grpc, *swap)
        check(status == 200 and http == grpc, f"{what}: HTTP {method} {path} answers as gRPC"
              + ("" if http == grpc else f" (HTTP {status} {http} vs gRPC {grpc})"))
        return http


def now_ts():
    from google.protobuf import timestamp_pb2
    t = timestamp_pb2.Timestamp()
    t.FromSeconds(int(time.time()))
    return t


def hot(pb, lp, lead_id):
    yes = pb.BantCriterion(status=pb.BANT_STATUS_YES)
    profile = pb.Profile(job_title="VP Marketing", department="Marketing", industry="Software",
                         country="US", company_size=500, annual_revenue=2e7, email_domain="acme.com")
    upsert = lp.UpsertLeadsRequest(leads=[lp.LeadUpsert(lead_id=lead_id, profile=profile,
                                                        bant=pb.Bant(budget=yes, authority=yes, need=yes))])
    events = lp.RecordActivitiesRequest(events=[
        lp.ActivityEvent(event_id=f"{lead_id}-{i}", lead_id=lead_id, type=t, occurred_at=now_ts())
        for i, t in enumerate(["demo_request", "pricing_page_view", "pricing_page_view", "webinar_attended"])])
    return upsert, events


def scoring(both, stubs, pb):
    from google.protobuf import json_format
    lead = pb.Lead(lead_id="py-s", profile=pb.Profile(job_title="CTO", company_size=250.5),
                   activities=[pb.Activity(type="demo_request", occurred_at=now_ts())])
    req = pb.ScoreLeadRequest(lead=lead, as_of=now_ts())
    both.same("ScoreLead", stubs["scoring"].ScoreLead(req), "POST", "/v1/leads:score", json_format.MessageToDict(req))
    batch = pb.ScoreLeadsRequest(leads=[lead, lead], as_of=now_ts())
    both.same("ScoreLeads", stubs["scoring"].ScoreLeads(batch), "POST", "/v1/leads:batchScore",
              json_format.MessageToDict(batch))


def lead_writes(both, stubs, pb, lp):
    from google.protobuf import json_format
    leads, swap = stubs["leads"], ("py-h", "py-g")
    (g_up, g_ev), (h_up, h_ev) = hot(pb, lp, "py-g"), hot(pb, lp, "py-h")
    both.same("UpsertLeads", leads.UpsertLeads(g_up), "POST", "/v1/leads:batchUpsert",
              json_format.MessageToDict(h_up), swap)
    both.same("RecordActivities", leads.RecordActivities(g_ev), "POST", "/v1/activities:batchRecord",
              json_format.MessageToDict(h_ev), swap)
    both.same("AssignLead", leads.AssignLead(lp.AssignLeadRequest(lead_id="py-g", owner="ann")),
              "POST", "/v1/leads/py-h:assign", {"owner": "ann"}, swap)
    both.same("AcceptLead", leads.AcceptLead(lp.AcceptLeadRequest(lead_id="py-g")),
              "POST", "/v1/leads/py-h:accept", {}, swap)
    both.same("RejectLead", leads.RejectLead(lp.RejectLeadRequest(lead_id="py-g", reason="no budget")),
              "POST", "/v1/leads/py-h:reject", {"reason": "no budget"}, swap)
    at = now_ts()
    won = lp.RecordOutcomeRequest(lead_id="py-g", outcome=lp.OUTCOME_WON, occurred_at=at)
    both.same("RecordOutcome", leads.RecordOutcome(won), "POST", "/v1/leads/py-h:recordOutcome",
              {"outcome": "OUTCOME_WON", "occurredAt": json_format.MessageToDict(won)["occurredAt"]}, swap)


def batch_outcomes(both, stubs, lp):
    from google.protobuf import json_format
    leads, swap = stubs["leads"], ("py-bh", "py-bg")
    for lead in ("py-bg", "py-bh"):
        leads.UpsertLeads(lp.UpsertLeadsRequest(leads=[lp.LeadUpsert(lead_id=lead)]))
    at = now_ts()
    at.seconds += 2  # after the leads' creation (to the microsecond), inside the 1-day skew
    grpc_req = lp.RecordOutcomesRequest(outcomes=[
        lp.RecordOutcomeRequest(lead_id="py-bg", outcome=lp.OUTCOME_LOST, occurred_at=at),
        lp.RecordOutcomeRequest(lead_id="nobody", outcome=lp.OUTCOME_WON, occurred_at=at)])
    http_req = json_format.MessageToDict(grpc_req)
    http_req["outcomes"][0]["leadId"] = "py-bh"
    answer = both.same("RecordOutcomes", leads.RecordOutcomes(grpc_req), "POST", "/v1/leads:recordOutcomes",
                       http_req, swap)
    check([r["status"] for r in answer["results"]] == ["OUTCOME_STATUS_RECORDED", "OUTCOME_STATUS_REJECTED"],
          "RecordOutcomes answers each entry: recorded, and an unknown lead rejected")


def inbound(both):
    """A pixel or webhook POSTs events without ids; a retry is a duplicate."""
    hit = {"source": "pixel", "event": {"leadId": "py-in", "type": "Page View",
                                        "occurredAt": "2026-01-05T10:00:00Z"}}
    status, first = both.call("POST", "/v1/events:ingest", hit)
    result = first["results"][0]
    check(status == 200 and result["status"] == "EVENT_STATUS_RECORDED" and result["eventId"].startswith("d:"),
          "an inbound event without an id is recorded under a derived id")
    status, again = both.call("POST", "/v1/events:ingest", hit)
    retry = again["results"][0]
    check(status == 200 and retry["status"] == "EVENT_STATUS_DUPLICATE" and retry["eventId"] == result["eventId"],
          "the retried webhook counts once")
    other = {"source": "form", "events": [hit["event"], {**hit["event"], "eventId": "f-1"}]}
    status, batch = both.call("POST", "/v1/events:ingest", other)
    check(status == 200 and [r["status"] for r in batch["results"]] == ["EVENT_STATUS_RECORDED"] * 2
          and batch["results"][0]["eventId"] != result["eventId"] and batch["results"][1]["eventId"] == "f-1",
          "another source derives another id; a given id is kept")
    status, body = both.call("POST", "/v1/events:ingest", {"source": "x" * 65, "events": []})
    check(status == 400 and "source" in body["message"], "an over-long source is 400 naming it")


def reads(both, stubs, pb, lp, pl):
    from google.protobuf import timestamp_pb2
    leads, models = stubs["leads"], stubs["models"]
    for request in hot(pb, lp, "py-r"):
        getattr(leads, type(request).__name__.removesuffix("Request"))(request)
    both.same("GetLead", leads.GetLead(lp.GetLeadRequest(lead_id="py-r")), "GET", "/v1/leads/py-r")
    top = lp.ListPrioritizedLeadsRequest(stages=[pb.STAGE_SQL], page_size=50)
    both.same("ListPrioritizedLeads", leads.ListPrioritizedLeads(top), "GET", "/v1/leads?stages=STAGE_SQL&pageSize=50")
    to = now_ts()
    start = timestamp_pb2.Timestamp(seconds=to.seconds - 30 * 86_400)
    health = pl.GetPipelineHealthRequest(to=to, min_outcomes=10)
    health.__getattribute__("from").CopyFrom(start)
    both.same("GetPipelineHealth", leads.GetPipelineHealth(health), "GET",
              f"/v1/pipelineHealth?from={start.ToJsonString()}&to={to.ToJsonString()}&minOutcomes=10")
    from leadscore.v1 import models_pb2 as mp
    listed = both.same("ListModels", models.ListModels(mp.ListModelsRequest()), "GET", "/v1/models")
    version = listed["activeVersion"]
    both.same("GetModel", models.GetModel(mp.GetModelRequest(version=version)), "GET", f"/v1/models/{version}")
    both.same("GetModel (active)", models.GetModel(mp.GetModelRequest()), "GET", "/v1/models:active")
    both.same("ActivateModel", models.ActivateModel(mp.ActivateModelRequest(latest=True)),
              "POST", "/v1/models:activate", {"latest": True})
    both.same("SetShadowModel", models.SetShadowModel(mp.SetShadowModelRequest(clear=True)),
              "POST", "/v1/models:setShadow", {"clear": True})


def errors(both, stubs, pb):
    import grpc
    status, body = both.call("GET", "/v1/leads/nobody")
    check(status == 404 and body["code"] == 5 and body["details"] == [], "an unknown lead is 404, NOT_FOUND")
    try:
        stubs["scoring"].ScoreLead(pb.ScoreLeadRequest(lead=pb.Lead(lead_id="")))
        check(False, "empty lead id is rejected over gRPC")
    except grpc.RpcError as e:
        status, body = both.call("POST", "/v1/leads:score", {"lead": {"leadId": ""}})
        check(status == 400 and body["code"] == 3 and body["message"] == e.details(),
              "an empty lead id is 400, INVALID_ARGUMENT, with the gRPC message")
    status, body = both.call("GET", "/v1/leads?pageSize=many")
    check(status == 400 and "pageSize" in body["message"], "a bad query parameter is 400 naming it")
    status, body = both.call("GET", "/v1/leads:score")
    check(status == 501 and body["code"] == 12, "a route with the wrong method is 501, UNIMPLEMENTED")


def events(base, session):
    def read(headers, count):
        with session.get(base + "/v1/stageChanges:watch", headers=headers, stream=True) as r:
            check(r.status_code == 200 and r.headers["content-type"] == "text/event-stream", "the watch is an event stream")
            out, event = [], {}
            for line in r.iter_lines(decode_unicode=True):
                if line == "":
                    out.append(event)
                    event = {}
                    if len(out) == count:
                        return out
                else:
                    key, _, value = line.partition(": ")
                    event[key] = value
    first = read({}, 3)
    check([e["id"] for e in first] == ["1", "2", "3"], "event ids are the cursors 1, 2, 3")
    resumed = read({"Last-Event-ID": first[0]["id"]}, 2)
    check(resumed == first[1:], "a reconnect with Last-Event-ID resumes right after it, without a gap")


def main() -> None:
    import requests
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/leadscore")
    with tempfile.TemporaryDirectory() as gen:
        generate_stubs(pathlib.Path(gen))
        import grpc
        from leadscore.v1 import leads_pb2 as lp, leads_pb2_grpc, models_pb2_grpc, pipeline_pb2 as pl
        from leadscore.v1 import scoring_pb2 as pb, scoring_pb2_grpc
        proc, addr, base = start_server(binary, gen)
        try:
            channel = grpc.insecure_channel(addr)
            stubs = {"scoring": scoring_pb2_grpc.ScoringServiceStub(channel),
                     "leads": leads_pb2_grpc.LeadServiceStub(channel),
                     "models": models_pb2_grpc.ModelServiceStub(channel)}
            both = Both(base, requests.Session())
            scoring(both, stubs, pb)
            lead_writes(both, stubs, pb, lp)
            reads(both, stubs, pb, lp, pl)
            errors(both, stubs, pb)
            events(base, requests.Session())
            batch_outcomes(both, stubs, lp)
            inbound(both)
            status, doc = both.call("GET", "/openapi.json")
            check(status == 200 and doc["openapi"].startswith("3.") and "/v1/leads:score" in doc["paths"],
                  "/openapi.json is an OpenAPI 3 document with the routes")
        finally:
            proc.terminate()
            code = proc.wait(timeout=30)
        check(code == 0, "server exits cleanly on SIGTERM")


if __name__ == "__main__":
    main()
