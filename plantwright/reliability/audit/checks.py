"""The audit's queries: each finds, at the sites asked for, the records where one kind of WO/PO link
broke, and a describer says for each finding what is wrong and names the records involved."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from plantwright.core.formatting import plain
from plantwright.downtime.models import Category, DowntimeStop
from plantwright.maintenance.models import (
    DONE_STATUSES,
    ContractorEntry,
    CostLine,
    LaborEntry,
    WorkOrder,
    WorkOrderStatus,
)
from plantwright.procurement.events import COST_SOURCE
from plantwright.procurement.models import (
    LineKind,
    PurchaseOrder,
    PurchaseOrderLine,
)

# A WO titled like a purchase order: "PO 4500123", "P.O.#77", "purchase order 12" (POSIX and Python
# regular expressions alike, so SQLite and PostgreSQL find the same rows).
PO_TITLE = r"(^|[^a-z])(po|p\.o\.|purchase order)[ #:.-]*[0-9]"
# Breakdowns shorter than this are left to the downtime rules' own minimum duration.
UNLINKED_BREAKDOWN = timedelta(minutes=30)
# Half a cent: the ledger is exact, SQLite's arithmetic on decimals is not.
TOLERANCE = Decimal("0.005")
MONEY_FIELD = DecimalField(max_digits=20, decimal_places=4)


def _wo(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    return {"type": "work_order", "id": row[f"{prefix}id"], "ref": row[f"{prefix}number"]}


def _po_line(row: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"type": "purchase_order", "id": row["purchase_order_id"], "ref": row["purchase_order__po_number"]},
        {
            "type": "purchase_order_line",
            "id": row["id"],
            "ref": f"{row['purchase_order__po_number']}/{row['line_number']}",
        },
    ]


def _line_wo(row: dict[str, Any]) -> list[dict[str, Any]]:
    if row.get("request_line__request__work_order_id") is None:
        return []
    return [
        {
            "type": "work_order",
            "id": row["request_line__request__work_order_id"],
            "ref": row["request_line__request__work_order__number"],
        }
    ]


PO_LINE_FIELDS = (
    "id",
    "line_number",
    "description",
    "purchase_order_id",
    "purchase_order__po_number",
    "purchase_order__currency",
    "request_line__request__work_order_id",
    "request_line__request__work_order__number",
)


def _hours_on(model) -> Exists:
    return Exists(model.objects.filter(work_order=OuterRef("pk")))


# 1. WO/PO conflation -------------------------------------------------------------------------------


def _po_cost_without_wo(sites: list[int]) -> QuerySet:
    return (
        PurchaseOrderLine.objects.filter(purchase_order__site__in=sites, request_line__isnull=True)
        .filter(Q(received_quantity__gt=0) | Q(invoiced_amount__gt=0))
        .annotate(value=ExpressionWrapper(F("received_quantity") * F("unit_price"), output_field=MONEY_FIELD))
        .values(*PO_LINE_FIELDS, "received_quantity", "invoiced_amount", "value")
        .order_by("purchase_order__po_number", "line_number")
    )


def _describe_po_cost_without_wo(row):
    amount = row["invoiced_amount"] or row["value"]
    return (
        _("PO %(po)s line %(line)s (%(text)s): %(amount)s %(currency)s received or invoiced, on no WO.")
        % {
            "po": row["purchase_order__po_number"],
            "line": row["line_number"],
            "text": row["description"] or _("no text"),
            "amount": plain(amount),
            "currency": row["purchase_order__currency"],
        },
        _po_line(row),
    )


def _wo_only_po(sites: list[int]) -> QuerySet:
    po_cost = CostLine.objects.filter(work_order=OuterRef("pk"), source_type=COST_SOURCE)
    other_cost = CostLine.objects.filter(work_order=OuterRef("pk")).exclude(source_type=COST_SOURCE)
    po_total = po_cost.order_by().values("work_order").annotate(total=Sum("amount")).values("total")
    return (
        WorkOrder.objects.filter(site__in=sites, status__in=DONE_STATUSES, down_since__isnull=True)
        .filter(problem_code__isnull=True, cause_code__isnull=True, remedy_code__isnull=True)
        .filter(Exists(po_cost), ~Exists(other_cost), ~_hours_on(LaborEntry), ~_hours_on(ContractorEntry))
        .annotate(po_total=Subquery(po_total, output_field=MONEY_FIELD))
        .values("id", "number", "title", "po_total", "site__currency")
        .order_by("number")
    )


def _describe_wo_only_po(row):
    return (
        _(
            "%(wo)s (%(title)s) holds nothing but PO cost (%(amount)s %(currency)s): no labor, no contractor hours, "
            "no failure data."
        )
        % {
            "wo": row["number"],
            "title": row["title"],
            "amount": plain(row["po_total"]),
            "currency": row["site__currency"],
        },
        [_wo(row)],
    )


def _po_entered_as_wo(sites: list[int]) -> QuerySet:
    return (
        WorkOrder.objects.filter(site__in=sites, title__iregex=PO_TITLE)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .filter(~_hours_on(LaborEntry), ~_hours_on(ContractorEntry))
        .values("id", "number", "title", "status")
        .order_by("number")
    )


def _describe_po_entered_as_wo(row):
    text = _("%(wo)s is titled like a purchase order (“%(title)s”) and has no hours.")
    return text % {"wo": row["number"], "title": row["title"]}, [_wo(row)]


# 2. Contractor work with no WO ---------------------------------------------------------------------


def _contractor_invoice_without_hours(sites: list[int]) -> QuerySet:
    hours = ContractorEntry.objects.filter(
        work_order__site=OuterRef("purchase_order__site"),
        po_number=OuterRef("purchase_order__po_number"),
        po_line=OuterRef("line_number"),
    )
    return (
        PurchaseOrderLine.objects.filter(purchase_order__site__in=sites, request_line__kind=LineKind.SERVICE)
        .filter(Q(invoiced_amount__gt=0) | Q(invoiced_quantity__gt=0))
        .filter(~Exists(hours))
        .values(*PO_LINE_FIELDS, "invoiced_amount")
        .order_by("purchase_order__po_number", "line_number")
    )


def _describe_contractor_invoice_without_hours(row):
    return (
        _(
            "Service line %(po)s/%(line)s (%(text)s) was invoiced %(amount)s %(currency)s, but no WO records "
            "contractor hours against it."
        )
        % {
            "po": row["purchase_order__po_number"],
            "line": row["line_number"],
            "text": row["description"],
            "amount": plain(row["invoiced_amount"]),
            "currency": row["purchase_order__currency"],
        },
        _po_line(row) + _line_wo(row),
    )


def _contractor_hours_unlinked(sites: list[int]) -> QuerySet:
    own_line = PurchaseOrderLine.objects.filter(
        purchase_order__site=OuterRef("work_order__site"),
        purchase_order__po_number=OuterRef("po_number"),
        line_number=OuterRef("po_line"),
        request_line__request__work_order=OuterRef("work_order"),
    )
    return (
        ContractorEntry.objects.filter(work_order__site__in=sites)
        .exclude(po_number="")
        .filter(~Exists(own_line))
        .values("id", "po_number", "po_line", "person", "hours", "work_date", "work_order_id", "work_order__number")
        .order_by("work_order__number", "id")
    )


def _describe_contractor_hours_unlinked(row):
    reference = f"{row['po_number']}/{row['po_line']}" if row["po_line"] is not None else row["po_number"]
    return (
        _(
            "%(hours)s h by %(person)s on %(day)s on %(wo)s cite PO %(reference)s, which is no PO line requested by "
            "that WO."
        )
        % {
            "hours": plain(row["hours"]),
            "person": row["person"],
            "day": date_format(row["work_date"], "SHORT_DATE_FORMAT"),
            "wo": row["work_order__number"],
            "reference": reference,
        },
        [
            {"type": "contractor_entry", "id": row["id"], "ref": reference},
            {"type": "work_order", "id": row["work_order_id"], "ref": row["work_order__number"]},
        ],
    )


# 4. What the reliability figures need ---------------------------------------------------------------


def _failure_wo_incomplete(sites: list[int]) -> QuerySet:
    missing = Q()
    for field in ("down_since", "restored_at", "problem_code", "cause_code", "remedy_code"):
        missing |= Q(**{f"{field}__isnull": True})
    return (
        WorkOrder.objects.filter(site__in=sites, is_failure=True, status__in=DONE_STATUSES)
        .filter(missing)
        .values(
            "id",
            "number",
            "title",
            "down_since",
            "restored_at",
            "problem_code_id",
            "cause_code_id",
            "remedy_code_id",
        )
        .order_by("number")
    )


def _describe_failure_wo_incomplete(row):
    gaps = [
        str(name)
        for name, value in (
            (_("Down since"), row["down_since"]),
            (_("Restored at"), row["restored_at"]),
            (_("Problem"), row["problem_code_id"]),
            (_("Cause"), row["cause_code_id"]),
            (_("Remedy"), row["remedy_code_id"]),
        )
        if value is None
    ]
    text = _("%(wo)s (%(title)s) is done but lacks: %(gaps)s.")
    return text % {"wo": row["number"], "title": row["title"], "gaps": ", ".join(gaps)}, [_wo(row)]


def _downtime_without_wo(sites: list[int]) -> QuerySet:
    return (
        DowntimeStop.objects.filter(site__in=sites, category=Category.BREAKDOWN, work_order__isnull=True)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at") + UNLINKED_BREAKDOWN))
        .values("id", "started_at", "ended_at", "reason_code", "asset_id", "asset__code")
        .order_by("started_at", "id")
    )


def _describe_downtime_without_wo(row):
    when = lambda moment: date_format(localtime(moment), "SHORT_DATETIME_FORMAT")  # noqa: E731
    return (
        _("Breakdown of %(asset)s from %(start)s to %(end)s (%(reason)s) is linked to no WO.")
        % {
            "asset": row["asset__code"],
            "start": when(row["started_at"]),
            "end": when(row["ended_at"]) if row["ended_at"] else _("still down"),
            "reason": row["reason_code"] or _("no reason code"),
        },
        [
            {"type": "downtime_stop", "id": row["id"], "ref": f"{row['asset__code']}@{row['started_at'].isoformat()}"},
            {"type": "asset", "id": row["asset_id"], "ref": row["asset__code"]},
        ],
    )


def _closed_with_open_po_lines(sites: list[int]) -> QuerySet:
    return (
        PurchaseOrderLine.objects.filter(
            purchase_order__site__in=sites,
            purchase_order__status=PurchaseOrder.Status.OPEN,
            cancelled=False,
            request_line__for_stock=False,
            request_line__request__work_order__status__in=DONE_STATUSES,
            received_quantity__lt=F("quantity"),
        )
        .values(*PO_LINE_FIELDS, "quantity", "received_quantity", "request_line__request__work_order__status")
        .order_by("request_line__request__work_order__number", "purchase_order__po_number", "line_number")
    )


def _describe_closed_with_open_po_lines(row):
    return (
        _("%(wo)s is %(status)s but PO line %(po)s/%(line)s (%(text)s) is open: %(received)s of %(quantity)s received.")
        % {
            "wo": row["request_line__request__work_order__number"],
            "status": WorkOrderStatus(row["request_line__request__work_order__status"]).label,
            "po": row["purchase_order__po_number"],
            "line": row["line_number"],
            "text": row["description"],
            "received": plain(row["received_quantity"]),
            "quantity": plain(row["quantity"]),
        },
        _line_wo(row) + _po_line(row),
    )
