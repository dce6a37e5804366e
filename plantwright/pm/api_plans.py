"""Writing PM over HTTP: job plans (tasks, checklist, standard parts) and PM schedules, so a plant's
preventive programme (and its history, with pm/compliance) can be set up without the pages. The
operations join pm.api's router (one path, GET and POST alike, must live on one router)."""

from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import ConfigDict, Field

from plantwright.accounts.selectors import list_sites
from plantwright.assets.models import Asset, Meter
from plantwright.core.errors import NotFound, ValidationFailed
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import Bool, Code, Day, Hours, Id, Money, PathId, Quantity, Text
from plantwright.pm import selectors, services
from plantwright.pm.api import ScheduleOut, _site, router
from plantwright.pm.job_plans import save_job_plan
from plantwright.pm.models import JobPlan, PmSchedule


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class TaskIo(_Strict):
    position: int | None = Field(None, ge=0, le=32767, strict=True)
    description: Text(500)
    craft: Code | None = None
    estimated_hours: Hours = Decimal(0)


class CheckIo(_Strict):
    position: int | None = Field(None, ge=0, le=32767, strict=True)
    text: Text(300)
    kind: Literal["pass_fail", "value"] = "pass_fail"
    lower_limit: Money | None = None
    upper_limit: Money | None = None
    unit: Text(20, 0) = ""


class PlanPartIo(_Strict):
    part: Id
    quantity: Quantity


class JobPlanIn(_Strict):
    site: Id
    code: Code
    name: Text(200)
    description: Text(5000, 0) = ""
    safety_notes: Text(5000, 0) = ""
    active: Bool = True
    tasks: list[TaskIo] = Field(default_factory=list, max_length=200)
    checks: list[CheckIo] = Field(default_factory=list, max_length=200)
    parts: list[PlanPartIo] = Field(default_factory=list, max_length=200)


class JobPlanChange(_Strict):
    code: Code | None = None
    name: Text(200) | None = None
    description: Text(5000, 0) | None = None
    safety_notes: Text(5000, 0) | None = None
    active: Bool | None = None
    tasks: list[TaskIo] | None = Field(None, max_length=200, description="Replaces the plan's tasks")
    checks: list[CheckIo] | None = Field(None, max_length=200, description="Replaces the plan's checklist")
    parts: list[PlanPartIo] | None = Field(None, max_length=200, description="Replaces the plan's parts")


class TaskOut(Schema):
    position: int
    description: str
    craft: str | None
    estimated_hours: Decimal


class CheckOut(Schema):
    position: int
    text: str
    kind: str
    lower_limit: Decimal | None
    upper_limit: Decimal | None
    unit: str


class PlanPartOut(Schema):
    part: int
    quantity: Decimal


class JobPlanOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    code: str
    name: str
    description: str
    safety_notes: str
    active: bool
    tasks: list[TaskOut]
    checks: list[CheckOut]
    parts: list[PlanPartOut]


def _plan_out(plan: JobPlan) -> dict:
    return {
        "id": plan.pk, "site_id": plan.site_id, "code": plan.code, "name": plan.name,
        "description": plan.description, "safety_notes": plan.safety_notes, "active": plan.active,
        "tasks": [{"position": t.position, "description": t.description, "craft": t.craft.code if t.craft else None,
                   "estimated_hours": t.estimated_hours} for t in plan.tasks.all()],
        "checks": [{"position": c.position, "text": c.text, "kind": c.kind, "lower_limit": c.lower_limit,
                    "upper_limit": c.upper_limit, "unit": c.unit} for c in plan.checks.all()],
        "parts": [{"part": p.part_id, "quantity": p.quantity} for p in plan.parts.all()],
    }  # fmt: skip


def _plans(request: HttpRequest):
    sites = list_sites(request.user)
    return JobPlan.objects.filter(site__in=sites).prefetch_related("tasks__craft", "checks", "parts")


def _plan(request: HttpRequest, plan_id: int) -> JobPlan:
    plan = _plans(request).filter(pk=plan_id).select_related("site").first()
    if plan is None:
        raise NotFound(f"Job plan {plan_id} does not exist.", details={"job_plan": plan_id})
    return plan


class PlanFilters(Schema):
    site: PathId | None = None


@router.get("/pm/job-plans", response={200: list[JobPlanOut], **errors(422)})
def list_job_plans(request: HttpRequest, filters: Query[PlanFilters]):
    plans = _plans(request)
    if filters.site is not None:
        plans = plans.filter(site_id=filters.site)
    return [_plan_out(plan) for plan in plans.order_by("site_id", "code")[:500]]


@router.get("/pm/job-plans/{plan_id}", response={200: JobPlanOut, **errors(404)})
def get_job_plan(request: HttpRequest, plan_id: PathId):
    return _plan_out(_plan(request, plan_id))


def _rows(items) -> list[dict] | None:
    return None if items is None else [item.model_dump() for item in items]


@router.post("/pm/job-plans", response={201: JobPlanOut, **errors(403, 404, 409, 422)})
def create_job_plan(request: HttpRequest, payload: JobPlanIn):
    data = payload.model_dump(exclude={"site", "tasks", "checks", "parts"})
    plan = save_job_plan(request.user, _site(request, payload.site), tasks=_rows(payload.tasks),
                         checks=_rows(payload.checks), parts=_rows(payload.parts), **data)  # fmt: skip
    return Status(201, _plan_out(_plan(request, plan.pk)))


