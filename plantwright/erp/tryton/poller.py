"""The Tryton connector, back: read what changed in Tryton and apply it as Plantwright's ERP events.

Tryton sends no webhooks, so the outbox worker polls each connection (`poll_due_connections`, every
`poll_every_seconds`). A poll reads, with `search_read` on `last_modified_at`, the documents that
changed since the connection's checkpoint — minus `lookback_seconds`, because Tryton stamps a record
with its transaction's start, and a long transaction commits after a poll that already passed its
stamp — and turns them into the events every connector speaks (docs/erp-integration.md §4):

- a requisition rejected or cancelled in Tryton, or a purchase request cancelled → `request.rejected`
- a purchase confirmed (or changed since) → `po.created` (it updates a PO already known), cancelled →
  `po.cancelled`; only the purchase lines that come from Plantwright's requisition lines are sent, a
  line whose deliveries were all cancelled and ignored (Handle Shipment Exception) as cancelled
- incoming moves done, grouped by shipment and purchase → `receipt.posted` (returns negative)
- a supplier invoice posted → `invoice.posted` (cancelled later: the same invoice with nothing on it);
  Tryton receives no services, so for service lines the invoice is also their `receipt.posted`

Event ids are built from the Tryton record and its modification stamp, so reading the same change
twice gives the same event, which `ingest` answers as a replay. The events and the new checkpoint are
stored in one transaction: a crash between poll and apply loses nothing (the checkpoint did not move)
and doubles nothing (the events are applied at most once).
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from plantwright.core.inbound import InboundResult
from plantwright.erp.models import TrytonConnection, TrytonLine
from plantwright.erp.tryton.connector import client_for
from plantwright.erp.tryton.rpc import TrytonClient, TrytonError, TrytonUnreachable
from plantwright.procurement.events import ingest
from plantwright.procurement.models import PartsRequestLine, PurchaseOrder

log = logging.getLogger(__name__)

SOURCE = "tryton"
CHUNK = 500
ORDERED_STATES = ("confirmed", "processing", "done")
LIVE_REQUEST_LINE = (PartsRequestLine.Status.OPEN, PartsRequestLine.Status.ORDERED)
PURCHASE_LINE_FIELDS = [
    "id", "purchase", "quantity", "unit_price", "description", "requests", "product.type", "moves", "moves_ignored",
]  # fmt: skip


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _id(reference: str | None, model: str) -> int | None:
    """'purchase.line,12' → 12 when it points at `model`."""
    if not reference or not reference.startswith(f"{model},"):
        return None
    return int(reference.split(",", 1)[1])


def _number(value: Any) -> str:
    return format(Decimal(str(value)).normalize(), "f")


@dataclass
class _Links:
    """Plantwright's requisitions in this Tryton, and which request line each requisition line orders."""

    by_requisition_line: dict[int, int] = field(default_factory=dict)  # Tryton line id → request line id
    lines_of_requisition: dict[int, list[int]] = field(default_factory=dict)
    live: set[int] = field(default_factory=set)  # request lines a rejection may still concern

    @classmethod
    def of(cls, connection: TrytonConnection) -> "_Links":
        links = cls()
        rows = TrytonLine.objects.filter(requisition__site=connection.site).values_list(
            "requisition_line_id", "request_line_id", "requisition__requisition_id", "request_line__status"
        )
        for line_id, request_line_id, requisition_id, status in rows:
            links.by_requisition_line[line_id] = request_line_id
            links.lines_of_requisition.setdefault(requisition_id, []).append(request_line_id)
            if status in LIVE_REQUEST_LINE:
                links.live.add(request_line_id)
        return links


