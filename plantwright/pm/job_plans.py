"""Writing job plans (what a PM does): its tasks, checklist and standard parts, as a planner edits them
on the page or a client through the API. What a plan already put on WOs stays as it was."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.inventory.models import Part
from plantwright.maintenance.models import CheckKind, Craft
from plantwright.pm.models import JobPlan, JobPlanCheck, JobPlanPart, JobPlanTask

PLAN_FIELDS = ("code", "name", "description", "safety_notes", "active")


def _tasks(rows: list[dict[str, Any]]) -> list[JobPlanTask]:
    crafts = {c.code: c for c in Craft.objects.filter(code__in={r["craft"] for r in rows if r.get("craft")})}
    tasks = []
    for n, row in enumerate(rows):
        description = (row.get("description") or "").strip()
        if not description:
            raise ValidationFailed("Say what the task is.", details={"field": f"tasks.{n}.description"})
        craft = row.get("craft")
        if craft and craft not in crafts:
            raise ValidationFailed(code="unknown_craft", details={"field": f"tasks.{n}.craft"}, craft=craft)
        hours = Decimal(row.get("estimated_hours") or 0)
        if hours < 0 or hours > 1000:
            raise ValidationFailed("Estimated hours are 0 to 1,000.", details={"field": f"tasks.{n}.estimated_hours"})
        position = row.get("position") or 10 * (n + 1)
        tasks.append(
            JobPlanTask(position=position, description=description, craft=crafts.get(craft), estimated_hours=hours)
        )
    return tasks


def _checks(rows: list[dict[str, Any]]) -> list[JobPlanCheck]:
    checks = []
    for n, row in enumerate(rows):
        text = (row.get("text") or "").strip()
        if not text:
            raise ValidationFailed("Say what is checked.", details={"field": f"checks.{n}.text"})
        kind = row.get("kind") or CheckKind.PASS_FAIL
        if kind not in CheckKind.values:
            raise ValidationFailed("A check is pass_fail or value.", details={"field": f"checks.{n}.kind"})
        low, high = row.get("lower_limit"), row.get("upper_limit")
        if kind == CheckKind.PASS_FAIL and (low is not None or high is not None):
            raise ValidationFailed("Only a measured value has limits.", details={"field": f"checks.{n}.kind"})
        if low is not None and high is not None and Decimal(low) > Decimal(high):
            raise ValidationFailed("The lower limit is above the upper.", details={"field": f"checks.{n}.upper_limit"})
        position = row.get("position") or 10 * (n + 1)
        unit = (row.get("unit") or "").strip()
        checks.append(
            JobPlanCheck(position=position, text=text, kind=kind, lower_limit=low, upper_limit=high, unit=unit)
        )
    return checks


def _parts(rows: list[dict[str, Any]]) -> list[JobPlanPart]:
    known = {p.pk: p for p in Part.objects.filter(pk__in={r["part"] for r in rows}, active=True)}
    parts = []
    for n, row in enumerate(rows):
        if row["part"] not in known:
            raise ValidationFailed(f"Part {row['part']} does not exist.", details={"field": f"parts.{n}.part"})
        quantity = Decimal(row["quantity"])
        if quantity <= 0:
            raise ValidationFailed("A standard part needs a quantity.", details={"field": f"parts.{n}.quantity"})
        parts.append(JobPlanPart(part=known[row["part"]], quantity=quantity))
    return parts


@transaction.atomic
def save_job_plan(
    actor: User,
    site: Site,
    plan: JobPlan | None = None,
    *,
    tasks: list[dict[str, Any]] | None = None,
    checks: list[dict[str, Any]] | None = None,
    parts: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> JobPlan:
    """Create or change a job plan of the site (planners). `tasks`, `checks` and `parts`, when given,
    replace the plan's lists as a whole; left out, they stay. Everything is checked before anything
    is written."""
    authorize(actor, Perm.MANAGE_PM, site.pk)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValidationFailed("These fields cannot be set.", details={"fields": sorted(unknown)})
    if plan is not None and plan.site_id != site.pk:
        raise ValidationFailed("The job plan belongs to another site.", details={"field": "plan"})
    plan = plan or JobPlan(site=site)
    for name, value in fields.items():
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    if not plan.code or not plan.name:
        raise ValidationFailed(
            "A job plan has a code and a name.", details={"field": "code" if not plan.code else "name"}
        )
    if JobPlan.objects.filter(site=site, code=plan.code).exclude(pk=plan.pk).exists():
        raise Conflict(f"Job plan {plan.code!r} exists at {site.code}.", code="duplicate", details={"field": "code"})
    new_tasks = _tasks(tasks) if tasks is not None else None
    new_checks = _checks(checks) if checks is not None else None
    new_parts = _parts(parts) if parts is not None else None
    plan.save()
    for rows, model in ((new_tasks, JobPlanTask), (new_checks, JobPlanCheck), (new_parts, JobPlanPart)):
        if rows is not None:
            model.objects.filter(plan=plan).delete()
            for row in rows:
                row.plan = plan
            model.objects.bulk_create(rows)
    return plan