@router.patch("/pm/job-plans/{plan_id}", response={200: JobPlanOut, **errors(403, 404, 409, 422)})
def change_job_plan(request: HttpRequest, plan_id: PathId, payload: JobPlanChange):
    plan = _plan(request, plan_id)
    data = payload.model_dump(exclude_unset=True, exclude={"tasks", "checks", "parts"})
    save_job_plan(request.user, plan.site, plan, tasks=_rows(payload.tasks), checks=_rows(payload.checks),
                  parts=_rows(payload.parts), **{k: v for k, v in data.items() if v is not None})  # fmt: skip
    return _plan_out(_plan(request, plan_id))


# --- schedules --------------------------------------------------------------------------------------


class _ScheduleFields(_Strict):
    job_plan: Id | None = None
    trigger: Literal["calendar", "meter", "either"] = "calendar"
    mode: Literal["fixed", "floating"] = "fixed"
    interval: int | None = Field(None, ge=1, le=10000, strict=True)
    interval_unit: Literal["days", "weeks", "months"] = "months"
    meter: Id | None = None
    meter_interval: Quantity | None = None
    meter_start: Money | None = None
    lead_days: int = Field(7, ge=0, le=365, strict=True)
    season_start_month: int | None = Field(None, ge=1, le=12, strict=True)
    season_end_month: int | None = Field(None, ge=1, le=12, strict=True)
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    work_order_type: Literal["preventive", "inspection", "predictive"] = "preventive"
    active: Bool = True


class ScheduleIn(_ScheduleFields):
    site: Id
    asset: Id
    name: Text(200)
    starts_on: Day = Field(description="The first due date (the anchor of a fixed schedule)")


class ScheduleChange(_Strict):
    name: Text(200) | None = None
    asset: Id | None = None
    starts_on: Day | None = None
    job_plan: Id | None = None
    trigger: Literal["calendar", "meter", "either"] | None = None
    mode: Literal["fixed", "floating"] | None = None
    interval: int | None = Field(None, ge=1, le=10000, strict=True)
    interval_unit: Literal["days", "weeks", "months"] | None = None
    meter: Id | None = None
    meter_interval: Quantity | None = None
    meter_start: Money | None = None
    lead_days: int | None = Field(None, ge=0, le=365, strict=True)
    season_start_month: int | None = Field(None, ge=1, le=12, strict=True)
    season_end_month: int | None = Field(None, ge=1, le=12, strict=True)
    priority: Literal["low", "medium", "high", "urgent"] | None = None
    work_order_type: Literal["preventive", "inspection", "predictive"] | None = None
    active: Bool | None = None


def _references(site, data: dict) -> dict:
    """Ids of the body as the site's records (an id of another site is as if it did not exist)."""
    lookups = {
        "asset": Asset.objects.filter(site=site),
        "job_plan": JobPlan.objects.filter(site=site),
        "meter": Meter.objects.filter(asset__site=site),
    }
    for name, records in lookups.items():
        if data.get(name) is not None:
            found = records.filter(pk=data[name]).first()
            if found is None:
                raise ValidationFailed(f"{name.replace('_', ' ').capitalize()} {data[name]} does not exist.",
                                       details={"field": name})  # fmt: skip
            data[name] = found
    return data


# What a schedule may be without (a PATCH with null clears them); the rest always has a value.
CLEARABLE = {"job_plan", "interval", "meter", "meter_interval", "meter_start", "season_start_month", "season_end_month"}


def _schedule(request: HttpRequest, schedule_id: int) -> PmSchedule:
    schedule = selectors.list_schedules(request.user).filter(pk=schedule_id).first()
    if schedule is None:
        raise NotFound(f"PM schedule {schedule_id} does not exist.", details={"schedule": schedule_id})
    return schedule


@router.get("/pm/schedules/{schedule_id}", response={200: ScheduleOut, **errors(404)})
def get_schedule(request: HttpRequest, schedule_id: PathId):
    return _schedule(request, schedule_id)


@router.post("/pm/schedules", response={201: ScheduleOut, **errors(403, 404, 422)})
def create_schedule(request: HttpRequest, payload: ScheduleIn):
    site = _site(request, payload.site)
    schedule = services.save_schedule(request.user, site, **_references(site, payload.model_dump(exclude={"site"})))
    return Status(201, _schedule(request, schedule.pk))


@router.patch("/pm/schedules/{schedule_id}", response={200: ScheduleOut, **errors(403, 404, 422)})
def change_schedule(request: HttpRequest, schedule_id: PathId, payload: ScheduleChange):
    """Change a schedule; a field sent as null is cleared (the job plan, the meter, the season)."""
    schedule = _schedule(request, schedule_id)
    site = schedule.site
    data = payload.model_dump(exclude_unset=True)
    for name, value in data.items():
        if value is None and name not in CLEARABLE:
            raise ValidationFailed(f"{name} cannot be cleared.", details={"field": name})
    data = _references(site, data)
    services.save_schedule(request.user, site, PmSchedule.objects.get(pk=schedule.pk), **data)
    return _schedule(request, schedule_id)
