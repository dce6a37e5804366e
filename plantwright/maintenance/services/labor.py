"""Hours on a WO: internal labor at effective-dated rates, contractor hours, timers, corrections."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.formats import date_format

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, has_perm, list_sites, site_ids_with
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, PermissionDenied, ValidationFailed
from plantwright.maintenance.models import (
    ContractorEntry,
    CostCategory,
    CostKind,
    Craft,
    LaborEntry,
    LaborRate,
    LaborTimer,
    Vendor,
    WorkOrder,
    WorkOrderStatus,
)
from plantwright.maintenance.services.ledger import cost_line_for, money, post_cost_line, reverse_cost_line
from plantwright.maintenance.services.periods import check_open, closed_through, open_day

# Time can be booked while the work is live, and after completion until the planner closes the WO.
TIME_BOOKING_STATUSES = frozenset(
    {
        WorkOrderStatus.APPROVED,
        WorkOrderStatus.SCHEDULED,
        WorkOrderStatus.IN_PROGRESS,
        WorkOrderStatus.ON_HOLD,
        WorkOrderStatus.COMPLETED,
    }
)
MAX_HOURS_PER_DAY = Decimal("24")
HOURS_STEP = Decimal("0.01")


def _check_bookable(work_order: WorkOrder) -> None:
    if work_order.status not in TIME_BOOKING_STATUSES:
        raise Conflict(
            code="work_order_not_bookable",
            details={"status": work_order.status},
            number=work_order.number,
            status=work_order.get_status_display(),
        )


def _check_hours(hours: Decimal, work_date: date, site: Site) -> Decimal:
    if hours <= 0 or hours > MAX_HOURS_PER_DAY:
        raise ValidationFailed(code="hours_out_of_range", details={"field": "hours"})
    if hours != hours.quantize(HOURS_STEP):
        raise ValidationFailed(code="hours_too_precise", details={"field": "hours"})
    if work_date > site.local_date() or work_date.year < 2000:
        raise ValidationFailed(code="work_date_implausible", details={"field": "work_date"})
    check_open(site, work_date, field="work_date")  # also contractor hours paid by PO, which post no cost
    return hours


def _check_daily_total(booked: Decimal | None, hours: Decimal, who: str) -> None:
    total = (booked or Decimal(0)) + hours
    if total > MAX_HOURS_PER_DAY:
        raise ValidationFailed(
            code="daily_hours_exceeded",
            details={"field": "hours", "already_booked": str(booked or Decimal(0))},
            who=who,
            total=total,
        )


def rate_for(site: Site, technician: User, craft: Craft | None, work_date: date) -> LaborRate:
    """The technician's own rate in force on `work_date`, else the craft's. Later changes never reprice."""
    in_force = LaborRate.objects.filter(site=site, effective_from__lte=work_date).order_by("-effective_from")
    rate = in_force.filter(technician=technician).first()
    if rate is None and craft is not None:
        rate = in_force.filter(craft=craft).first()
    if rate is None:
        raise ValidationFailed(
            code="no_labor_rate",
            details={"field": "technician", "technician": technician.pk, "craft": craft.code if craft else None},
            who=f"{technician.display_name}{f' / {craft}' if craft else ''}",
            day=date_format(work_date, "SHORT_DATE_FORMAT"),
        )
    return rate


@transaction.atomic
def set_labor_rate(
    actor: User,
    *,
    site_id: int,
    hourly_rate: Decimal,
    effective_from: date,
    technician_id: int | None = None,
    craft_code: str | None = None,
) -> LaborRate:
    """Set the rate in force from a date (same date again: corrects that rate; earlier entries keep theirs)."""
    site = list_sites(actor).filter(pk=site_id).first()
    if site is None:
        raise ValidationFailed(f"Site {site_id} does not exist.", details={"field": "site"})
    authorize(actor, Perm.MANAGE_RATES, site.pk)
    if (technician_id is None) == (craft_code is None):
        raise ValidationFailed("A rate is for a technician or for a craft.", details={"field": "technician"})
    technician = craft = None
    if technician_id is not None:
        technician = User.objects.filter(pk=technician_id).first()
        if technician is None or not has_perm(technician, Perm.EXECUTE_WORK, site.pk):
            raise ValidationFailed("Not a technician of this site.", details={"field": "technician"})
    if craft_code is not None:
        craft = Craft.objects.filter(code=craft_code).first()
        if craft is None:
            raise ValidationFailed(code="unknown_craft", details={"field": "craft"}, craft=craft_code)
    if hourly_rate < 0:
        raise ValidationFailed("A rate cannot be negative.", details={"field": "hourly_rate"})
    rate, _ = LaborRate.objects.update_or_create(
        site=site,
        technician=technician,
        craft=craft,
        effective_from=effective_from,
        defaults={"hourly_rate": money(hourly_rate)},
    )
    return rate


def _lock(work_order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_for_update().select_related("site").get(pk=work_order.pk)


@transaction.atomic
def log_labor(
    actor: User,
    work_order: WorkOrder,
    *,
    technician_id: int,
    hours: Decimal,
    work_date: date,
    craft_code: str | None = None,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    overtime_multiplier: Decimal = Decimal("1"),
    note: str = "",
) -> LaborEntry:
    authorize(actor, Perm.EXECUTE_WORK, work_order.site_id)
    if technician_id != actor.pk and not has_perm(actor, Perm.MANAGE_WORK_ORDERS, work_order.site_id):
        raise PermissionDenied(code="books_own_time")
    work_order = _lock(work_order)
    _check_bookable(work_order)
    technician = User.objects.filter(pk=technician_id, is_active=True).first()
    if technician is None or not has_perm(technician, Perm.EXECUTE_WORK, work_order.site_id):
        raise ValidationFailed(code="not_a_technician", details={"field": "technician"})
    craft = None
    if craft_code:
        craft = Craft.objects.filter(code=craft_code).first()
        if craft is None:
            raise ValidationFailed(code="unknown_craft", details={"field": "craft"}, craft=craft_code)
    hours = _check_hours(hours, work_date, work_order.site)
    if started_at and ended_at:
        if ended_at <= started_at:
            raise ValidationFailed(code="end_before_start", details={"field": "ended_at"})
        span = Decimal((ended_at - started_at).total_seconds()) / Decimal(3600)
        if hours > span + HOURS_STEP:
            raise ValidationFailed(code="hours_beyond_span", details={"field": "hours"})
    if not (Decimal("1") <= overtime_multiplier <= Decimal("3")):
        raise ValidationFailed(code="overtime_out_of_range", details={"field": "overtime_multiplier"})
    # Lock the technician's row so two bookings for the same day cannot both pass the 24 h check.
    User.objects.select_for_update().filter(pk=technician.pk).first()
    booked = LaborEntry.objects.filter(technician=technician, work_date=work_date).aggregate(s=Sum("hours"))["s"]
    _check_daily_total(booked, hours, technician.display_name)
    rate = rate_for(work_order.site, technician, craft, work_date)
    entry = LaborEntry.objects.create(
        work_order=work_order,
        technician=technician,
        craft=craft,
        work_date=work_date,
        hours=hours,
        started_at=started_at,
        ended_at=ended_at,
        overtime_multiplier=overtime_multiplier,
        hourly_rate=rate.hourly_rate,
        amount=money(hours * rate.hourly_rate * overtime_multiplier),
        note=note,
        entered_by=actor,
    )
    post_cost_line(
        work_order,
        kind=CostKind.LABOR,
        category=CostCategory.LABOR,
        amount=entry.amount,
        quantity=hours,
        cost_date=work_date,
        source_type="labor_entry",
        source_id=entry.pk,
        idempotency_key=f"labor_entry:{entry.pk}",
        description=f"{technician.display_name}, {hours} h × {rate.hourly_rate}"
        + (f" × {overtime_multiplier}" if overtime_multiplier != 1 else ""),
        posted_by=actor,
    )
    return entry


def _check_reversible(entry, label: str) -> None:
    if entry.reversal_of_id is not None:
        raise Conflict(code="reversal_of_reversal", details={"entry": label})
    if type(entry).objects.filter(reversal_of=entry).exists():
        raise Conflict(code="already_reversed", details={"entry": label})


@transaction.atomic
def reverse_labor(actor: User, entry: LaborEntry, *, reason: str) -> LaborEntry:
    """A planner's correction: a negative entry and a reversing cost line; the original stays."""
    authorize(actor, Perm.MANAGE_WORK_ORDERS, entry.work_order.site_id)
    if not reason.strip():
        raise ValidationFailed(code="reason_required", details={"field": "reason"})
    _lock(entry.work_order)
    entry = LaborEntry.objects.select_for_update().get(pk=entry.pk)
    _check_reversible(entry, "labor entry")
    reversal = LaborEntry.objects.create(
        work_order_id=entry.work_order_id,
        technician_id=entry.technician_id,
        craft_id=entry.craft_id,
        work_date=open_day(entry.work_date, closed_through(entry.work_order.site)),  # closed months stay as they are
        hours=-entry.hours,
        overtime_multiplier=entry.overtime_multiplier,
        hourly_rate=entry.hourly_rate,
        amount=-entry.amount,
        reversal_of=entry,
        note=fit(LaborEntry, "note", reason.strip()),
        entered_by=actor,
    )
    line = cost_line_for("labor_entry", entry.pk)
    if line is not None:
        reverse_cost_line(line, cost_date=entry.work_date, reason=reason, posted_by=actor)
    return reversal


