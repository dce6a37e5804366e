"""Parts used are dated the day they were used: a part fitted on 10 January and recorded later costs
January, on the WO and in the KPIs; a completed WO still takes the late entry, a closed one does not."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.inventory import services
from plantwright.maintenance.models import CostLine, WorkOrder
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(site, manager):
    room, seal = factories.storeroom(site), factories.part("SEAL-40")
    services.receive_stock(manager, part_id=seal.pk, storeroom_id=room.pk, quantity=Decimal(10), unit_cost=Decimal(7))
    return room, seal


@pytest.fixture
def done(asset, planner):
    """A WO completed on 12 January."""
    return factories.WorkOrderFactory(asset=asset, status="completed", created_by=planner)


def _issue(user, work_order, stocked, **kw):
    room, seal = stocked
    return services.issue_part(user, work_order, part_id=seal.pk, storeroom_id=room.pk, quantity=Decimal(2), **kw)


def test_a_part_recorded_late_is_dated_when_it_was_used(technician, done, stocked):
    movement = _issue(technician, done, stocked, used_on=date(2026, 1, 10))  # the WO was completed meanwhile
    cost = CostLine.objects.get(source_type="stock_movement", source_id=str(movement.pk))
    assert (movement.moved_on, cost.cost_date, cost.amount) == (date(2026, 1, 10), date(2026, 1, 10), Decimal("14"))
    back = services.return_part(
        technician, done, issue_id=movement.pk, quantity=Decimal(1), returned_on=date(2026, 1, 11)
    )
    assert CostLine.objects.get(source_type="stock_movement", source_id=str(back.pk)).cost_date == date(2026, 1, 11)


def test_the_kpis_count_it_in_the_month_it_was_used(technician, done, stocked, site):
    from plantwright.reliability.kpis import kpis
    from plantwright.reliability.periods import Period, Scope

    _issue(technician, done, stocked, used_on=date(2026, 1, 10))
    january = kpis(Scope((site.pk,)), Period.of(date(2026, 1, 1), date(2026, 2, 1)))
    today = site.local_date()
    this_month = kpis(Scope((site.pk,)), Period.of(today.replace(day=1), today + timedelta(days=1)))
    assert january.parts_cost == Decimal(14) and this_month.parts_cost == 0


def test_no_part_is_used_tomorrow_or_before_it_was_issued(technician, done, stocked, site):
    with pytest.raises(ValidationFailed) as refused:
        _issue(technician, done, stocked, used_on=site.local_date() + timedelta(days=1))
    assert refused.value.code == "used_on_implausible" and refused.value.details == {"field": "used_on"}
    movement = _issue(technician, done, stocked, used_on=date(2026, 1, 10))
    with pytest.raises(ValidationFailed) as refused:
        services.return_part(technician, done, issue_id=movement.pk, quantity=Decimal(1), returned_on=date(2026, 1, 9))
    assert refused.value.code == "returned_before_issued"
    assert CostLine.objects.filter(source_type="stock_movement").count() == 1  # nothing half-written


def test_a_closed_wo_takes_no_late_parts(technician, planner, done, stocked):
    WorkOrder.objects.filter(pk=done.pk).update(status="closed")
    with pytest.raises(Conflict):
        _issue(technician, WorkOrder.objects.get(pk=done.pk), stocked, used_on=date(2026, 1, 10))


def test_the_api_takes_the_day_used(api_as, technician, done, stocked):
    room, seal = stocked
    body = {"part": seal.pk, "storeroom": room.pk, "quantity": "1", "used_on": "2026-01-10"}
    status, answer = api_as(technician).post(f"/work-orders/{done.pk}/issues", body)
    assert status == 201 and answer["moved_on"] == "2026-01-10"
    status, answer = api_as(technician).post(f"/work-orders/{done.pk}/issues", {**body, "used_on": "2099-01-01"})
    assert status == 422 and answer["error"]["code"] == "used_on_implausible"
