"""The Tryton connector, out: a submitted parts request becomes a purchase requisition in Tryton.

A requisition is the employee's request that Tryton's own approvers accept or reject, and that its
buyers turn into purchase requests and purchases: vendor choice and approval stay in the ERP. It is
created with the WO and request numbers in its description, one line per open request line (the
catalogue part as the Tryton product of the same code, the suggested vendor as the party of the same
code), then sent for approval (`wait`). The requisition line ids are kept, so the poller
(`plantwright.erp.tryton.poller`) can map every purchase, receipt and invoice back to its request line.

Each call runs in the outbox worker and may be retried: a requisition is looked up by the outbox
message's idempotency key (in its description) before one is created, so a retry after a lost answer
never creates a second one.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from plantwright.erp.models import TrytonConnection, TrytonLine, TrytonRequisition
from plantwright.erp.tryton.rpc import TrytonClient, TrytonError, TrytonUnreachable
from plantwright.outbox.models import OutboxMessage
from plantwright.outbox.registry import RetryableDeliveryError
from plantwright.procurement.models import ConnectorKind, LineKind, PartsRequest, PartsRequestLine

DEFAULT_LEAD_DAYS = 14
_clients: dict[tuple, TrytonClient] = {}


def client_for(connection: TrytonConnection) -> TrytonClient:
    """One signed-in client per connection and process (Tryton sessions last; a stale one signs in again)."""
    key = (connection.url, connection.database, connection.username, connection.secret())
    if not key[3]:
        raise TrytonError("LoginError", "No password for this URL: enter it again on the connector page.")
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = TrytonClient(connection.url, connection.database, connection.username, key[3])
    return client


def forget_clients() -> None:
    for client in _clients.values():
        client.close()
    _clients.clear()


def _failure(action: str, exc: Exception) -> RetryableDeliveryError:
    """Tryton down, or refusing (a user error, warning or missing access): retried, then dead-lettered."""
    if isinstance(exc, TrytonError):
        return RetryableDeliveryError(f"Tryton refused {action}: {exc.kind}: {exc.message}")
    return RetryableDeliveryError(f"Tryton unreachable during {action}: {exc}")


def vendor_code(vendor) -> str:
    return vendor.erp_id or vendor.code


class _References:
    """The Tryton ids a requisition needs, read in a handful of calls."""

    def __init__(self, client: TrytonClient, connection: TrytonConnection, lines: list[PartsRequestLine]):
        self.client = client
        warehouses = client.search(
            "stock.location", [("code", "=", connection.warehouse_code), ("type", "=", "warehouse")], limit=1
        )
        if not warehouses:
            raise TrytonError("Mapping", f"Tryton has no warehouse with code {connection.warehouse_code!r}.")
        self.warehouse = warehouses[0]
        currencies = client.search("currency.currency", [("code", "=", connection.site.currency)], limit=1)
        if not currencies:
            raise TrytonError("Mapping", f"Tryton has no currency {connection.site.currency!r}.")
        self.currency = currencies[0]
        self.unit = self._unit()
        codes = {line.part.part_number for line in lines if line.part_id}
        if connection.service_product_code:
            codes.add(connection.service_product_code)
        self.products = {
            row["code"]: row
            for row in client.search_read(
                "product.product", [("code", "in", sorted(codes))], ["id", "code", "purchase_uom", "default_uom"]
            )
        } if codes else {}  # fmt: skip
        self.service_product = self.products.get(connection.service_product_code)
        vendors = {vendor_code(line.suggested_vendor) for line in lines if line.suggested_vendor_id}
        self.parties = {
            row["code"]: row["id"]
            for row in client.search_read("party.party", [("code", "in", sorted(vendors))], ["id", "code"])
        } if vendors else {}  # fmt: skip

    def _unit(self) -> int | None:
        """Tryton's "Unit" (symbol u): the unit of a line that names no Tryton product."""
        units = self.client.search("product.uom", [("symbol", "=", "u")], limit=1)
        return units[0] if units else None

    def line(self, line: PartsRequestLine) -> dict[str, Any]:
        product = None
        description = line.description
        if line.kind == LineKind.SERVICE:
            product = self.service_product
        elif line.part_id:
            product = self.products.get(line.part.part_number)
            if product is None:  # not in Tryton's catalogue: the buyer reads the part number
                description = f"{line.part.part_number}: {description}"
        party = self.parties.get(vendor_code(line.suggested_vendor)) if line.suggested_vendor_id else None
        return {
            "product": product["id"] if product else None,
            "description": description,
            "quantity": float(line.quantity),
            "unit": (product["purchase_uom"] or product["default_uom"]) if product else self.unit,
            "unit_price": Decimal(line.estimated_unit_cost).quantize(Decimal("0.0001")),
            "supplier": party,
        }


def _description(request: PartsRequest, marker: str) -> str:
    work_order = request.work_order
    return f"{work_order.number} {work_order.title[:80]} · {request.number} · {work_order.asset.code} {marker}"