class _Reader:
    def __init__(self, client: TrytonClient, connection: TrytonConnection, since: dt.datetime, links: _Links):
        self.client = client
        self.prefix = f"tryton:{connection.database}"
        self.since = since.astimezone(dt.UTC).replace(tzinfo=None)  # Tryton compares naive UTC stamps
        self.links = links
        self.site = connection.site
        self.newest: dt.datetime | None = None
        self._lines: dict[int, dict[str, Any]] = {}

    def _seen(self, stamp: dt.datetime | None) -> str:
        if stamp is not None and (self.newest is None or stamp > self.newest):
            self.newest = stamp
        return stamp.isoformat() if stamp else timezone.now().isoformat()

    def _requested(self, request_ids: list[int]) -> dict[int, int]:
        """Purchase request id → Plantwright request line id, for requests from our requisition lines."""
        rows = []
        for chunk in _chunks(request_ids):
            rows += self.client.read("purchase.request", chunk, ["id", "origin"])
        mapped = {}
        for row in rows:
            line_id = _id(row["origin"], "purchase.requisition.line")
            if line_id in self.links.by_requisition_line:
                mapped[row["id"]] = self.links.by_requisition_line[line_id]
        return mapped

    # request.rejected
    def rejections(self) -> list[dict[str, Any]]:
        events = []
        requisition_ids = sorted(self.links.lines_of_requisition)
        for chunk in _chunks(requisition_ids):
            for row in self.client.search_read(
                "purchase.requisition",
                [
                    ("id", "in", chunk),
                    ("state", "in", ["rejected", "cancelled"]),
                    ("last_modified_at", ">=", self.since),
                ],
                ["id", "state", "number", "last_modified_at"],
            ):
                lines = [line for line in self.links.lines_of_requisition[row["id"]] if line in self.links.live]
                if lines:
                    stamp = self._seen(row["last_modified_at"])
                    events.append(
                        {
                            "event_id": f"{self.prefix}:requisition:{row['id']}:{row['state']}:{stamp}",
                            "type": "request.rejected",
                            "occurred_at": stamp,
                            "request_lines": lines,
                            "reason": f"Requisition {row['number'] or row['id']} {row['state']} in Tryton",
                        }
                    )
        origins = [f"purchase.requisition.line,{line_id}" for line_id in sorted(self.links.by_requisition_line)]
        for chunk in _chunks(origins):
            for row in self.client.search_read(
                "purchase.request",
                [("origin", "in", chunk), ("state", "=", "cancelled"), ("last_modified_at", ">=", self.since)],
                ["id", "origin", "last_modified_at"],
            ):
                line = self.links.by_requisition_line.get(_id(row["origin"], "purchase.requisition.line"))
                if line in self.links.live:
                    stamp = self._seen(row["last_modified_at"])
                    events.append(
                        {
                            "event_id": f"{self.prefix}:purchase_request:{row['id']}:cancelled:{stamp}",
                            "type": "request.rejected",
                            "occurred_at": stamp,
                            "request_lines": [line],
                            "reason": "Purchase request cancelled in Tryton",
                        }
                    )
        return events

    def _purchase_lines(self, line_ids: list[int]) -> dict[int, dict[str, Any]]:
        """Purchase line id → the line, with `request_line` set when it orders one of ours. Lines read
        once in a poll (by the purchases, then the receipts and invoices) are not read again."""
        missing = sorted(set(line_ids) - self._lines.keys())
        self._lines.update(self._read_purchase_lines(missing))
        return {line_id: self._lines[line_id] for line_id in line_ids if line_id in self._lines}

    def _read_purchase_lines(self, line_ids: list[int]) -> dict[int, dict[str, Any]]:
        rows = []
        for chunk in _chunks(line_ids):
            rows += self.client.read(
                "purchase.line",
                chunk,
                PURCHASE_LINE_FIELDS,
            )
        requested = self._requested(sorted({request for row in rows for request in row["requests"]}))
        for row in rows:
            ours = [requested[request] for request in row["requests"] if request in requested]
            # Tryton merges requests for the same product and vendor into one line: it then orders the first.
            row["request_line"] = ours[0] if ours else None
            row["service"] = (row.get("product.") or {}).get("type") != "goods"
            # Every delivery cancelled and ignored by the buyer (Handle Shipment Exception): the line is off.
            row["cancelled"] = bool(row["moves"]) and set(row["moves"]) <= set(row["moves_ignored"])
        return {row["id"]: row for row in rows}

    # po.created / po.cancelled
    def purchases(self) -> list[dict[str, Any]]:
        fields = ["id", "number", "state", "lines", "last_modified_at", "party.code", "party.rec_name", "currency.code"]
        rows = self.client.search_read(
            "purchase.purchase",
            [("last_modified_at", ">=", self.since), ("lines.requests.origin", "like", "purchase.requisition.line,%")],
            fields,
            order=[["id", "ASC"]],
        )
        lines = self._purchase_lines([line for row in rows for line in row["lines"]])
        known = set(
            PurchaseOrder.objects.filter(
                site=self.site, source=SOURCE, po_number__in=[r["number"] for r in rows]
            ).values_list("po_number", flat=True)
        )
        events = []
        for row in rows:
            ours = [lines[line] for line in row["lines"] if lines.get(line, {}).get("request_line")]
            if not ours or not row["number"]:
                continue
            stamp = self._seen(row["last_modified_at"])
            if row["state"] in ORDERED_STATES:
                events.append(
                    {
                        "event_id": f"{self.prefix}:purchase:{row['id']}:{stamp}",
                        "type": "po.created",
                        "occurred_at": stamp,
                        "po_number": row["number"],
                        "vendor": {"code": row["party."].get("code") or "", "name": row["party."].get("rec_name")},
                        "currency": row["currency."]["code"],
                        "lines": [
                            {
                                "po_line": line["id"],
                                "request_line": line["request_line"],
                                "quantity": _number(line["quantity"]),
                                "unit_price": _number(line["unit_price"]),
                                "description": (line["description"] or "")[:300],
                                "cancelled": line["cancelled"],
                            }
                            for line in ours
                        ],
                    }
                )
            elif row["state"] == "cancelled" and row["number"] in known:
                events.append(
                    {
                        "event_id": f"{self.prefix}:purchase:{row['id']}:cancelled:{stamp}",
                        "type": "po.cancelled",
                        "occurred_at": stamp,
                        "po_number": row["number"],
                        "reason": "Purchase cancelled in Tryton",
                    }
                )
        return events

    # receipt.posted
    def receipts(self) -> list[dict[str, Any]]:
        domain = [("origin", "like", "purchase.line,%"), ("state", "=", "done")]
        changed = self.client.search_read(
            "stock.move", [*domain, ("last_modified_at", ">=", self.since)], ["id", "shipment"]
        )
        shipments = sorted({row["shipment"] for row in changed if row["shipment"]})
        loose = [row["id"] for row in changed if not row["shipment"]]
        fields = ["id", "origin", "quantity", "shipment", "from_location.type", "to_location.type",
                  "last_modified_at", "effective_date"]  # fmt: skip
        moves = []
        for chunk in _chunks(shipments):
            moves += self.client.search_read("stock.move", [*domain, ("shipment", "in", chunk)], fields)
        for chunk in _chunks(loose):
            moves += self.client.search_read("stock.move", [*domain, ("id", "in", chunk)], fields)
        lines = self._purchase_lines([_id(move["origin"], "purchase.line") for move in moves])
        numbers = self._shipment_numbers(shipments)
        groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
        for move in moves:
            line = lines.get(_id(move["origin"], "purchase.line"))
            if line and line["request_line"]:
                groups[(move["shipment"] or f"stock.move,{move['id']}", line["purchase"])].append(move)
        purchases = self._purchase_numbers(sorted({purchase for _group, purchase in groups}))
        events = []
        for (shipment, purchase), group in sorted(groups.items()):
            stamp = self._seen(max(move["last_modified_at"] for move in group))
            by_line: dict[int, Decimal] = defaultdict(Decimal)
            for move in group:
                sign = -1 if move["to_location."]["type"] == "supplier" else 1
                by_line[_id(move["origin"], "purchase.line")] += sign * Decimal(str(move["quantity"]))
            events.append(
                {
                    "event_id": f"{self.prefix}:receipt:{shipment}:{purchase}:{stamp}",
                    "type": "receipt.posted",
                    "occurred_at": stamp,
                    "po_number": purchases[purchase],
                    "receipt_number": numbers.get(shipment) or shipment,
                    "document_date": max(move["effective_date"] for move in group).isoformat(),
                    "lines": [{"po_line": line, "quantity": _number(qty)} for line, qty in sorted(by_line.items())],
                }
            )
        return events

    def _shipment_numbers(self, shipments: list[str]) -> dict[str, str]:
        by_model: dict[str, list[int]] = defaultdict(list)
        for reference in shipments:
            model, record = reference.split(",", 1)
            by_model[model].append(int(record))
        numbers = {}
        for model, ids in by_model.items():
            for chunk in _chunks(ids):
                for row in self.client.read(model, chunk, ["id", "number"]):
                    numbers[f"{model},{row['id']}"] = row["number"]
        return numbers

    def _purchase_numbers(self, ids: list[int]) -> dict[int, str]:
        numbers = {}
        for chunk in _chunks(ids):
            numbers.update(
                {row["id"]: row["number"] for row in self.client.read("purchase.purchase", chunk, ["number"])}
            )
        return numbers

    # invoice.posted
    def invoices(self) -> list[dict[str, Any]]:
        invoices = self.client.search_read(
            "account.invoice",
            [
                ("type", "=", "in"),
                ("state", "in", ["posted", "paid", "cancelled"]),
                ("last_modified_at", ">=", self.since),
                ("lines.origin", "like", "purchase.line,%"),
            ],
            ["id", "number", "reference", "state", "invoice_date", "currency.code", "last_modified_at"],
        )
        rows = []
        for chunk in _chunks([invoice["id"] for invoice in invoices]):
            rows += self.client.search_read(
                "account.invoice.line",
                [("invoice", "in", chunk), ("origin", "like", "purchase.line,%")],
                ["id", "invoice", "origin", "quantity", "amount"],
            )
        lines = self._purchase_lines([_id(row["origin"], "purchase.line") for row in rows])
        groups: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for row in rows:
            line = lines.get(_id(row["origin"], "purchase.line"))
            if line and line["request_line"]:
                groups[(row["invoice"], line["purchase"])].append(row)
        purchases = self._purchase_numbers(sorted({purchase for _invoice, purchase in groups}))
        by_id = {invoice["id"]: invoice for invoice in invoices}
        events = []
        for (invoice_id, purchase), group in sorted(groups.items()):
            invoice = by_id[invoice_id]
            stamp = self._seen(invoice["last_modified_at"])
            cancelled = invoice["state"] == "cancelled"
            number = invoice["reference"] or invoice["number"] or f"tryton-{invoice_id}"
            totals: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
            for row in group:
                total = totals[_id(row["origin"], "purchase.line")]
                total[0] += Decimal(str(row["quantity"]))
                total[1] += row["amount"]
            common = {"occurred_at": stamp, "po_number": purchases[purchase]}
            services = [line for line in sorted(totals) if lines[line]["service"]]
            if services:
                # Tryton receives no services: the invoice is the service entry, so what it bills is received.
                events.append(
                    {
                        **common,
                        "event_id": f"{self.prefix}:service-entry:{invoice_id}:{purchase}:{invoice['state']}:{stamp}",
                        "type": "receipt.posted",
                        "receipt_number": f"service {number}",
                        "document_date": (invoice["invoice_date"] or timezone.localdate()).isoformat(),
                        "lines": [
                            {"po_line": line, "quantity": "0" if cancelled else _number(totals[line][0])}
                            for line in services
                        ],
                    }
                )
            events.append(
                {
                    **common,
                    "event_id": f"{self.prefix}:invoice:{invoice_id}:{purchase}:{invoice['state']}:{stamp}",
                    "type": "invoice.posted",
                    "invoice_number": number,
                    "document_date": (invoice["invoice_date"] or timezone.localdate()).isoformat(),
                    "currency": invoice["currency."]["code"],
                    "lines": [
                        {
                            "po_line": line,
                            "quantity": "0" if cancelled else _number(quantity),
                            "amount": "0" if cancelled else _number(amount),
                        }
                        for line, (quantity, amount) in sorted(totals.items())
                    ],
                }
            )
        return events