@transaction.atomic
def log_contractor_hours(
    actor: User,
    work_order: WorkOrder,
    *,
    vendor_id: int,
    person: str,
    hours: Decimal,
    work_date: date,
    po_number: str = "",
    po_line: int | None = None,
    agreed_rate: Decimal | None = None,
    note: str = "",
) -> ContractorEntry:
    """Contractor hours are work on the WO. Their money posts here only at an agreed rate without a PO;
    PO-paid work gets its money from the ERP invoice, so it can never count twice."""
    authorize(actor, Perm.EXECUTE_WORK, work_order.site_id)
    work_order = _lock(work_order)
    _check_bookable(work_order)
    vendor = Vendor.objects.filter(pk=vendor_id, active=True).first()
    if vendor is None:
        raise ValidationFailed(f"Vendor {vendor_id} does not exist.", details={"field": "contractor"})
    person = person.strip()
    if not person:
        raise ValidationFailed(code="person_required", details={"field": "person"})
    hours = _check_hours(hours, work_date, work_order.site)
    po_number = (po_number or "").strip()
    if po_line is not None and not po_number:
        raise ValidationFailed("A PO line needs its PO number.", details={"field": "po_number"})
    if po_number and agreed_rate is not None:
        raise ValidationFailed(
            "Work paid through a PO gets its cost from the invoice; leave the agreed rate empty.",
            code="po_and_rate",
            details={"field": "agreed_rate"},
        )
    if agreed_rate is not None and agreed_rate < 0:
        raise ValidationFailed("A rate cannot be negative.", details={"field": "agreed_rate"})
    Vendor.objects.select_for_update().filter(pk=vendor.pk).first()
    booked = ContractorEntry.objects.filter(
        Q(vendor=vendor) & Q(person__iexact=person) & Q(work_date=work_date)
    ).aggregate(s=Sum("hours"))["s"]
    _check_daily_total(booked, hours, person)
    entry = ContractorEntry.objects.create(
        work_order=work_order,
        vendor=vendor,
        person=person,
        work_date=work_date,
        hours=hours,
        po_number=po_number,
        po_line=po_line,
        agreed_rate=agreed_rate,
        amount=money(hours * agreed_rate) if agreed_rate is not None else None,
        note=note,
        entered_by=actor,
    )
    if entry.amount is not None:
        post_cost_line(
            work_order,
            kind=CostKind.CONTRACTOR,
            category=CostCategory.CONTRACTOR,
            amount=entry.amount,
            quantity=hours,
            cost_date=work_date,
            source_type="contractor_entry",
            source_id=entry.pk,
            idempotency_key=f"contractor_entry:{entry.pk}",
            description=f"{vendor.name}: {person}, {hours} h × {agreed_rate}",
            posted_by=actor,
        )
    return entry


