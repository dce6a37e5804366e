"""The audit's cost rules: PO money and stock issues that did not reach the WO's ledger (the
helpers and the other rules are in checks.py)."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Cast, Coalesce, Greatest
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from plantwright.accounts.models import Site
from plantwright.core.formatting import plain
from plantwright.inventory.models import MovementKind, StockMovement
from plantwright.maintenance.models import CostCategory, CostLine
from plantwright.procurement.events import COST_SOURCE
from plantwright.procurement.models import LineKind, PartsRequest, Posting, ProcurementSettings, PurchaseOrderLine
from plantwright.reliability.audit.checks import MONEY_FIELD, PO_LINE_FIELDS, TOLERANCE, _line_wo, _po_line

# Days an invoice may wait for its receipt when a site has no procurement settings (their default).
DEFAULT_INVOICE_WAIT = ProcurementSettings._meta.get_field("invoice_without_receipt_days").default


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
    not_invoiced = F("received_quantity") - F("invoiced_quantity")
    paid_on_invoice = When(invoice_only=True, then=Greatest(not_invoiced, Value(Decimal(0), MONEY_FIELD)))
    target = ExpressionWrapper(
        F("unit_price") * Case(paid_on_invoice, default=not_invoiced, output_field=MONEY_FIELD) + F("invoiced_amount"),
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
        _("%(po)s/%(line)s (%(text)s) should have cost %(wo)s %(target)s %(currency)s; its ledger holds %(posted)s.")
        % {
            "po": row["purchase_order__po_number"],
            "line": row["line_number"],
            "text": row["description"],
            "wo": row["request_line__request__work_order__number"],
            "target": plain(row["target"]),
            "currency": row["purchase_order__currency"],
            "posted": plain(row["posted"]),
        },
        _po_line(row) + _line_wo(row),
    )


def _invoiced_never_posted(sites: list[int]) -> QuerySet:
    """Invoiced beyond what was received, long enough ago that no receipt is coming: the WO never got
    that cost (unless the line is paid on the invoice alone, when the invoice posts it)."""
    first_invoice = (
        Posting.objects.filter(po_line=OuterRef("pk"), kind=Posting.Kind.INVOICE, superseded=False)
        .order_by("document_date")
        .values("document_date")[:1]
    )
    days = {s.site_id: s.invoice_without_receipt_days for s in ProcurementSettings.objects.filter(site__in=sites)}
    waited = Q()
    for site in Site.objects.filter(pk__in=sites):
        cutoff = site.local_date() - timedelta(days=days.get(site.pk, DEFAULT_INVOICE_WAIT))
        waited |= Q(purchase_order__site=site, first_invoice__lte=cutoff)
    return (
        PurchaseOrderLine.objects.filter(
            purchase_order__site__in=sites,
            request_line__isnull=False,
            request_line__for_stock=False,
            invoice_only=False,
            invoiced_quantity__gt=F("received_quantity"),
        )
        .annotate(first_invoice=Subquery(first_invoice))
        .filter(waited)
        .annotate(unposted=F("unit_price") * (F("invoiced_quantity") - F("received_quantity")))
        .values(*PO_LINE_FIELDS, "invoiced_quantity", "received_quantity", "invoiced_amount", "first_invoice")
        .order_by("purchase_order__po_number", "line_number")
    )


def _describe_invoiced_never_posted(row):
    return (
        _(
            "%(po)s/%(line)s (%(text)s): %(invoiced)s invoiced on %(day)s, %(received)s received; %(wo)s "
            "never got the cost of the difference."
        )
        % {
            "po": row["purchase_order__po_number"],
            "line": row["line_number"],
            "text": row["description"],
            "invoiced": plain(row["invoiced_quantity"]),
            "day": date_format(row["first_invoice"], "SHORT_DATE_FORMAT"),
            "received": plain(row["received_quantity"]),
            "wo": row["request_line__request__work_order__number"],
        },
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
        _("Parts request %(request)s has received PO lines, yet %(wo)s has no parts cost.")
        % {"request": row["number"], "wo": row["work_order__number"]},
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
        _("%(quantity)s × %(part)s issued from %(storeroom)s to %(wo)s (%(value)s) is not in the WO's ledger.")
        % {
            "quantity": plain(-row["quantity"]),
            "part": row["part__part_number"],
            "storeroom": row["storeroom__code"],
            "wo": row["work_order__number"],
            "value": plain(-row["value"]),
        },
        [
            {"type": "stock_movement", "id": row["id"], "ref": row["part__part_number"]},
            {"type": "work_order", "id": row["work_order_id"], "ref": row["work_order__number"]},
        ],
    )


# What arrived late -------------------------------------------------------------------------------


def _arrived_after_close(sites: list[int]) -> QuerySet:
    """Costs that belonged to a closed period but arrived after it was closed (an ERP receipt or
    invoice, the reversal of a closed day's entry): they post on the first open day instead."""
    return (
        CostLine.objects.filter(work_order__site__in=sites, redated_from__isnull=False)
        .values("id", "cost_date", "redated_from", "amount", "description", "work_order_id", "work_order__number")
        .annotate(currency=F("work_order__site__currency"))
        .order_by("-cost_date", "-id")
    )


def _describe_arrived_after_close(row):
    return (
        _("%(wo)s: %(amount)s %(currency)s of %(day)s arrived after that month was closed; it is posted on %(posted)s.")
        % {
            "wo": row["work_order__number"],
            "amount": plain(row["amount"]),
            "currency": row["currency"],
            "day": date_format(row["redated_from"], "SHORT_DATE_FORMAT"),
            "posted": date_format(row["cost_date"], "SHORT_DATE_FORMAT"),
        },
        [{"type": "work_order", "id": row["work_order_id"], "ref": row["work_order__number"]}],
    )
