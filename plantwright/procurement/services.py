"""Parts requests: raise on a WO, approve above the site's threshold, submit through the outbox."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, has_perm
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.inventory.models import Part
from plantwright.maintenance.models import OPEN_STATUSES, Vendor, WorkOrder
from plantwright.maintenance.services import money, next_number
from plantwright.outbox.services import enqueue
from plantwright.procurement import subscriber_events
from plantwright.procurement.models import LineKind, PartsRequest, PartsRequestLine, ProcurementSettings

MAX_LINES = 50
SUBMIT_TOPIC = "erp.submit_parts_request"
CANCEL_TOPIC = "erp.cancel_request_line"


def settings_for(site: Site) -> ProcurementSettings:
    """The site's settings row, created on first change (reads use `site_settings`, which writes nothing)."""
    return ProcurementSettings.objects.get_or_create(site=site)[0]


def site_settings(site: Site) -> ProcurementSettings:
    """The site's settings, or the defaults (builtin connector, no threshold) if never changed."""
    return ProcurementSettings.objects.filter(site=site).first() or ProcurementSettings(site=site)


def _line(work_order: WorkOrder, line_no: int, data: dict[str, Any]) -> PartsRequestLine:
    def fail(message: str, field: str) -> ValidationFailed:
        return ValidationFailed(message, details={"field": f"lines.{line_no - 1}.{field}"})

    kind = data.get("kind") or LineKind.PART
    if kind not in LineKind.values:
        raise fail(f"Unknown line kind {kind!r}.", "kind")
    part = None
    if data.get("part") is not None:
        part = Part.objects.filter(pk=data["part"], active=True).first()
        if part is None:
            raise fail(f"Part {data['part']} does not exist.", "part")
        if kind == LineKind.SERVICE:
            raise fail("A service line has no catalogue part.", "part")
    description = (data.get("description") or (part.description if part else "")).strip()
    if not description:
        raise fail("A line needs a catalogue part or a description.", "description")
    quantity = Decimal(data["quantity"])
    if quantity <= 0:
        raise fail("Quantity must be positive.", "quantity")
    unit_cost = Decimal(data.get("estimated_unit_cost") or 0)
    if unit_cost < 0:
        raise fail("The estimate cannot be negative.", "estimated_unit_cost")
    need_by: date | None = data.get("need_by")
    if need_by is not None and need_by < work_order.site.local_date():
        raise fail("need_by is in the past.", "need_by")
    vendor = None
    if data.get("suggested_vendor") is not None:
        vendor = Vendor.objects.filter(pk=data["suggested_vendor"], active=True).first()
        if vendor is None:
            raise fail(f"Vendor {data['suggested_vendor']} does not exist.", "suggested_vendor")
    for_stock = bool(data.get("for_stock"))
    if for_stock and part is None:
        raise fail("Only catalogue parts can be bought for stock.", "for_stock")
    return PartsRequestLine(
        line_no=line_no,
        kind=kind,
        part=part,
        description=fit(PartsRequestLine, "description", description),
        quantity=quantity,
        unit=fit(PartsRequestLine, "unit", data.get("unit") or (part.unit if part else "ea")),
        estimated_unit_cost=money(unit_cost),
        need_by=need_by,
        suggested_vendor=vendor,
        cost_center=fit(PartsRequestLine, "cost_center", data.get("cost_center") or work_order.asset.erp_cost_center),
        for_stock=for_stock,
    )


@transaction.atomic
def create_parts_request(
    actor: User,
    work_order: WorkOrder,
    *,
    lines: list[dict[str, Any]],
    note: str = "",
    by_rule: bool = False,
    need_arose_on: date | None = None,
) -> PartsRequest:
    """A draft request on an open WO. `by_rule`: raised by a rule (PM generation for standard parts
    not in stock), not by a person; it stays a draft until a planner submits it. `need_arose_on`:
    when the need arose, for a request entered late (not in the future, not before the WO)."""
    if not by_rule:
        authorize(actor, Perm.REQUEST_PARTS, work_order.site_id)
    work_order = WorkOrder.objects.select_related("site", "asset").get(pk=work_order.pk)
    if work_order.status not in OPEN_STATUSES:
        raise Conflict(
            f"{work_order.number} is {work_order.status}; request parts on an open WO.",
            code="work_order_not_open",
            details={"status": work_order.status},
        )
    if not 1 <= len(lines) <= MAX_LINES:
        raise ValidationFailed(f"A request has 1 to {MAX_LINES} lines.", details={"field": "lines"})
    if need_arose_on is not None and not (
        work_order.site.local_date(work_order.created_at) <= need_arose_on <= work_order.site.local_date()
    ):
        raise ValidationFailed(code="need_arose_implausible", details={"field": "need_arose_on"})
    built = [_line(work_order, number, data) for number, data in enumerate(lines, start=1)]
    request = PartsRequest.objects.create(
        number=next_number("PR"),
        work_order=work_order,
        site=work_order.site,
        note=note.strip(),
        need_arose_on=need_arose_on,
        requested_by=actor,
    )
    for line in built:
        line.request = request
    PartsRequestLine.objects.bulk_create(built)
    return request