def _supply_date(lines: list[PartsRequestLine]) -> dt.date:
    dates = [line.need_by for line in lines if line.need_by]
    return min(dates) if dates else timezone.localdate() + dt.timedelta(days=DEFAULT_LEAD_DAYS)


class TrytonConnector:
    """Parts requests become purchase requisitions in the site's Tryton; the poller reads the rest back."""

    kind = ConnectorKind.TRYTON

    def __init__(self, connection: TrytonConnection):
        self.connection = connection

    def submit_parts_request(self, request: PartsRequest, message: OutboxMessage) -> dict[str, Any]:
        known = TrytonRequisition.objects.filter(parts_request=request).first()
        if known is not None:
            return {"requisition": known.requisition_id, "number": known.number, "already_sent": True}
        lines = [line for line in request.lines.all() if line.status == PartsRequestLine.Status.OPEN]
        if not lines:
            return {"requisition": None, "lines": 0}
        try:
            requisition = self._requisition(request, lines, f"[{message.idempotency_key}]")
        except (TrytonError, TrytonUnreachable) as exc:
            raise _failure(f"the requisition for {request.number}", exc) from exc
        line_ids = sorted(requisition["lines"])
        with transaction.atomic():
            stored = TrytonRequisition.objects.create(
                parts_request=request,
                site=request.site,
                requisition_id=requisition["id"],
                number=requisition.get("number") or "",
            )
            TrytonLine.objects.bulk_create(
                [
                    TrytonLine(requisition=stored, requisition_line_id=line_id, request_line=line)
                    for line_id, line in zip(line_ids, lines, strict=True)
                ]
            )
        return {"requisition": stored.requisition_id, "number": stored.number, "lines": len(line_ids)}

    def _requisition(self, request: PartsRequest, lines: list[PartsRequestLine], marker: str) -> dict[str, Any]:
        client = client_for(self.connection)
        fields = ["id", "number", "lines", "state"]
        found = client.search_read("purchase.requisition", [("description", "like", f"%{marker}")], fields, limit=1)
        if found:  # created by an earlier attempt whose answer was lost
            requisition = found[0]
        else:
            references = _References(client, self.connection, lines)
            (requisition_id,) = client.create(
                "purchase.requisition",
                [
                    {
                        "company": client.context.get("company"),
                        "employee": client.context.get("employee"),
                        "description": _description(request, marker),
                        "supply_date": _supply_date(lines),
                        "warehouse": references.warehouse,
                        "currency": references.currency,
                        "lines": [["create", [references.line(line) for line in lines]]],
                    }
                ],
            )
            requisition = client.read("purchase.requisition", [requisition_id], fields)[0]
        if requisition["state"] == "draft":
            client.button("purchase.requisition", "wait", [requisition["id"]])  # to Tryton's approvers
        if len(requisition["lines"]) != len(lines):
            raise TrytonError("Mismatch", f"requisition {requisition['id']} has {len(requisition['lines'])} lines")
        return requisition

    def cancel(self, request_line: PartsRequestLine, message: OutboxMessage) -> dict[str, Any]:
        link = TrytonLine.objects.select_related("requisition").filter(request_line=request_line).first()
        if link is None:
            return {"cancelled": request_line.pk, "in_tryton": False}
        requisition_id = link.requisition.requisition_id
        try:
            return self._cancel(link, requisition_id, request_line)
        except (TrytonError, TrytonUnreachable) as exc:
            raise _failure(f"cancelling request line {request_line.pk}", exc) from exc

    def _cancel(self, link: TrytonLine, requisition_id: int, request_line: PartsRequestLine) -> dict[str, Any]:
        client = client_for(self.connection)
        (requisition,) = client.read("purchase.requisition", [requisition_id], ["state", "lines"])
        if requisition["state"] in ("draft", "waiting"):
            # Not approved yet: take the line off (the requisition goes back to draft for the edit).
            if requisition["state"] == "waiting":
                client.button("purchase.requisition", "draft", [requisition_id])
            if link.requisition_line_id in requisition["lines"]:
                client.execute("purchase.requisition.line", "delete", [link.requisition_line_id])
            remaining = [line for line in requisition["lines"] if line != link.requisition_line_id]
            client.button("purchase.requisition", "wait" if remaining else "cancel", [requisition_id])
            return {"cancelled": request_line.pk, "removed_from_requisition": requisition_id}
        # Approved or ordered: Tryton's buyers decide; tell them on the requisition's chat.
        request = request_line.request
        client.execute(
            "ir.chat.channel",
            "post",
            f"purchase.requisition,{requisition_id}",
            f"Plantwright: {request.number} line {request_line.line_no} ({request_line.description}) is no longer "
            "needed. Cancel its purchase line if you still can; Plantwright follows what you do.",
            "internal",
        )
        return {"cancelled": request_line.pk, "told_purchasing": requisition_id}
