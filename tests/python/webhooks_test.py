#!/usr/bin/env python3
"""Outbound webhooks, checked by a receiver nobody here wrote the verifier
of: every delivery is verified with the `standardwebhooks` package (PyPI).

Starts the `leadscore` binary with `--http-listen 127.0.0.1:0` and a
webhooks file whose subscription posts to a local receiver (http.server on
127.0.0.1, so `allow_private = true`). The receiver answers 503 to its
first requests (down for a while), then 204. A scripted history (two leads
become SQLs, are accepted, one handed back, one won) is written over
HTTP/JSON; the receiver must then hold every stage change of the log
exactly once, in cursor order, each signature valid, and
`GET /v1/webhooks` must show the subscription caught up.
Exits non-zero on the first failed check.

Usage: python3 tests/python/webhooks_test.py [path/to/leadscore]
"""

import base64
import http.server
import json
import os
import queue
import sys
import tempfile
import threading
import time

from http_test import ROOT, check

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
DOWN_FOR = 3  # requests answered 503 before the receiver "comes back"


class Receiver(http.server.BaseHTTPRequestHandler):
    got: "queue.Queue[tuple[int, dict, bytes]]" = queue.Queue()
    seen = 0

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.seen += 1
        status = 503 if Receiver.seen <= DOWN_FOR else 204
        self.send_response(status)
        self.end_headers()
        Receiver.got.put((status, dict(self.headers), body))

    def log_message(self, *args):
        pass


def start_server(binary, tmp, webhooks):
    import subprocess
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0", "--log-format", "json",
         "--db", f"sqlite://{tmp}/leads.db", "--models", str(ROOT / "models"),
         "--rules", str(ROOT / "config/rules.toml"), "--webhooks", webhooks],
        stderr=subprocess.PIPE, text=True,
    )
    for line in proc.stderr:
        fields = json.loads(line)["fields"]
        if fields.get("message") == "serving HTTP/JSON":
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, "http://" + fields["addr"]
    sys.exit(f"server exited before serving (status {proc.wait()})")


def script(session, base, leads):
    """Each lead an SQL, accepted by its owner; the first handed back, the second won."""
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    yes = {"status": "BANT_STATUS_YES"}
    for i, lead in enumerate(leads):
        profile = {"jobTitle": "VP Marketing", "department": "Marketing", "industry": "Software", "country": "US",
                   "companySize": 500, "annualRevenue": 2e7, "emailDomain": "acme.com"}
        r = session.post(f"{base}/v1/leads:batchUpsert", json={"leads": [
            {"leadId": lead, "profile": profile, "bant": {"budget": yes, "authority": yes, "need": yes}}]})
        check(r.status_code == 200, f"upsert {lead}")
        events = [{"eventId": f"{lead}-{j}", "leadId": lead, "type": t, "occurredAt": now}
                  for j, t in enumerate(["demo_request", "pricing_page_view", "pricing_page_view", "webinar_attended"])]
        check(session.post(f"{base}/v1/activities:batchRecord", json={"events": events}).status_code == 200,
              f"activities of {lead}")
        owner = session.get(f"{base}/v1/leads/{lead}").json()["lead"]["owner"]
        check(session.post(f"{base}/v1/leads/{lead}:accept", json={"owner": owner}).status_code == 200,
              f"{lead} accepted by {owner}")
        if i == 0:
            r = session.post(f"{base}/v1/leads/{lead}:reject", json={"reason": "no budget this year"})
        else:
            r = session.post(f"{base}/v1/leads/{lead}:recordOutcome", json={"outcome": "OUTCOME_WON", "occurredAt": now})
        check(r.status_code == 200, f"{lead} handed back or won")


def change_log(session, base, leads):
    """(cursor, kind) of every change of `leads`, in cursor order."""
    out = []
    for lead in leads:
        for h in session.get(f"{base}/v1/leads/{lead}").json()["history"]:
            out.append((int(h["cursor"]), h["kind"].removeprefix("STAGE_CHANGE_KIND_").lower()))
    return sorted(out)


def main() -> None:
    import requests
    from standardwebhooks.webhooks import Webhook
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/leadscore")
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        webhooks = f"{tmp}/webhooks.toml"
        with open(webhooks, "w") as f:
            f.write("[delivery]\nbackoff_base_ms = 10\nbackoff_max_ms = 100\n"
                    f"[[subscription]]\nid = \"py\"\nurl = \"http://127.0.0.1:{receiver.server_port}/hook\"\n"
                    f"secret = \"{SECRET}\"\nallow_private = true\n")
        proc, base = start_server(binary, tmp, webhooks)
        try:
            session = requests.Session()
            leads = ["py-w1", "py-w2"]
            script(session, base, leads)
            log = change_log(session, base, leads)
            check(len(log) >= 8, f"the scripted history has {len(log)} changes")
            verifier, delivered, refused = Webhook(SECRET), [], 0
            while len(delivered) < len(log):
                status, headers, body = Receiver.got.get(timeout=60)
                payload = verifier.verify(body, headers)  # raises unless signed right
                if status == 503:
                    refused += 1
                    continue
                delivered.append((payload["data"]["cursor"], payload["data"]["kind"], headers["webhook-id"]))
            check(refused == DOWN_FOR, f"the receiver refused {refused} attempts while down; retried with backoff")
            check([(c, k) for c, k, _ in delivered] == log,
                  "every stage change delivered once, in cursor order, each verified by standardwebhooks")
            check(all(i == f"msg_py_{c}" for c, _, i in delivered), "webhook-id msg_<subscription>_<cursor>")
            check(len({i for _, _, i in delivered}) == len(log), "no webhook-id twice")
            # The receiver sees the last delivery before the service has its
            # 2xx and stores the cursor: ask again until caught up (bounded).
            deadline = time.monotonic() + 30
            while True:
                subs = session.get(f"{base}/v1/webhooks").json()["subscriptions"]
                if int(subs[0].get("lag", "0")) == 0 or time.monotonic() > deadline:
                    break
            check(len(subs) == 1 and subs[0]["id"] == "py" and "secret" not in json.dumps(subs).lower(),
                  "GET /v1/webhooks lists the subscription without its secret")
            check(int(subs[0].get("lag", "0")) == 0 and int(subs[0]["deliveredCursor"]) == log[-1][0],
                  "the subscription is caught up (lag 0)")
        finally:
            proc.terminate()
            code = proc.wait(timeout=30)
            receiver.shutdown()
        check(code == 0, "server exits cleanly on SIGTERM")


if __name__ == "__main__":
    main()