def estimate(request: PartsRequest) -> Decimal:
    live = request.lines.exclude(status__in=[PartsRequestLine.Status.CANCELLED, PartsRequestLine.Status.REJECTED])
    total = live.aggregate(total=Sum(F("quantity") * F("estimated_unit_cost")))["total"]
    return Decimal(total or 0)


def _lock(request: PartsRequest) -> PartsRequest:
    return PartsRequest.objects.select_for_update().select_related("site", "work_order").get(pk=request.pk)


def _hand_to_purchasing(request: PartsRequest) -> None:
    request.status = PartsRequest.Status.SUBMITTED
    request.submitted_at = timezone.now()
    request.save(update_fields=["status", "submitted_at", "approved_by", "approved_at", "updated_at"])
    # Committed with the state change: the worker delivers it, however long the ERP is away.
    enqueue(
        SUBMIT_TOPIC,
        {"parts_request": request.pk},
        idempotency_key=f"parts_request:{request.pk}:submit",
        site=request.site,
    )


@transaction.atomic
def submit_parts_request(actor: User, request: PartsRequest) -> PartsRequest:
    authorize(actor, Perm.REQUEST_PARTS, request.site_id)
    request = _lock(request)
    if request.status != PartsRequest.Status.DRAFT:
        raise Conflict(f"{request.number} is {request.status}; only a draft is submitted.", code="not_draft")
    threshold = site_settings(request.site).approval_threshold
    over_threshold = threshold is not None and estimate(request) > threshold
    if over_threshold and not has_perm(actor, Perm.APPROVE_PARTS_REQUESTS, request.site_id):
        request.status = PartsRequest.Status.PENDING_APPROVAL
        request.save(update_fields=["status", "updated_at"])
        return request
    if over_threshold:  # the submitter may approve it: recorded as approved by them
        request.approved_by, request.approved_at = actor, timezone.now()
    _hand_to_purchasing(request)
    return request


@transaction.atomic
def approve_parts_request(actor: User, request: PartsRequest) -> PartsRequest:
    authorize(actor, Perm.APPROVE_PARTS_REQUESTS, request.site_id)
    request = _lock(request)
    if request.status != PartsRequest.Status.PENDING_APPROVAL:
        raise Conflict(f"{request.number} is not waiting for approval.", code="not_pending_approval")
    request.approved_by, request.approved_at = actor, timezone.now()
    _hand_to_purchasing(request)
    return request


@transaction.atomic
def reject_parts_request(actor: User, request: PartsRequest, *, reason: str) -> PartsRequest:
    authorize(actor, Perm.APPROVE_PARTS_REQUESTS, request.site_id)
    if not reason.strip():
        raise ValidationFailed("Say why the request is rejected.", details={"field": "reason"})
    request = _lock(request)
    if request.status != PartsRequest.Status.PENDING_APPROVAL:
        raise Conflict(f"{request.number} is not waiting for approval.", code="not_pending_approval")
    request.status = PartsRequest.Status.REJECTED
    request.note = fit(PartsRequest, "note", (request.note + f"\nRejected: {reason.strip()}").strip())
    request.save(update_fields=["status", "note", "updated_at"])
    request.lines.update(status=PartsRequestLine.Status.REJECTED)
    return request


@transaction.atomic
def cancel_request_line(actor: User, line: PartsRequestLine) -> PartsRequestLine:
    """The WO no longer needs it. If purchasing has it, the ERP is told (through the outbox)."""
    authorize(actor, Perm.REQUEST_PARTS, line.request.site_id)
    line = PartsRequestLine.objects.select_for_update().select_related("request", "request__site").get(pk=line.pk)
    if line.status != PartsRequestLine.Status.OPEN:
        raise Conflict(f"The line is {line.status}; only an open line is cancelled here.", code="line_not_open")
    line.status = PartsRequestLine.Status.CANCELLED
    line.save(update_fields=["status"])
    if line.request.status in (PartsRequest.Status.SUBMITTED, PartsRequest.Status.ORDERED):
        enqueue(
            CANCEL_TOPIC,
            {"request_line": line.pk},
            idempotency_key=f"request_line:{line.pk}:cancel",
            site=line.request.site,
        )
    refresh_request_status(line.request)
    return line


def request_status_after(status: str, line_statuses: set[str]) -> str:
    """A request is ordered once every live line is on a PO; rejected/cancelled when no line is left."""
    live = line_statuses - {PartsRequestLine.Status.CANCELLED, PartsRequestLine.Status.REJECTED}
    if not live and status != PartsRequest.Status.DRAFT:
        if PartsRequestLine.Status.REJECTED in line_statuses:
            return PartsRequest.Status.REJECTED
        return PartsRequest.Status.CANCELLED
    if live == {PartsRequestLine.Status.ORDERED}:
        return PartsRequest.Status.ORDERED
    if PartsRequestLine.Status.OPEN in live and status == PartsRequest.Status.ORDERED:
        return PartsRequest.Status.SUBMITTED
    return status


def refresh_request_status(request: PartsRequest) -> None:
    new = request_status_after(request.status, set(request.lines.values_list("status", flat=True)))
    if new != request.status:
        request.updated_at = timezone.now()
        PartsRequest.objects.filter(pk=request.pk).update(status=new, updated_at=request.updated_at)
        request.status = new
        if new == PartsRequest.Status.ORDERED:
            subscriber_events.request_ordered(request.site, request)
