"""PM over HTTP: schedules, the load forecast, generating now, and PM compliance."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from plantwright.accounts.models import Site
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, get_site
from plantwright.core.errors import ValidationFailed
from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import Day, Id, PathId
from plantwright.pm import selectors, services

router = Router(tags=["pm"])


def _site(request: HttpRequest, site_id: int) -> Site:
    return get_site(request.user, site_id)


class ScheduleFilters(Schema):
    site: PathId | None = None


class ScheduleOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    asset: int = Field(validation_alias="asset_id")
    asset_code: str = Field(validation_alias="asset.code")
    name: str
    trigger: str
    mode: str
    interval: int | None
    interval_unit: str
    meter: int | None = Field(validation_alias="meter_id")
    meter_interval: Decimal | None
    lead_days: int
    job_plan: int | None = Field(validation_alias="job_plan_id")
    active: bool
    last_due: date | None
    last_work_order: int | None
    last_status: str | None
    open_count: int


@router.get("/pm/schedules", response={200: list[ScheduleOut], **errors(422)})
@paginate(BoundedPagination)
def list_schedules(request: HttpRequest, filters: Query[ScheduleFilters]):
    return selectors.list_schedules(request.user, site_id=filters.site)


class ForecastFilters(Schema):
    site: PathId
    days: int = Field(90, ge=1, le=366)


class ForecastWeek(Schema):
    week: date
    hours: dict[str, Decimal]
    total: Decimal


class ForecastOccurrence(Schema):
    due_date: date
    schedule: int
    asset_code: str
    name: str


class ForecastOut(Schema):
    site: int
    start: date
    weeks: list[ForecastWeek]
    occurrences: list[ForecastOccurrence]


@router.get("/pm/forecast", response={200: ForecastOut, **errors(404, 422)})
def forecast(request: HttpRequest, filters: Query[ForecastFilters]):
    site = _site(request, filters.site)
    data = selectors.forecast(site, today=site.local_date(), days=filters.days)
    return {
        "site": site.pk,
        "start": data.start,
        "weeks": [
            {"week": week, "hours": {c: data.hours[c][i] for c in data.crafts}, "total": data.totals[i]}
            for i, week in enumerate(data.weeks)
        ],
        "occurrences": [
            {"due_date": day, "schedule": s.pk, "asset_code": s.asset.code, "name": s.name}
            for day, s in data.occurrences
        ],
    }


class GenerateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    site: Id


class GenerateOut(Schema):
    created: int


@router.post("/pm/generate", response={200: GenerateOut, **errors(403, 404, 422)})
def generate(request: HttpRequest, payload: GenerateIn):
    """Create the PM WOs that are due within their lead time now (the worker does it every 10 minutes)."""
    site = _site(request, payload.site)
    authorize(request.user, Perm.MANAGE_PM, site.pk)
    return {"created": services.generate_due_work_orders(site=site)}


class ComplianceFilters(Schema):
    site: PathId
    from_: Day = Field(alias="from")
    to: Day


class ComplianceOut(Schema):
    due: int
    on_time: int
    grace_days: int
    pm_compliance: Decimal | None


@router.get("/pm/compliance", response={200: ComplianceOut, **errors(404, 422)})
def compliance(request: HttpRequest, filters: Query[ComplianceFilters]):
    """PM work due in [from, to) (not cancelled: schedule occurrences, and preventive and inspection WOs
    with a due date made by hand or imported) and what of it was completed by due date + the site's
    grace. The ratio is at full precision (a decimal string); round it for display."""
    site = _site(request, filters.site)
    if filters.to <= filters.from_:
        raise ValidationFailed("`to` comes after `from`.", details={"field": "to"})
    result = selectors.compliance(site, start=filters.from_, end=filters.to)
    return {
        "due": result.due,
        "on_time": result.on_time,
        "grace_days": result.grace_days,
        "pm_compliance": result.ratio,
    }


from plantwright.pm import api_plans  # noqa: E402, F401  (its operations join this router)
