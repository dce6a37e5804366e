"""A closed month: nothing is dated in it afterwards (409, nothing written); a correction posts as a
reversal in the open period; ERP costs for closed days post on the first open day; the audit lists
what arrived late."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from plantwright.core.errors import Conflict, PermissionDenied, ValidationFailed
from plantwright.inventory.services import issue_part, receive_stock
from plantwright.maintenance.models import ClosedPeriod, ContractorEntry, CostLine, LaborEntry
from plantwright.maintenance.services import log_contractor_hours, log_labor, reverse_labor
from plantwright.maintenance.services.periods import close_period
from plantwright.testing import factories

pytestmark = pytest.mark.django_db

JANUARY = date(2026, 1, 15)


@pytest.fixture
def work_order(asset, technician, site):
    factories.labor_rate(site, technician=technician, rate="40")
    return factories.WorkOrderFactory(asset=asset, status="in_progress")


def _january_cost(work_order) -> Decimal:
    lines = CostLine.objects.filter(work_order=work_order, cost_date__lt=date(2026, 2, 1))
    return lines.aggregate(s=Sum("amount"))["s"] or Decimal(0)


def test_a_closed_month_refuses_every_entry_dated_in_it(manager, technician, planner, work_order, site):
    close_period(manager, site, month=date(2026, 1, 1))
    with pytest.raises(Conflict) as refused:
        log_labor(technician, work_order, technician_id=technician.pk, hours=Decimal(2), work_date=JANUARY)
    assert refused.value.code == "period_closed" and refused.value.status == 409
    assert refused.value.details == {"field": "work_date", "closed_through": "2026-01-31"}
    vendor = factories.vendor("LASR", "Laser Align")
    with pytest.raises(Conflict):  # PO-paid contractor hours post no cost, and are refused all the same
        log_contractor_hours(planner, work_order, vendor_id=vendor.pk, person="K", hours=Decimal(3),
                             work_date=JANUARY, po_number="4500001", po_line=20)  # fmt: skip
    room, seal = factories.storeroom(site), factories.part("SEAL-40")
    receive_stock(manager, part_id=seal.pk, storeroom_id=room.pk, quantity=Decimal(5), unit_cost=Decimal(7))
    with pytest.raises(Conflict):
        issue_part(technician, work_order, part_id=seal.pk, storeroom_id=room.pk, quantity=Decimal(1), used_on=JANUARY)
    assert not LaborEntry.objects.exists() and not ContractorEntry.objects.exists()
    assert not CostLine.objects.filter(work_order=work_order).exists()  # nothing half-written
    log_labor(technician, work_order, technician_id=technician.pk, hours=Decimal(2), work_date=date(2026, 2, 2))


def test_a_correction_of_a_closed_month_posts_in_the_open_period(manager, planner, technician, work_order, site):
    from plantwright.reliability.audit import integrity_findings

    entry = log_labor(technician, work_order, technician_id=technician.pk, hours=Decimal(2), work_date=JANUARY)
    close_period(manager, site, month=date(2026, 1, 1))
    reversal = reverse_labor(planner, entry, reason="booked on the wrong WO")
    assert reversal.work_date == date(2026, 2, 1)  # the hours leave February, not the closed January
    line = CostLine.objects.get(reverses__isnull=False)
    assert (line.cost_date, line.redated_from, line.amount) == (date(2026, 2, 1), JANUARY, Decimal("-80"))
    assert _january_cost(work_order) == Decimal(80)  # January's figures did not move
    assert sum(LaborEntry.objects.filter(work_date__lt=date(2026, 2, 1)).values_list("hours", flat=True)) == 2
    (late,) = integrity_findings([site.pk], rules=["arrived_after_close"])
    assert late.count == 1 and "arrived after that month was closed" in late.findings[0]["message"]


def test_an_erp_receipt_for_a_closed_day_posts_on_the_first_open_day(manager, planner, work_order, site):
    from plantwright.procurement import services as procurement
    from plantwright.procurement.events import ingest_one
    from plantwright.testing.erp_events import po_created, receipt

    request = procurement.create_parts_request(planner, work_order, lines=[
        {"description": "Seal kit", "quantity": Decimal(4), "estimated_unit_cost": Decimal(12)}])  # fmt: skip
    request = procurement.submit_parts_request(planner, request)
    assert ingest_one(site, "api:test", po_created(request, prices=("12.00",))).status == "applied"
    close_period(manager, site, month=date(2026, 11, 1))  # the events are dated in November 2026
    assert ingest_one(site, "api:test", receipt({10: "4"})).status == "applied"
    line = CostLine.objects.get(work_order=work_order)
    assert (line.cost_date, line.redated_from, line.amount) == (date(2026, 12, 1), date(2026, 11, 2), Decimal(48))


def test_who_closes_what(manager, technician, site):
    today = site.local_date()
    with pytest.raises(PermissionDenied):
        close_period(technician, site, month=date(2026, 1, 1))
    with pytest.raises(ValidationFailed) as refused:
        close_period(manager, site, month=today)  # the month has not ended
    assert refused.value.code == "period_not_ended"
    close_period(manager, site, month=date(2026, 3, 9))  # any day of the month: through its last day
    assert ClosedPeriod.objects.get().through == date(2026, 3, 31)
    with pytest.raises(Conflict) as refused:
        close_period(manager, site, month=date(2026, 2, 1))  # already closed with March
    assert refused.value.code == "period_already_closed"


def test_the_api_and_the_page_close_a_month(api_as, as_user, manager, planner, site):
    status, body = api_as(manager).post(f"/sites/{site.pk}/closed-periods", {"month": "2026-01-01", "note": "Q1"})
    assert status == 201 and body["through"] == "2026-01-31" and body["closed_by"] == manager.pk
    status, body = api_as(manager).post(f"/sites/{site.pk}/closed-periods", {"month": "2026-01-01"})
    assert status == 409 and body["error"]["code"] == "period_already_closed"
    assert api_as(planner).post(f"/sites/{site.pk}/closed-periods", {"month": "2026-02-01"})[0] == 403
    status, body = api_as(planner).get(f"/sites/{site.pk}/closed-periods")
    assert status == 200 and [row["through"] for row in body] == ["2026-01-31"]

    url = reverse("closed-periods", args=[site.pk])
    page = as_user(manager).get(url).content.decode()
    assert 'name="month"' in page and '<option value="2026-02-01">' in page and "2026-01-01" not in page
    response = as_user(manager).post(url, {"month": "2026-02-01"})
    assert response.status_code == 302 and ClosedPeriod.objects.latest("through").through == date(2026, 2, 28)
    assert 'name="month"' not in as_user(planner).get(url).content.decode()  # planners see, managers close
    assert reverse("closed-periods", args=[site.pk]) in as_user(manager).get(reverse("site-list")).content.decode()
