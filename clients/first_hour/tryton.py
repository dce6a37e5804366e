"""The first hour with Tryton, step by step as docs/first-hour/tryton.md says: from a fresh `make run`
and a Tryton with the purchase modules to the first invoiced cost on a WO. It also plays the ERP's
own people (approver, buyer, storeroom, accounts payable) over Tryton's JSON-RPC, as Tryton's client
would, so the hour runs in a minute.

usage: python clients/first_hour/tryton.py --url http://127.0.0.1:8000 --token pw_... [--site ist]
       --tryton http://127.0.0.1:8001 --database erp --connector-password ... --admin-password ...
"""

import argparse
import base64
import datetime as dt
import json
import urllib.request
from decimal import Decimal

from plantwright_api import Plantwright, say, wait_for


class Tryton:
    """Tryton's JSON-RPC (`POST /<database>/rpc/`), signed in as one of the ERP's people."""

    authorization = ""

    def __init__(self, url: str, database: str, login: str, password: str):
        self.endpoint = f"{url.rstrip('/')}/{database}/rpc/"
        user_id, session = self._post("common.db.login", [login, {"password": password}, "en"])[:2]
        self.authorization = "Session " + base64.b64encode(f"{login}:{user_id}:{session}".encode()).decode()
        self.context = self._post("model.res.user.get_preferences", [True, {}])

    def _post(self, method: str, params: list):
        body = json.dumps({"id": 1, "method": method, "params": params}, default=_tryton_value).encode()
        request = urllib.request.Request(self.endpoint, body, method="POST")
        request.add_header("Content-Type", "application/json")
        if self.authorization:
            request.add_header("Authorization", self.authorization)
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        if answer.get("error"):
            raise RuntimeError(f"Tryton: {answer['error']}")
        return answer["result"]

    def __call__(self, model: str, method: str, *args):
        return self._post(f"model.{model}.{method}", [*args, self.context])

    def wizard(self, name: str, model: str, ids: list[int]) -> None:
        session, start, _end = self._post(f"wizard.{name}.create", [self.context])
        context = {**self.context, "active_model": model, "active_ids": ids, "active_id": ids[0]}
        self._post(f"wizard.{name}.execute", [session, {}, start, context])
        self._post(f"wizard.{name}.delete", [session, self.context])