@transaction.atomic
def reverse_contractor_hours(actor: User, entry: ContractorEntry, *, reason: str) -> ContractorEntry:
    authorize(actor, Perm.MANAGE_WORK_ORDERS, entry.work_order.site_id)
    if not reason.strip():
        raise ValidationFailed(code="reason_required", details={"field": "reason"})
    _lock(entry.work_order)
    entry = ContractorEntry.objects.select_for_update().get(pk=entry.pk)
    _check_reversible(entry, "contractor entry")
    reversal = ContractorEntry.objects.create(
        work_order_id=entry.work_order_id,
        vendor_id=entry.vendor_id,
        person=entry.person,
        work_date=open_day(entry.work_date, closed_through(entry.work_order.site)),  # closed months stay as they are
        hours=-entry.hours,
        po_number=entry.po_number,
        po_line=entry.po_line,
        agreed_rate=entry.agreed_rate,
        amount=-entry.amount if entry.amount is not None else None,
        reversal_of=entry,
        note=fit(LaborEntry, "note", reason.strip()),
        entered_by=actor,
    )
    line = cost_line_for("contractor_entry", entry.pk)
    if line is not None:
        reverse_cost_line(line, cost_date=entry.work_date, reason=reason, posted_by=actor)
    return reversal


# --- the technician's clock ----------------------------------------------------------------


