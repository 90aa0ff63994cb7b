#!/usr/bin/env python3
"""Interop: a client nobody here wrote (PyPI grpcio) scores a lead.

Generates Python stubs from proto/ with grpcio-tools, starts the
`leadscore` binary on 127.0.0.1:0 with the repository's default model and
rules, and checks ScoreLead, ScoreLeads, health and reflection. Exits
non-zero on the first failed check.

Usage: python3 tests/python/interop_test.py [path/to/leadscore]
"""

import json
import math
import pathlib
import subprocess
import sys
import tempfile
import threading

ROOT = pathlib.Path(__file__).resolve().parents[2]


def generate_stubs(out: pathlib.Path) -> None:
    from grpc_tools import protoc
    import grpc_tools

    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    protos = sorted(str(p.relative_to(ROOT / "proto")) for p in (ROOT / "proto").rglob("*.proto"))
    args = ["protoc", f"-I{ROOT / 'proto'}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}", *protos]
    if protoc.main(args) != 0:
        sys.exit("protoc failed")
    sys.path.insert(0, str(out))


def start_server(binary: str, db_dir: str):
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--db", f"sqlite://{db_dir}/leads.db",
         "--models", str(ROOT / "models"), "--rules", str(ROOT / "config/rules.toml")],
        stderr=subprocess.PIPE, text=True,
    )
    for line in proc.stderr:
        event = json.loads(line)
        if event["fields"].get("message") == "serving leadscore.v1":
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, event["fields"]["addr"]
    sys.exit(f"server exited before serving (status {proc.wait()})")


def check(cond: bool, what: str) -> None:
    if not cond:
        sys.exit(f"FAILED: {what}")
    print(f"ok - {what}")


def main() -> None:
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/leadscore")
    with tempfile.TemporaryDirectory() as gen:
        generate_stubs(pathlib.Path(gen))
        import grpc
        from google.protobuf import timestamp_pb2
        from grpc_health.v1 import health_pb2, health_pb2_grpc
        from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
        from leadscore.v1 import scoring_pb2 as pb, scoring_pb2_grpc as rpc

        proc, addr = start_server(binary, gen)
        try:
            channel = grpc.insecure_channel(addr)
            stub = rpc.ScoringServiceStub(channel)
            now = timestamp_pb2.Timestamp()
            now.FromSeconds(1_780_272_000)
            day = 86_400

            def at(days_ago):
                t = timestamp_pb2.Timestamp()
                t.FromSeconds(now.seconds - int(days_ago * day))
                return t

            yes = pb.BantCriterion(status=pb.BANT_STATUS_YES)
            lead = pb.Lead(
                lead_id="py-1",
                profile=pb.Profile(job_title="VP Marketing", department="Marketing", industry="Software",
                                   country="US", company_size=500, annual_revenue=2e7, email_domain="acme.com"),
                bant=pb.Bant(budget=yes, authority=yes, need=yes),
                activities=[pb.Activity(type=t, occurred_at=at(d)) for t, d in [
                    ("demo_request", 1), ("contact_sales", 2), ("pricing_page_view", 2), ("pricing_page_view", 3),
                    ("webinar_attended", 5), ("case_study_download", 6), ("white_paper_download", 8),
                    ("blog_read", 1), ("blog_read", 4), ("email_click", 2)]],
            )
            s = stub.ScoreLead(pb.ScoreLeadRequest(lead=lead, as_of=now)).score
            check(0 <= s.score <= 100 and abs(s.score - 100 * s.probability) < 1e-9, "score is probability x 100")
            total = s.baseline_logit + sum(c.logit for c in s.contributions)
            check(abs(total - s.logit) < 1e-9, "contributions add up to the logit")
            check(abs(1 / (1 + math.exp(-s.logit)) - s.probability) < 1e-12, "probability is the logistic of the logit")
            check(s.model_version != "" and s.rules_version.startswith("sha256:"), "answer names model and rules versions")
            check(len(s.verdicts) == 6, "all six criteria have a verdict")
            check(s.fit_grade == pb.FIT_GRADE_A and s.decision_maker, "a VP at a target company is grade A and a decision-maker")
            print(f"   stage={pb.Stage.Name(s.stage)} score={s.score:.1f} model={s.model_version}")

            student = pb.Lead()
            student.CopyFrom(lead)
            student.lead_id = "py-student"
            student.profile.job_title = "Student"
            batch = stub.ScoreLeads(pb.ScoreLeadsRequest(leads=[lead, student], as_of=now)).scores
            check([b.lead_id for b in batch] == ["py-1", "py-student"], "batch answered in order")
            check(batch[1].disqualified and batch[1].stage == pb.STAGE_NURTURING, "a student is never MQL")

            try:
                stub.ScoreLead(pb.ScoreLeadRequest(lead=pb.Lead(lead_id=""), as_of=now))
                check(False, "empty lead id is rejected")
            except grpc.RpcError as e:
                check(e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("lead.lead_id"),
                      "empty lead id is INVALID_ARGUMENT naming lead.lead_id")

            from leadscore.v1 import leads_pb2_grpc, pipeline_pb2
            pipeline = leads_pb2_grpc.LeadServiceStub(channel).GetPipelineHealth(pipeline_pb2.GetPipelineHealthRequest())
            check(pipeline.active.model_version == s.model_version and not pipeline.stale,
                  "pipeline health judges the active model (no outcomes yet: not stale)")
            try:
                leads_pb2_grpc.LeadServiceStub(channel).GetPipelineHealth(
                    pipeline_pb2.GetPipelineHealthRequest(min_outcomes=1))
                check(False, "min_outcomes 1 is rejected")
            except grpc.RpcError as e:
                check(e.code() == grpc.StatusCode.INVALID_ARGUMENT and e.details().startswith("min_outcomes"),
                      "a bad threshold is INVALID_ARGUMENT naming min_outcomes")

            health = health_pb2_grpc.HealthStub(channel)
            for service in ["", "leadscore.v1.ScoringService"]:
                status = health.Check(health_pb2.HealthCheckRequest(service=service)).status
                check(status == health_pb2.HealthCheckResponse.SERVING, f"health {service or '(server)'} is SERVING")

            db = ProtoReflectionDescriptorDatabase(channel)
            services = db.get_services()
            check("leadscore.v1.ScoringService" in services, "reflection lists leadscore.v1.ScoringService")
            method = db.FindFileContainingSymbol("leadscore.v1.ScoringService")
            check(method.package == "leadscore.v1", "reflection serves the leadscore.v1 descriptors")
        finally:
            proc.terminate()
            code = proc.wait(timeout=30)
        check(code == 0, "server exits cleanly on SIGTERM")


if __name__ == "__main__":
    main()
