"""Setting up a PM programme through the API: job plans with their tasks, checklist and parts, and
schedules that use them; bad input is refused with the field named and nothing written."""

from datetime import UTC, datetime

import pytest

from plantwright.maintenance.models import Craft
from plantwright.pm.models import JobPlan, PmSchedule
from plantwright.pm.services import generate_due_work_orders
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_body(site):
    Craft.objects.get_or_create(code="mech", defaults={"name": "Mechanic"})
    seal = factories.part("SEAL-40", "Shaft seal 40 mm")
    return {
        "site": site.pk, "code": "PUMP-3M", "name": "Pump quarterly service", "safety_notes": "LOTO-7",
        "tasks": [{"description": "Check alignment", "craft": "mech", "estimated_hours": "1.5"}],
        "checks": [{"text": "Bearing temperature", "kind": "value", "upper_limit": "80", "unit": "°C"},
                   {"text": "No leak at the seal"}],
        "parts": [{"part": seal.pk, "quantity": "2"}],
    }  # fmt: skip


def test_a_job_plan_is_made_changed_and_used_by_a_schedule(api_as, planner, site, asset, plan_body):
    api = api_as(planner)
    status, plan = api.post("/pm/job-plans", plan_body)
    assert status == 201 and [t["description"] for t in plan["tasks"]] == ["Check alignment"]
    assert [c["kind"] for c in plan["checks"]] == ["value", "pass_fail"] and plan["parts"][0]["quantity"] == "2.0000"
    status, changed = api.patch(f"/pm/job-plans/{plan['id']}", {"tasks": [{"description": "Grease"}], "name": "PQS"})
    assert status == 200 and changed["name"] == "PQS" and [t["description"] for t in changed["tasks"]] == ["Grease"]
    assert len(changed["checks"]) == 2  # not sent: kept

    body = {"site": site.pk, "asset": asset.pk, "name": "Quarterly", "starts_on": "2026-01-31", "interval": 3,
            "job_plan": plan["id"], "lead_days": 0}  # fmt: skip
    status, schedule = api.post("/pm/schedules", body)
    assert status == 201 and schedule["job_plan"] == plan["id"] and schedule["interval"] == 3
    status, schedule = api.patch(f"/pm/schedules/{schedule['id']}", {"lead_days": 5, "job_plan": None})
    assert status == 200 and (schedule["lead_days"], schedule["job_plan"]) == (5, None)
    api.patch(f"/pm/schedules/{schedule['id']}", {"job_plan": plan["id"]})
    generate_due_work_orders(now=datetime(2026, 1, 31, 8, tzinfo=UTC))
    work_order = PmSchedule.objects.get().occurrences.get().work_order
    assert [t.description for t in work_order.tasks.all()] == ["Grease"] and work_order.checks.count() == 2
    assert api.get(f"/pm/schedules/{schedule['id']}")[1]["last_work_order"] == work_order.pk


def test_bad_plans_and_schedules_are_refused_with_the_field(api_as, planner, technician, site, asset, plan_body):
    api = api_as(planner)
    status, body = api.post("/pm/job-plans", {**plan_body, "tasks": [{"description": "x", "craft": "nope"}]})
    assert status == 422 and body["error"]["details"]["field"] == "tasks.0.craft"
    status, body = api.post("/pm/job-plans", {**plan_body, "checks": [{"text": "t", "lower_limit": "1"}]})
    assert status == 422 and body["error"]["details"]["field"] == "checks.0.kind"  # only a value has limits
    assert not JobPlan.objects.exists()  # nothing half-written
    assert api.post("/pm/job-plans", plan_body)[0] == 201
    status, body = api.post("/pm/job-plans", plan_body)
    assert status == 409 and body["error"]["code"] == "duplicate"
    assert api_as(technician).post("/pm/job-plans", {**plan_body, "code": "T"})[0] == 403

    schedule = {"site": site.pk, "asset": asset.pk, "name": "Monthly", "starts_on": "2026-01-31"}
    status, body = api.post("/pm/schedules", schedule)  # a calendar schedule without its interval
    assert status == 422 and body["error"]["details"]["field"] == "interval"
    other = factories.AssetFactory(site=factories.SiteFactory(code="far"))
    status, body = api.post("/pm/schedules", {**schedule, "interval": 1, "asset": other.pk})
    assert status == 422 and "does not exist" in body["error"]["message"]  # another site's asset
    status, made = api.post("/pm/schedules", {**schedule, "interval": 1})
    status, body = api.patch(f"/pm/schedules/{made['id']}", {"starts_on": None})
    assert status == 422 and body["error"]["details"]["field"] == "starts_on"
    assert api.get("/pm/schedules/99999")[0] == 404