@transaction.atomic
def start_timer(actor: User, work_order: WorkOrder) -> LaborTimer:
    authorize(actor, Perm.EXECUTE_WORK, work_order.site_id)
    _check_bookable(work_order)
    running = LaborTimer.objects.select_for_update().filter(technician=actor).first()
    if running is not None:
        raise Conflict(
            code="timer_running", details={"work_order": running.work_order_id}, number=running.work_order.number
        )
    return LaborTimer.objects.create(technician=actor, work_order=work_order, started_at=timezone.now())


@transaction.atomic
def stop_timer(actor: User, *, craft_code: str | None = None) -> LaborEntry:
    """Turn the running clock into a labor entry (rounded up to the next 0.01 h, at least 0.01 h)."""
    timer = LaborTimer.objects.select_for_update().select_related("work_order").filter(technician=actor).first()
    if timer is None:
        raise Conflict(code="timer_not_running")
    now = timezone.now()
    elapsed = Decimal((now - timer.started_at).total_seconds()) / Decimal(3600)
    hours = max(elapsed.quantize(HOURS_STEP, rounding="ROUND_UP"), HOURS_STEP)
    if hours > MAX_HOURS_PER_DAY:
        timer.delete()
        raise Conflict(code="timer_too_long")
    work_order = timer.work_order
    started_at = timer.started_at
    timer.delete()
    return log_labor(
        actor,
        work_order,
        technician_id=actor.pk,
        hours=hours,
        work_date=work_order.site.local_date(started_at),
        craft_code=craft_code,
        started_at=started_at,
        ended_at=now,
    )


@transaction.atomic
def create_vendor(actor: User, *, code: str, name: str, is_contractor: bool = False, erp_id: str = "") -> Vendor:
    allowed = site_ids_with(actor, Perm.MANAGE_VENDORS)
    if allowed is not None and not allowed:
        raise PermissionDenied("Only purchasing, managers and admins keep the vendor list.")
    if Vendor.objects.filter(code=code).exists():
        raise Conflict(f"Vendor code {code!r} is taken.", code="duplicate", details={"field": "code"})
    return Vendor.objects.create(code=code, name=name, is_contractor=is_contractor, erp_id=erp_id)