@dataclass
class PollResult:
    events: int
    results: list[InboundResult]
    checkpoint: dt.datetime | None


def poll(connection: TrytonConnection) -> PollResult:
    """Read what changed in this connection's Tryton and apply it (raises TrytonError / TrytonUnreachable)."""
    links = _Links.of(connection)
    since = (connection.checkpoint or connection.created_at) - dt.timedelta(seconds=connection.lookback_seconds)
    events: list[dict[str, Any]] = []
    reader = _Reader(client_for(connection), connection, since, links)
    if links.by_requisition_line:
        # Purchases first, so the receipts and invoices of a new PO find it in the same batch.
        events = reader.rejections() + reader.purchases() + reader.receipts() + reader.invoices()
    with transaction.atomic():
        locked = TrytonConnection.objects.select_for_update().get(pk=connection.pk)
        results = ingest(connection.site, SOURCE, events) if events else []
        if reader.newest is not None and (locked.checkpoint is None or reader.newest > locked.checkpoint):
            locked.checkpoint = reader.newest
        locked.last_polled_at = timezone.now()
        locked.last_poll_error = ""
        locked.save(update_fields=["checkpoint", "last_polled_at", "last_poll_error"])
    connection.checkpoint = locked.checkpoint
    return PollResult(len(events), results, locked.checkpoint)


def poll_due_connections() -> str:
    """The worker's periodic job: poll each connection whose interval has passed; one failing ERP stops no other."""
    now = timezone.now()
    done, failed = 0, 0
    for connection in TrytonConnection.objects.select_related("site").filter(
        site__procurement_settings__connector="tryton"
    ):
        if (
            connection.last_polled_at
            and (now - connection.last_polled_at).total_seconds() < connection.poll_every_seconds
        ):
            continue
        try:
            poll(connection)
            done += 1
        except (TrytonError, TrytonUnreachable) as exc:
            failed += 1
            log.warning("Tryton poll of %s failed: %s", connection.site.code, exc)
            TrytonConnection.objects.filter(pk=connection.pk).update(
                last_polled_at=now, last_poll_error=str(exc)[:2000]
            )
    return f"polled {done}, failed {failed}" if done or failed else ""
