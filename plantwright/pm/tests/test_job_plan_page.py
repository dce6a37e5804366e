"""A planner keeps job plans on a page (until now admin-only): tasks, checklist and parts as lists
with a line to add and lines to remove."""

from decimal import Decimal

import pytest
from django.urls import reverse

from plantwright.maintenance.models import Craft
from plantwright.pm.models import JobPlan
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


def _management(prefix: str, total: int, initial: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "200"}  # fmt: skip


def test_a_planner_makes_and_edits_a_job_plan(as_user, planner, site):
    Craft.objects.get_or_create(code="mech", defaults={"name": "Mechanic"})
    seal = factories.part("SEAL-40", "Shaft seal 40 mm")
    client = as_user(planner)
    new = reverse("pm-job-plan-new", args=[site.pk])
    page = client.get(new).content.decode()
    assert 'data-formset-add="tasks"' in page and 'id="checks-empty"' in page
    data = {
        "code": "PUMP-3M", "name": "Pump quarterly", "active": "on",
        **_management("tasks", 2), "tasks-0-description": "Check alignment", "tasks-0-craft": "mech",
        "tasks-0-estimated_hours": "1.5", "tasks-1-description": "",
        **_management("checks", 1), "checks-0-text": "Bearing temperature", "checks-0-kind": "value",
        "checks-0-upper_limit": "80", "checks-0-unit": "°C",
        **_management("parts", 1), "parts-0-part": str(seal.pk), "parts-0-quantity": "2",
    }  # fmt: skip
    response = client.post(new, data)
    assert response.status_code == 302 and response.url == reverse("pm-job-plans", args=[site.pk])
    plan = JobPlan.objects.get()
    assert [(t.description, t.craft.code, t.estimated_hours) for t in plan.tasks.all()] == [
        ("Check alignment", "mech", Decimal("1.50"))
    ]
    assert plan.checks.get().upper_limit == 80 and plan.parts.get().quantity == 2

    edit = reverse("pm-job-plan-edit", args=[site.pk, plan.pk])
    page = client.get(edit).content.decode()
    assert 'value="Check alignment"' in page and "Bearing temperature" in page
    data |= {"tasks-0-DELETE": "on", "tasks-1-description": "Grease the bearings", "name": "Pump quarterly service"}
    assert client.post(edit, data).status_code == 302
    plan.refresh_from_db()
    assert plan.name == "Pump quarterly service" and [t.description for t in plan.tasks.all()] == [
        "Grease the bearings"
    ]
    assert "PUMP-3M" in client.get(reverse("pm-job-plans", args=[site.pk])).content.decode()


def test_a_refused_plan_shows_why_and_keeps_what_was_typed(as_user, planner, technician, site):
    JobPlan.objects.create(site=site, code="PUMP-3M", name="Existing")
    client = as_user(planner)
    data = {"code": "PUMP-3M", "name": "Again", **_management("tasks", 1), "tasks-0-description": "Typed",
            **_management("checks", 0), **_management("parts", 0)}  # fmt: skip
    response = client.post(reverse("pm-job-plan-new", args=[site.pk]), data)
    assert response.status_code == 409 and 'value="Typed"' in response.content.decode()
    assert JobPlan.objects.count() == 1
    assert as_user(technician).get(reverse("pm-job-plan-new", args=[site.pk])).status_code == 403
