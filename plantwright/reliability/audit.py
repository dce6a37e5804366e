"""The data-integrity audit: every place where the WO/PO link broke, so the KPIs can be trusted.

Reliability and cost figures come from WO history. They go wrong in known ways (docs/architecture.md): POs
recorded as WOs (inflating the WO count and cost), contractor work paid by PO but never recorded on
a WO (hours missing), PO cost that never reached its WO (cost missing), failure WOs closed without
the data MTTR needs. Each rule below is one query that finds such records at the sites given, with
what is wrong and how to fix it. A rule says nothing on clean data: every rule is tested both with a
planted breakage and with a complete, correct procurement and repair flow.

Contractor hours and cost lines cannot exist without a WO (the columns are NOT NULL), so "contractor
entries without a WO" shows up as the entries whose PO reference points nowhere or at another WO's
request (`contractor_hours_unlinked`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Abs, Cast, Coalesce
from django.utils.translation import gettext_lazy as _

from plantwright.core.formatting import plain
from plantwright.downtime.models import Category, DowntimeStop
from plantwright.inventory.models import MovementKind, StockMovement
from plantwright.maintenance.models import (
    DONE_STATUSES,
    ContractorEntry,
    CostCategory,
    CostLine,
    LaborEntry,
    WorkOrder,
    WorkOrderStatus,
)
from plantwright.procurement.events import COST_SOURCE
from plantwright.procurement.models import LineKind, PartsRequest, PurchaseOrder, PurchaseOrderLine

# A WO titled like a purchase order: "PO 4500123", "P.O.#77", "purchase order 12" (POSIX and Python
# regular expressions alike, so SQLite and PostgreSQL find the same rows).
PO_TITLE = r"(^|[^a-z])(po|p\.o\.|purchase order)[ #:.-]*[0-9]"
# Breakdowns shorter than this are left to the downtime rules' own minimum duration.
UNLINKED_BREAKDOWN = timedelta(minutes=30)
# Half a cent: the ledger is exact, SQLite's arithmetic on decimals is not.
TOLERANCE = Decimal("0.005")
MONEY_FIELD = DecimalField(max_digits=20, decimal_places=4)


class Severity:
    ERROR = "error"  # a figure is wrong until it is fixed
    WARNING = "warning"  # a figure may be wrong; a person should look


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    group: str
    title: str
    how_to_fix: str
    rows: Callable[[list[int]], QuerySet]
    describe: Callable[[dict[str, Any]], tuple[str, list[dict[str, Any]]]]


@dataclass
class RuleResult:
    rule: Rule
    count: int
    findings: list[dict[str, Any]]


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
        f"PO {row['purchase_order__po_number']} line {row['line_number']} ({row['description'] or 'no text'}): "
        f"{plain(amount)} {row['purchase_order__currency']} received or invoiced, on no WO.",
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
        f"{row['number']} ({row['title']}) holds nothing but PO cost ({plain(row['po_total'])} "
        f"{row['site__currency']}): no labor, no contractor hours, no failure data.",
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
    return f"{row['number']} is titled like a purchase order (“{row['title']}”) and has no hours.", [_wo(row)]


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
        f"Service line {row['purchase_order__po_number']}/{row['line_number']} ({row['description']}) was invoiced "
        f"{plain(row['invoiced_amount'])} {row['purchase_order__currency']}, but no WO records contractor hours "
        f"against it.",
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
        f"{plain(row['hours'])} h by {row['person']} on {row['work_date']} on {row['work_order__number']} cite PO "
        f"{reference}, which is no PO line requested by that WO.",
        [
            {"type": "contractor_entry", "id": row["id"], "ref": reference},
            {"type": "work_order", "id": row["work_order_id"], "ref": row["work_order__number"]},
        ],
    )


# 3. Parts cost not posted back ---------------------------------------------------------------------


def _po_cost_not_posted(sites: list[int]) -> QuerySet:
    posted = (
        CostLine.objects.filter(source_type=COST_SOURCE, source_id=Cast(OuterRef("pk"), CharField()))
        .order_by()
        .values("source_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    # What the line should have cost its WO: the ledger's own rule (procurement.events.line_target).
    target = ExpressionWrapper(
        F("unit_price") * (F("received_quantity") - F("invoiced_quantity")) + F("invoiced_amount"),
        output_field=MONEY_FIELD,
    )
    return (
        PurchaseOrderLine.objects.filter(
            purchase_order__site__in=sites, request_line__isnull=False, request_line__for_stock=False
        )
        .filter(Q(received_quantity__gt=0) | Q(invoiced_quantity__gt=0) | Q(invoiced_amount__gt=0))
        .annotate(target=target, posted=Coalesce(Subquery(posted, output_field=MONEY_FIELD), Value(Decimal(0))))
        .annotate(gap=Abs(F("target") - F("posted")))
        .filter(gap__gt=TOLERANCE)
        .values(*PO_LINE_FIELDS, "target", "posted")
        .order_by("purchase_order__po_number", "line_number")
    )


def _describe_po_cost_not_posted(row):
    return (
        f"{row['purchase_order__po_number']}/{row['line_number']} ({row['description']}) should have cost "
        f"{row['request_line__request__work_order__number']} {plain(row['target'])} "
        f"{row['purchase_order__currency']}; its ledger holds {plain(row['posted'])}.",
        _po_line(row) + _line_wo(row),
    )


def _request_received_without_parts_cost(sites: list[int]) -> QuerySet:
    received = PurchaseOrderLine.objects.filter(
        request_line__request=OuterRef("pk"),
        request_line__kind=LineKind.PART,
        request_line__for_stock=False,
        received_quantity__gt=0,
        unit_price__gt=0,
    )
    parts_cost = CostLine.objects.filter(work_order=OuterRef("work_order"), category=CostCategory.PARTS)
    return (
        PartsRequest.objects.filter(site__in=sites)
        .filter(Exists(received), ~Exists(parts_cost))
        .values("id", "number", "work_order_id", "work_order__number")
        .order_by("number")
    )


def _describe_request_received_without_parts_cost(row):
    return (
        f"Parts request {row['number']} has received PO lines, yet {row['work_order__number']} has no parts cost.",
        [
            {"type": "parts_request", "id": row["id"], "ref": row["number"]},
            {"type": "work_order", "id": row["work_order_id"], "ref": row["work_order__number"]},
        ],
    )


def _issue_without_cost(sites: list[int]) -> QuerySet:
    cost = CostLine.objects.filter(source_type="stock_movement", source_id=Cast(OuterRef("pk"), CharField()))
    return (
        StockMovement.objects.filter(kind=MovementKind.ISSUE, storeroom__site__in=sites, work_order__isnull=False)
        .filter(~Exists(cost))
        .values(
            "id",
            "quantity",
            "value",
            "part__part_number",
            "storeroom__code",
            "work_order_id",
            "work_order__number",
            "moved_at",
        )
        .order_by("moved_at", "id")
    )


def _describe_issue_without_cost(row):
    return (
        f"{plain(-row['quantity'])} × {row['part__part_number']} issued from {row['storeroom__code']} to "
        f"{row['work_order__number']} ({plain(-row['value'])}) is not in the WO's ledger.",
        [
            {"type": "stock_movement", "id": row["id"], "ref": row["part__part_number"]},
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
        name
        for name, value in (
            ("down since", row["down_since"]),
            ("restored at", row["restored_at"]),
            ("problem code", row["problem_code_id"]),
            ("cause code", row["cause_code_id"]),
            ("remedy code", row["remedy_code_id"]),
        )
        if value is None
    ]
    return f"{row['number']} ({row['title']}) is done but has no {', no '.join(gaps)}.", [_wo(row)]


def _downtime_without_wo(sites: list[int]) -> QuerySet:
    return (
        DowntimeStop.objects.filter(site__in=sites, category=Category.BREAKDOWN, work_order__isnull=True)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at") + UNLINKED_BREAKDOWN))
        .values("id", "started_at", "ended_at", "reason_code", "asset_id", "asset__code")
        .order_by("started_at", "id")
    )


def _describe_downtime_without_wo(row):
    until = row["ended_at"].isoformat() if row["ended_at"] else "still down"
    return (
        f"Breakdown of {row['asset__code']} from {row['started_at'].isoformat()} to {until} "
        f"({row['reason_code'] or 'no reason code'}) is linked to no WO.",
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
        f"{row['request_line__request__work_order__number']} is {row['request_line__request__work_order__status']}"
        f" but PO line {row['purchase_order__po_number']}/{row['line_number']} ({row['description']}) is open: "
        f"{plain(row['received_quantity'])} of {plain(row['quantity'])} received.",
        _line_wo(row) + _po_line(row),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "po_cost_without_wo",
        Severity.ERROR,
        _("WO/PO conflation"),
        _("PO cost with no WO"),
        _(
            "The ERP received or invoiced a PO line that cites no Plantwright request line, so its cost reached "
            "no WO. Give the PO line the request line's reference in the ERP (or raise a parts request on the WO "
            "the purchase was for) so the next receipt or invoice event posts to that WO."
        ),
        _po_cost_without_wo,
        _describe_po_cost_without_wo,
    ),
    Rule(
        "wo_only_po",
        Severity.WARNING,
        _("WO/PO conflation"),
        _("WO whose only content is a PO"),
        _(
            "A done WO with PO cost and nothing else is a purchase recorded as maintenance work: it counts as a "
            "WO and inflates cost per asset. Record the labor, contractor hours and failure data of the work it "
            "paid for, or, if it was no maintenance work, cancel the WO and keep the purchase in the ERP."
        ),
        _wo_only_po,
        _describe_wo_only_po,
    ),
    Rule(
        "po_entered_as_wo",
        Severity.WARNING,
        _("WO/PO conflation"),
        _("PO entered as a WO"),
        _(
            "The WO is titled like a purchase order and has no hours. Raise a parts request on the WO of the "
            "work instead (its PO number comes back from the ERP), then cancel this WO."
        ),
        _po_entered_as_wo,
        _describe_po_entered_as_wo,
    ),
    Rule(
        "contractor_invoice_without_hours",
        Severity.ERROR,
        _("Contractor work with no WO"),
        _("Contractor service invoiced, no hours on any WO"),
        _(
            "The contractor was paid by PO but their hours are on no WO, so labor hours, planned-vs-reactive and "
            "active repair time miss them. Record the contractor hours on the WO with this PO number and line."
        ),
        _contractor_invoice_without_hours,
        _describe_contractor_invoice_without_hours,
    ),
    Rule(
        "contractor_hours_unlinked",
        Severity.WARNING,
        _("Contractor work with no WO"),
        _("Contractor hours citing a PO line of no request of their WO"),
        _(
            "Correct the entry's PO number and line (reverse it and record it again), or, if the PO was raised "
            "for another WO, record the hours on that WO."
        ),
        _contractor_hours_unlinked,
        _describe_contractor_hours_unlinked,
    ),
    Rule(
        "po_cost_not_posted",
        Severity.ERROR,
        _("Parts cost not posted back"),
        _("Receipts or invoices that did not reach the WO's ledger"),
        _(
            "The WO's ledger must hold unit price × (received − invoiced quantity) + invoiced amount for each PO "
            "line. Find the ERP event of the line on the ERP events page; a parked or refused one says what it "
            "waits for. If none is pending, report it: posting a reversal-free correction by hand hides the cause."
        ),
        _po_cost_not_posted,
        _describe_po_cost_not_posted,
    ),
    Rule(
        "request_received_without_parts_cost",
        Severity.ERROR,
        _("Parts cost not posted back"),
        _("Parts request received, WO without parts cost"),
        _(
            "Goods were received against the request but the WO shows no parts cost: check the request lines "
            "were not marked for stock by mistake, and the ERP events of its PO on the ERP events page."
        ),
        _request_received_without_parts_cost,
        _describe_request_received_without_parts_cost,
    ),
    Rule(
        "issue_without_cost",
        Severity.ERROR,
        _("Parts cost not posted back"),
        _("Stock issued to a WO without a cost line"),
        _(
            "Every issue posts its value to the WO. Return the parts to stock and issue them again, which posts "
            "both movements to the ledger."
        ),
        _issue_without_cost,
        _describe_issue_without_cost,
    ),
    Rule(
        "failure_wo_incomplete",
        Severity.WARNING,
        _("Reliability data"),
        _("Failure WO done without restore time or failure codes"),
        _(
            "MTTR needs down-since and restored-at, the failure Pareto needs problem, cause and remedy codes. "
            "Enter them on the WO (a planner may edit a completed WO)."
        ),
        _failure_wo_incomplete,
        _describe_failure_wo_incomplete,
    ),
    Rule(
        "downtime_without_wo",
        Severity.WARNING,
        _("Reliability data"),
        _("Breakdown downtime linked to no WO"),
        _(
            "The OEE platform reported a breakdown of 30 minutes or more, and no WO records the repair: MTBF "
            "and MTTR miss it. Open a WO for it from the downtime page, or add a downtime rule that opens WOs "
            "for such stops."
        ),
        _downtime_without_wo,
        _describe_downtime_without_wo,
    ),
    Rule(
        "closed_with_open_po_lines",
        Severity.WARNING,
        _("Parts cost not posted back"),
        _("WO done with PO lines still open"),
        _(
            "Cost will still arrive on a done WO (flagged after close). Cancel the PO line in the ERP if the "
            "goods are no longer needed, or reopen the WO until they arrive."
        ),
        _closed_with_open_po_lines,
        _describe_closed_with_open_po_lines,
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}


def integrity_findings(site_ids: Iterable[int], *, rules: Iterable[str] | None = None, limit: int = 100):
    """Each rule's findings at the sites (at most `limit` shown per rule) with the total count: two
    queries per rule."""
    sites = list(site_ids)
    chosen = [RULES_BY_CODE[code] for code in rules] if rules else list(RULES)
    results = []
    for rule in chosen:
        rows = rule.rows(sites)
        count = rows.count()
        findings = []
        for row in rows[:limit] if count else []:
            message, records = rule.describe(row)
            findings.append(
                {
                    "rule": rule.code,
                    "severity": rule.severity,
                    "message": message,
                    "records": records,
                    "how_to_fix": str(rule.how_to_fix),
                }
            )
        results.append(RuleResult(rule, count, findings))
    return results
