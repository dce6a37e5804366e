"""Labor and contractor hours: rates in force on the day, daily limits, reversals, the ledger."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from plantwright.core.errors import Conflict, PermissionDenied, ValidationFailed
from plantwright.maintenance import selectors, services
from plantwright.maintenance.models import CostLine, LaborEntry
from plantwright.testing import factories

D = Decimal


@pytest.fixture
def work_order(planner, asset):
    wo = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Replace seal")
    services.transition_work_order(planner, wo, to="approved")
    return services.transition_work_order(planner, wo, to="in_progress")


def test_labor_costs_hours_at_the_rate_in_force_on_the_work_date(manager, technician, site, work_order):
    factories.labor_rate(site, technician=technician, rate="40.00", effective_from="2026-01-01")
    factories.labor_rate(site, technician=technician, rate="45.00", effective_from="2026-06-01")
    may = services.log_labor(
        technician, work_order, technician_id=technician.pk, hours=D("2.5"), work_date=date(2026, 5, 31)
    )
    june = services.log_labor(
        technician, work_order, technician_id=technician.pk, hours=D("1"), work_date=date(2026, 6, 1)
    )
    assert (may.hourly_rate, may.amount) == (D("40.0000"), D("100.0000"))
    assert (june.hourly_rate, june.amount) == (D("45.0000"), D("45.0000"))
    # A rate set later for May does not reprice what was booked.
    services.set_labor_rate(
        manager,
        site_id=site.pk,
        technician_id=technician.pk,
        hourly_rate=D("99"),
        effective_from=date(2026, 5, 1),
    )
    may.refresh_from_db()
    assert may.amount == D("100.0000")
    assert selectors.work_order_cost(work_order)["labor"] == D("145.0000")


def test_craft_rate_when_the_technician_has_none_and_overtime(technician, site, work_order):
    factories.labor_rate(site, craft=factories.craft("elec", "Electrician"), rate="60")
    entry = services.log_labor(
        technician,
        work_order,
        technician_id=technician.pk,
        hours=D("2"),
        work_date=timezone.localdate(),
        craft_code="elec",
        overtime_multiplier=D("1.5"),
    )
    assert entry.amount == D("180.0000")
    line = CostLine.objects.get()
    assert (line.kind, line.category, line.amount, line.quantity) == ("labor", "labor", D("180.0000"), D("2.0000"))
    assert line.source_type == "labor_entry" and line.source_id == str(entry.pk)


def test_no_rate_is_refused_and_nothing_is_written(technician, work_order):
    with pytest.raises(ValidationFailed) as info:
        services.log_labor(
            technician, work_order, technician_id=technician.pk, hours=D("1"), work_date=timezone.localdate()
        )
    assert info.value.code == "no_labor_rate"
    assert not LaborEntry.objects.exists() and not CostLine.objects.exists()


@pytest.mark.parametrize("hours", [D("0"), D("-1"), D("24.01"), D("1.234")])
def test_impossible_hours_are_refused(technician, site, work_order, hours):
    factories.labor_rate(site, technician=technician)
    with pytest.raises(ValidationFailed):
        services.log_labor(
            technician, work_order, technician_id=technician.pk, hours=hours, work_date=timezone.localdate()
        )


def test_thirty_hours_in_one_day_is_refused_across_work_orders(planner, technician, site, asset, work_order):
    factories.labor_rate(site, technician=technician)
    other = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Other job")
    services.transition_work_order(planner, other, to="approved")
    today = timezone.localdate()
    services.log_labor(technician, work_order, technician_id=technician.pk, hours=D("20"), work_date=today)
    with pytest.raises(ValidationFailed) as info:
        services.log_labor(technician, other, technician_id=technician.pk, hours=D("10"), work_date=today)
    assert info.value.code == "daily_hours_exceeded"
    services.log_labor(technician, other, technician_id=technician.pk, hours=D("4"), work_date=today)


def test_future_work_date_is_refused(technician, site, work_order):
    factories.labor_rate(site, technician=technician)
    with pytest.raises(ValidationFailed):
        services.log_labor(
            technician,
            work_order,
            technician_id=technician.pk,
            hours=D("1"),
            work_date=timezone.localdate() + timedelta(days=2),
        )


def test_technicians_book_only_their_own_time(technician, site, work_order):
    other = factories.UserFactory(username="tech-2", roles=[(site, "technician")])
    factories.labor_rate(site, technician=other)
    with pytest.raises(PermissionDenied):
        services.log_labor(technician, work_order, technician_id=other.pk, hours=D("1"), work_date=timezone.localdate())


def test_no_time_on_closed_or_draft_work(planner, technician, site, asset):
    factories.labor_rate(site, technician=technician)
    draft = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Later")
    with pytest.raises(Conflict) as info:
        services.log_labor(technician, draft, technician_id=technician.pk, hours=D("1"), work_date=timezone.localdate())
    assert info.value.code == "work_order_not_bookable"


def test_planner_corrects_with_a_reversal_never_an_edit(planner, technician, site, work_order):
    factories.labor_rate(site, technician=technician, rate="50")
    entry = services.log_labor(
        technician, work_order, technician_id=technician.pk, hours=D("3"), work_date=timezone.localdate()
    )
    with pytest.raises(PermissionDenied):
        services.reverse_labor(technician, entry, reason="typo")
    reversal = services.reverse_labor(planner, entry, reason="Booked on the wrong WO")
    assert (reversal.hours, reversal.amount, reversal.reversal_of) == (D("-3"), D("-150"), entry)
    with pytest.raises(Conflict):
        services.reverse_labor(planner, entry, reason="again")
    with pytest.raises(Conflict):
        services.reverse_labor(planner, reversal, reason="undo the undo")
    kinds = list(CostLine.objects.order_by("id").values_list("kind", "amount"))
    assert kinds == [("labor", D("150.0000")), ("reversal", D("-150.0000"))]
    assert selectors.work_order_cost(work_order)["total"] == 0
    assert selectors.work_order_hours(work_order)["labor"] == 0


def test_contractor_hours_on_a_po_count_as_work_but_post_no_money(technician, work_order):
    vendor = factories.vendor()
    entry = services.log_contractor_hours(
        technician,
        work_order,
        vendor_id=vendor.pk,
        person="Ali Veli",
        hours=D("6"),
        work_date=timezone.localdate(),
        po_number="PO-4711",
        po_line=2,
    )
    assert entry.amount is None
    assert not CostLine.objects.exists()
    assert selectors.work_order_hours(work_order) == {"labor": 0, "contractor": D("6.00"), "total": D("6.00")}


def test_contractor_hours_at_an_agreed_rate_post_their_cost(planner, technician, work_order):
    vendor = factories.vendor()
    entry = services.log_contractor_hours(
        technician,
        work_order,
        vendor_id=vendor.pk,
        person="Ali Veli",
        hours=D("4"),
        work_date=timezone.localdate(),
        agreed_rate=D("75"),
    )
    assert CostLine.objects.get().amount == D("300.0000") == entry.amount
    assert selectors.work_order_cost(work_order)["contractor"] == D("300.0000")
    services.reverse_contractor_hours(planner, entry, reason="Duplicate sheet")
    assert selectors.work_order_cost(work_order)["contractor"] == 0


def test_contractor_on_a_po_cannot_also_carry_a_rate(technician, work_order):
    with pytest.raises(ValidationFailed) as info:
        services.log_contractor_hours(
            technician,
            work_order,
            vendor_id=factories.vendor().pk,
            person="X",
            hours=D("1"),
            work_date=timezone.localdate(),
            po_number="PO-1",
            agreed_rate=D("10"),
        )
    assert info.value.code == "po_and_rate"


def test_contractor_person_cannot_work_thirty_hours_a_day(technician, work_order):
    vendor = factories.vendor()
    today = timezone.localdate()
    services.log_contractor_hours(
        technician, work_order, vendor_id=vendor.pk, person="Ali", hours=D("16"), work_date=today
    )
    with pytest.raises(ValidationFailed):
        services.log_contractor_hours(
            technician, work_order, vendor_id=vendor.pk, person="ali", hours=D("14"), work_date=today
        )


def test_timer_start_stop_books_the_elapsed_time(technician, site, work_order):
    factories.labor_rate(site, technician=technician, rate="60")
    timer = services.start_timer(technician, work_order)
    with pytest.raises(Conflict):
        services.start_timer(technician, work_order)
    type(timer).objects.filter(pk=timer.pk).update(started_at=timezone.now() - timedelta(minutes=90))
    entry = services.stop_timer(technician)
    assert entry.hours == D("1.51") or entry.hours == D("1.50")
    assert entry.started_at is not None and entry.ended_at > entry.started_at
    with pytest.raises(Conflict):
        services.stop_timer(technician)


def test_cost_after_close_still_posts_and_is_flagged(planner, technician, site, work_order):
    for to in ["completed", "closed"]:
        work_order = services.transition_work_order(planner, work_order, to=to)
    line, created = services.post_cost_line(
        work_order,
        kind="po_receipt",
        category="parts",
        amount=D("12.5"),
        cost_date=timezone.localdate(),
        source_type="erp_event",
        source_id="evt-1",
        idempotency_key="erp:evt-1",
    )
    assert created and line.after_close
    again, created = services.post_cost_line(
        work_order,
        kind="po_receipt",
        category="parts",
        amount=D("12.5"),
        cost_date=timezone.localdate(),
        source_type="erp_event",
        source_id="evt-1",
        idempotency_key="erp:evt-1",
    )
    assert not created and again.pk == line.pk
    assert CostLine.objects.count() == 1
    assert selectors.work_order_cost(work_order)["after_close"] is True
