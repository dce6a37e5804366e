"""The first hour with the ERP webhook connector, step by step as docs/first-hour/erp-webhook.md says:
from a fresh `make run` to the first PO cost on a WO. It plays your ERP with a small receiver of its
own (standard library only), so you can watch each message cross.

usage: python clients/first_hour/erp_webhook.py --url http://127.0.0.1:8000 --token pw_... [--site ist]
       (the server started with OUTBOUND_ALLOWED_NETWORKS=127.0.0.1, so it may call this receiver)
"""

import argparse
import http.server
import json
import queue
import threading
from datetime import UTC, datetime
from decimal import Decimal

from plantwright_api import Plantwright, say, signed_headers, verify, wait_for


class Erp(http.server.ThreadingHTTPServer):
    """Your ERP's endpoint: checks each message's signature and queues what it accepted."""

    def __init__(self):
        self.secret = ""
        self.inbox: queue.Queue = queue.Queue()
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/plantwright"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not verify(self.server.secret, self.headers, body):
            self.send_response(401)
            self.end_headers()
            return
        self.server.inbox.put(json.loads(body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="an API token of the site's administrator")
    parser.add_argument("--site", default="ist", help="the site's code")
    arguments = parser.parse_args()
    api = Plantwright(arguments.url, arguments.token)
    erp = Erp()

    say("1. Find the site")
    site = next(s for s in api.get("/sites")["items"] if s["code"] == arguments.site)

    say(f"2. Point the site's connector at the ERP ({erp.url}) and keep the signing secret")
    connector = api.put("/sites/{site}/connector", {"connector": "webhook", "webhook_url": erp.url}, site=site["id"])
    erp.secret = connector["webhook_secret"] or api.post("/sites/{site}/connector/rotate-secret",
                                                         site=site["id"])["webhook_secret"]  # fmt: skip

    say("3. Pick an asset and open a WO on it")
    asset = api.get("/assets?site={site}&limit=1", site=site["id"])["items"][0]
    work_order = api.post("/work-orders", {"asset": asset["id"], "type": "corrective", "title": "Seal leak",
                                           "is_failure": False})  # fmt: skip
    api.post("/work-orders/{wo}/transition", {"to": "approved"}, wo=work_order["id"])

    say("4. Request a seal kit on the WO and submit it")
    request = api.post("/work-orders/{wo}/parts-requests", {"submit": True, "lines": [
        {"description": "Mechanical seal kit 35 mm", "quantity": "2", "estimated_unit_cost": "80.00"}]},
        wo=work_order["id"])  # fmt: skip

    say("5. The ERP receives parts_request.submitted, signed (the outbox worker sends it)")
    message = wait_for("parts_request.submitted", lambda: _next(erp.inbox))
    assert message["type"] == "parts_request.submitted" and message["parts_request"]["id"] == request["id"]
    request_line = message["parts_request"]["lines"][0]["request_line"]

    say("6. The ERP answers: PO created, goods received, invoice posted (signed events)")
    now, po, key = datetime.now(UTC).isoformat(), f"45{request['id']:08d}", request["id"]
    events = {"events": [
        {"event_id": f"po-{key}", "type": "po.created", "occurred_at": now, "po_number": po,
         "currency": site["currency"], "vendor": {"code": "V-2001", "name": "Bearco Bearings"},
         "lines": [{"po_line": 10, "request_line": request_line, "quantity": "2", "unit_price": "78.50"}]},
        {"event_id": f"gr-{key}", "type": "receipt.posted", "occurred_at": now, "po_number": po,
         "receipt_number": f"GR-{key}", "lines": [{"po_line": 10, "quantity": "2"}]},
        {"event_id": f"inv-{key}", "type": "invoice.posted", "occurred_at": now, "po_number": po,
         "invoice_number": f"INV-{key}", "currency": site["currency"],
         "lines": [{"po_line": 10, "quantity": "2", "amount": "160.00"}]},
    ]}  # fmt: skip
    body = json.dumps(events).encode()
    answer = api.call("POST", "/erp/events?site={code}", raw=body, headers=signed_headers(erp.secret, body),
                      code=site["code"])  # fmt: skip
    assert [result["status"] for result in answer["results"]] == ["applied", "applied", "applied"], answer

    say("7. The WO carries the invoiced cost")
    cost = api.get("/work-orders/{wo}/cost", wo=work_order["id"])
    assert Decimal(cost["parts"]) == Decimal("160"), cost
    say(f"Done: {work_order['number']} cost {cost['parts']} {site['currency']} in parts, from PO {po}.")


def _next(inbox: queue.Queue):
    try:
        return inbox.get_nowait()
    except queue.Empty:
        return None


if __name__ == "__main__":
    main()