def _tryton_value(value):
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    raise TypeError(type(value).__name__)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="an API token of the site's administrator")
    parser.add_argument("--site", default="ist", help="the site's code")
    parser.add_argument("--tryton", required=True, help="Tryton's URL")
    parser.add_argument("--database", required=True, help="Tryton's database")
    parser.add_argument("--connector-user", default="plantwright")
    parser.add_argument("--connector-password", required=True)
    parser.add_argument("--admin-password", required=True, help="Tryton's admin: plays the ERP's people")
    arguments = parser.parse_args()
    api = Plantwright(arguments.url, arguments.token)

    say("1. Find the site")
    site = next(s for s in api.get("/sites")["items"] if s["code"] == arguments.site)

    say("2. Connect the site to Tryton (the password is written, never read back)")
    connector = api.put("/sites/{site}/connector", {"connector": "tryton", "tryton": {
        "url": arguments.tryton, "database": arguments.database, "username": arguments.connector_user,
        "password": arguments.connector_password, "warehouse_code": "WH",
        "service_product_code": "SRV-CONTRACTOR", "poll_every_seconds": 5}}, site=site["id"])  # fmt: skip
    assert connector["tryton"]["password_set"], connector

    say("3. Open a WO and request a seal from the catalogue on it")
    asset = api.get("/assets?site={site}&limit=1", site=site["id"])["items"][0]
    seal = api.get("/parts?q={part}", part="SEAL-MS-35")["items"][0]
    vendor = next(v for v in api.get("/vendors") if v["code"] == "BEARCO")  # its ERP id is a Tryton party's code
    work_order = api.post("/work-orders", {"asset": asset["id"], "type": "corrective", "title": "Seal leak",
                                           "is_failure": False})  # fmt: skip
    api.post("/work-orders/{wo}/transition", {"to": "approved"}, wo=work_order["id"])
    request = api.post("/work-orders/{wo}/parts-requests", {"submit": True, "lines": [
        {"part": seal["id"], "quantity": "2", "estimated_unit_cost": "85.00", "suggested_vendor": vendor["id"]}]},
        wo=work_order["id"])  # fmt: skip

    say("4. In Tryton, the requisition appears; the ERP's people approve it and buy")
    erp = Tryton(arguments.tryton, arguments.database, "admin", arguments.admin_password)
    key = f"[parts_request:{request['id']}:submit]"
    (requisition,) = wait_for(
        "the requisition in Tryton",
        lambda: erp(
            "purchase.requisition",
            "search_read",
            [("description", "like", f"%{key}%"), ("state", "=", "waiting")],
            0,
            None,
            None,
            ["lines"],
        ),
    )
    erp("purchase.requisition", "approve", [requisition["id"]])
    origins = [f"purchase.requisition.line,{line}" for line in requisition["lines"]]
    requests = erp("purchase.request", "search", [("origin", "in", origins)], 0, None, None)
    erp.wizard("purchase.request.create_purchase", "purchase.request", requests)
    (purchase_id,) = {row["purchase"] for row in erp("purchase.request", "read", requests, ["purchase"])}
    erp("purchase.purchase", "quote", [purchase_id])
    erp("purchase.purchase", "confirm", [purchase_id])

    say("5. Plantwright reads the purchase at its next poll: the WO's request is ordered")
    ordered = wait_for("the PO on the request", lambda: _ordered(api, request["id"]), timeout=120)
    (purchase,) = erp("purchase.purchase", "read", [purchase_id], ["number", "moves", "party", "warehouse"])
    assert ordered == purchase["number"], (ordered, purchase)

    say("6. The storeroom receives the seals; accounts payable posts the vendor's invoice at 80.00 each")
    (warehouse,) = erp("stock.location", "read", [purchase["warehouse"]], ["input_location", "storage_location"])
    (shipment,) = erp("stock.shipment.in", "create", [{
        "supplier": purchase["party"], "warehouse": purchase["warehouse"], "company": erp.context["company"],
        "warehouse_input": warehouse["input_location"], "warehouse_storage": warehouse["storage_location"],
        "incoming_moves": [["add", purchase["moves"]]]}])  # fmt: skip
    erp("stock.shipment.in", "receive", [shipment])
    erp("stock.shipment.in", "do", [shipment])
    (invoice_id,) = erp("purchase.purchase", "read", [purchase_id], ["invoices"])[0]["invoices"]
    (invoice,) = erp("account.invoice", "read", [invoice_id], ["lines"])
    erp("account.invoice.line", "write", invoice["lines"], {"unit_price": Decimal("80.00")})
    erp("account.invoice", "write", [invoice_id], {"invoice_date": dt.date.today(), "reference": "RE-2211"})
    erp("account.invoice", "post", [invoice_id])

    say("7. At the next poll the receipt and the invoice post their cost to the WO")
    wo = work_order["id"]
    cost = wait_for("the invoiced cost on the WO", lambda: _cost_when(api, wo, Decimal(160)), timeout=120)
    say(f"Done: {work_order['number']} cost {cost['parts']} {site['currency']} in parts, "
        f"from Tryton purchase {purchase['number']}.")  # fmt: skip


def _ordered(api: Plantwright, request_id: int) -> str | None:
    found = api.get("/parts-requests/{request}", request=request_id)
    numbers = {link["po_number"] for line in found["lines"] for link in line["po_links"]}
    return numbers.pop() if found["status"] == "ordered" and len(numbers) == 1 else None


def _cost_when(api: Plantwright, work_order: int, parts: Decimal):
    cost = api.get("/work-orders/{wo}/cost", wo=work_order)
    return cost if Decimal(cost["parts"]) == parts else None


if __name__ == "__main__":
    main()
