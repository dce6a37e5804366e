"""Hours and cost over HTTP: labor, contractor hours, the WO ledger, asset and location cost."""

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import restrict_to_sites, site_ids_with
from plantwright.assets.selectors import get_asset, get_location
from plantwright.core.errors import NotFound, PermissionDenied, ValidationFailed
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import PathId
from plantwright.maintenance import selectors, services
from plantwright.maintenance.models import ContractorEntry, LaborEntry, LaborRate, Vendor
from plantwright.maintenance.schemas import (
    AssetCostOut,
    ContractorIn,
    ContractorOut,
    LaborIn,
    LaborOut,
    LaborRateIn,
    LaborRateOut,
    ReverseIn,
    TimerOut,
    TimerStartIn,
    VendorIn,
    VendorOut,
    WorkOrderCostOut,
)

router = Router(tags=["hours and cost"])


@router.get("/work-orders/{work_order_id}/labor", response={200: list[LaborOut], **errors(404)})
def list_labor(request: HttpRequest, work_order_id: PathId):
    return selectors.list_labor_entries(selectors.get_work_order(request.user, work_order_id))


@router.post("/work-orders/{work_order_id}/labor", response={201: LaborOut, **errors(403, 404, 409, 422)})
def log_labor(request: HttpRequest, work_order_id: PathId, payload: LaborIn):
    work_order = selectors.get_work_order(request.user, work_order_id)
    entry = services.log_labor(
        request.user,
        work_order,
        technician_id=payload.technician,
        hours=payload.hours,
        work_date=payload.work_date,
        craft_code=payload.craft,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
        overtime_multiplier=payload.overtime_multiplier,
        note=payload.note,
    )
    return Status(201, entry)


def _entry(model, request: HttpRequest, entry_id: int):
    entry = model.objects.select_related("work_order").filter(pk=entry_id).first()
    try:
        if entry is None:
            raise NotFound("")
        selectors.get_work_order(request.user, entry.work_order_id)
    except NotFound:  # another site's entry is not found either, and its WO is not named
        raise NotFound(f"Entry {entry_id} does not exist.") from None
    return entry


@router.post("/labor/{entry_id}/reverse", response={201: LaborOut, **errors(403, 404, 409, 422)})
def reverse_labor(request: HttpRequest, entry_id: PathId, payload: ReverseIn):
    reversal = services.reverse_labor(request.user, _entry(LaborEntry, request, entry_id), reason=payload.reason)
    return Status(201, reversal)


@router.get("/work-orders/{work_order_id}/contractor-hours", response={200: list[ContractorOut], **errors(404)})
def list_contractor_hours(request: HttpRequest, work_order_id: PathId):
    return selectors.list_contractor_entries(selectors.get_work_order(request.user, work_order_id))


@router.post(
    "/work-orders/{work_order_id}/contractor-hours", response={201: ContractorOut, **errors(403, 404, 409, 422)}
)
def log_contractor_hours(request: HttpRequest, work_order_id: PathId, payload: ContractorIn):
    work_order = selectors.get_work_order(request.user, work_order_id)
    entry = services.log_contractor_hours(
        request.user,
        work_order,
        vendor_id=payload.contractor,
        person=payload.person,
        hours=payload.hours,
        work_date=payload.work_date,
        po_number=payload.po_number,
        po_line=payload.po_line,
        agreed_rate=payload.agreed_rate,
        note=payload.note,
    )
    return Status(201, entry)


@router.post("/contractor-hours/{entry_id}/reverse", response={201: ContractorOut, **errors(403, 404, 409, 422)})
def reverse_contractor_hours(request: HttpRequest, entry_id: PathId, payload: ReverseIn):
    entry = _entry(ContractorEntry, request, entry_id)
    return Status(201, services.reverse_contractor_hours(request.user, entry, reason=payload.reason))


