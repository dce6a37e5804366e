"""Inspection checklists: a failed item or a value outside its limits opens one follow-up WO."""

from decimal import Decimal

import pytest

from plantwright.core.errors import Conflict, PermissionDenied, ValidationFailed
from plantwright.maintenance.models import WorkOrder, WorkOrderCheck
from plantwright.maintenance.services import add_plan, record_check, set_task_done
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def inspection(asset, planner):
    work_order = factories.WorkOrderFactory(asset=asset, type="inspection", status="in_progress", created_by=planner)
    add_plan(
        work_order,
        tasks=[{"position": 10, "description": "Walk the line", "estimated_hours": Decimal(1)}],
        checks=[
            {"position": 10, "text": "Guard in place", "kind": "pass_fail"},
            {"position": 20, "text": "Bearing temperature", "kind": "value", "upper_limit": Decimal(80), "unit": "°C"},
        ],
    )
    return work_order


def test_a_failed_item_opens_a_follow_up_with_the_finding(technician, inspection):
    guard = inspection.checks.get(position=10)
    check = record_check(technician, guard, result="fail", note="Guard bolt missing")
    follow_up = check.follow_up
    assert follow_up.type == "corrective" and follow_up.asset_id == inspection.asset_id
    assert follow_up.origin == "inspection" and follow_up.title == "Follow-up: Guard in place"
    assert inspection.number in follow_up.description and "Guard bolt missing" in follow_up.description
    record_check(technician, guard, result="fail", note="still missing")  # recorded again: no second WO
    assert WorkOrder.objects.filter(origin="inspection").count() == 1


def test_a_value_outside_its_limits_fails_and_inside_passes(technician, inspection):
    temperature = inspection.checks.get(position=20)
    assert record_check(technician, temperature, value=Decimal("71.5")).result == "pass"
    assert not WorkOrder.objects.filter(origin="inspection").exists()
    check = record_check(technician, temperature, value=Decimal("92"))
    assert check.result == "fail" and "measured 92 °C, limits …80 °C" in check.follow_up.description


def test_bad_check_input(technician, requester, inspection):
    guard, temperature = inspection.checks.order_by("position")
    with pytest.raises(ValidationFailed):
        record_check(technician, guard, result="maybe")
    with pytest.raises(ValidationFailed):
        record_check(technician, temperature)  # no value
    with pytest.raises(PermissionDenied):
        record_check(requester, guard, result="pass")
    WorkOrder.objects.filter(pk=inspection.pk).update(status="closed")
    with pytest.raises(Conflict):
        record_check(technician, guard, result="pass")
    with pytest.raises(Conflict):
        set_task_done(technician, inspection.tasks.get(), done=True)
    assert not WorkOrderCheck.objects.exclude(result="").exists()