@router.get("/work-orders/{work_order_id}/cost", response={200: WorkOrderCostOut, **errors(404)})
def work_order_cost(request: HttpRequest, work_order_id: PathId):
    work_order = selectors.get_work_order(request.user, work_order_id)
    totals = selectors.work_order_cost(work_order)
    hours = selectors.work_order_hours(work_order)
    return {
        "work_order": work_order.pk,
        **totals,
        "labor_hours": hours["labor"],
        "contractor_hours": hours["contractor"],
        "lines": list(selectors.cost_lines(work_order)),
    }


class PeriodFilters(Schema):
    date_from: date | None = Field(None, alias="from", description="First day (inclusive), by cost date")
    date_to: date | None = Field(None, alias="to", description="Day after the last (exclusive)")
    rollup: bool = Field(True, description="Include the asset's components")

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_to <= self.date_from:
            raise ValidationFailed("`to` must be after `from`.", details={"field": "to"})


@router.get("/assets/{asset_id}/cost", response={200: AssetCostOut, **errors(404, 422)})
def asset_cost(request: HttpRequest, asset_id: PathId, period: Query[PeriodFilters]):
    period.check()
    asset = get_asset(request.user, asset_id)
    window = {"date_from": period.date_from, "date_to": period.date_to, "rollup": period.rollup}
    return {
        "asset": asset.pk,
        "from": period.date_from,
        "to": period.date_to,
        "rollup": period.rollup,
        **selectors.asset_cost(asset.pk, **window),
        "by_month": selectors.asset_cost_by_month(asset.pk, **window),
    }


@router.get("/locations/{location_id}/cost", response={200: AssetCostOut, **errors(404, 422)})
def location_cost(request: HttpRequest, location_id: PathId, period: Query[PeriodFilters]):
    period.check()
    location = get_location(request.user, location_id)
    return {
        "location": location.pk,
        "from": period.date_from,
        "to": period.date_to,
        **selectors.location_cost(location.pk, date_from=period.date_from, date_to=period.date_to),
    }


@router.get("/vendors", response={200: list[VendorOut], **errors()})
def list_vendors(request: HttpRequest, contractors_only: bool = False):
    vendors = Vendor.objects.filter(active=True)
    return vendors.filter(is_contractor=True) if contractors_only else vendors


@router.post("/vendors", response={201: VendorOut, **errors(403, 409, 422)})
def create_vendor(request: HttpRequest, payload: VendorIn):
    return Status(201, services.create_vendor(request.user, **payload.dict()))


@router.get("/labor-rates", response={200: list[LaborRateOut], **errors(403, 422)})
def list_labor_rates(request: HttpRequest, site: PathId | None = None):
    """What an hour of each craft and technician costs: for those who plan the work (what a colleague
    earns is not every requester's business)."""
    if site_ids_with(request.user, Perm.MANAGE_WORK_ORDERS) == set():
        raise PermissionDenied("Labor rates are for planners and managers.")
    rates = restrict_to_sites(LaborRate.objects.select_related("craft"), request.user, Perm.MANAGE_WORK_ORDERS)
    return rates.filter(site_id=site) if site else rates


@router.post("/labor-rates", response={201: LaborRateOut, **errors(403, 422)})
def set_labor_rate(request: HttpRequest, payload: LaborRateIn):
    rate = services.set_labor_rate(
        request.user,
        site_id=payload.site,
        technician_id=payload.technician,
        craft_code=payload.craft,
        hourly_rate=payload.hourly_rate,
        effective_from=payload.effective_from,
    )
    return Status(201, rate)


@router.post("/me/timer", response={201: TimerOut, **errors(403, 404, 409)}, tags=["accounts"])
def start_timer(request: HttpRequest, payload: TimerStartIn):
    work_order = selectors.get_work_order(request.user, payload.work_order)
    return Status(201, services.start_timer(request.user, work_order))


@router.post("/me/timer/stop", response={201: LaborOut, **errors(403, 409, 422)}, tags=["accounts"])
def stop_timer(request: HttpRequest):
    return Status(201, services.stop_timer(request.user))
