"""Pre-aggregated months always equal the history: whatever changes after they were built, by
whichever path (services, ORM saves, bulk updates), the next read gives what the raw rows give."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from plantwright.maintenance.models import CostLine, LaborEntry, WorkOrder, WorkOrderTransition
from plantwright.pm.models import PmOccurrence, PmSchedule
from plantwright.reliability.figures import Parts, raw_parts, time_in_service_ms
from plantwright.reliability.models import AggregatedMonths, AssetChange, AssetMonth
from plantwright.reliability.monthly import parts_by_asset, parts_by_month, refresh, refresh_all
from plantwright.reliability.periods import Period, Scope
from plantwright.testing import factories

ZONE = "Europe/Istanbul"
ORIGIN = datetime(2025, 12, 20, tzinfo=UTC)
PERIODS = [
    Period.of(date(2026, 1, 1), date(2026, 4, 1), ZONE),  # whole months only
    Period.of(date(2025, 12, 25), date(2026, 3, 10), ZONE),  # partial edges around whole months
    Period.of(date(2026, 2, 3), date(2026, 2, 20), ZONE),  # inside one month: all raw
    Period.of(date(2026, 1, 1), date(2026, 6, 1), ZONE),  # extends the months forward, carrying the totals
    Period.of(date(2025, 11, 1), date(2026, 2, 1), ZONE),  # before the first month built: raw there
]


def raw_by_asset(scope: Scope, period: Period) -> dict[int, Parts]:
    result = {asset_id: parts for (asset_id, _n), parts in raw_parts(scope, [period]).items()}
    for asset_id, milliseconds in time_in_service_ms(scope, period):
        in_service = Parts(in_service_seconds=Decimal(milliseconds).scaleb(-3))
        result[asset_id] = result.get(asset_id, Parts()) + in_service
    return {asset_id: parts for asset_id, parts in result.items() if parts != Parts()}


def raw_by_month(scope: Scope, period: Period) -> list[Parts]:
    months = period.months()
    found = raw_parts(scope, months)
    return [sum((p for (_a, m), p in found.items() if m == n), Parts()) for n in range(len(months))]


def assert_equal_to_the_history(scope: Scope) -> None:
    for period in PERIODS:
        stored = {asset_id: parts for asset_id, parts in parts_by_asset(scope, period).items() if parts != Parts()}
        assert stored == raw_by_asset(scope, period), period
        assert [parts for _month, parts in parts_by_month(scope, period)] == raw_by_month(scope, period), period


operation = st.one_of(
    st.tuples(
        st.just("failure"), st.integers(0, 1), st.integers(0, 110 * 24), st.one_of(st.none(), st.integers(1, 300))
    ),
    st.tuples(st.just("complete"), st.integers(0, 1), st.integers(0, 110 * 24), st.booleans()),
    st.tuples(st.just("labor"), st.integers(0, 1), st.integers(0, 110), st.integers(-4, 12)),
    st.tuples(st.just("cost"), st.integers(0, 1), st.integers(0, 110), st.integers(-500, 5000)),
    st.tuples(st.just("restore"), st.integers(0, 9), st.integers(1, 200)),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("move"), st.integers(0, 9)),
    st.tuples(st.just("unlog"), st.integers(0, 9)),
    st.tuples(st.just("retype"), st.integers(0, 9)),
    st.tuples(st.just("pm"), st.integers(0, 1), st.integers(0, 110)),
    st.tuples(st.just("finish"), st.integers(0, 9), st.integers(0, 110 * 24)),
    st.tuples(st.just("start"), st.integers(0, 9), st.integers(0, 110 * 24)),
    st.tuples(st.just("unstart"), st.integers(0, 9)),
    st.tuples(st.just("created"), st.integers(0, 9), st.integers(0, 110 * 24)),
    st.just(("read",)),
)


class TestMonthsFollowTheHistory(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(operations=st.lists(operation, max_size=16))
    def test_any_changes_after_the_months_were_built(self, operations):
        site = factories.SiteFactory(code="agg", timezone=ZONE)
        user = factories.UserFactory(username="agg-planner")
        assets = [factories.AssetFactory(site=site, code=f"G{i}", commissioned_at=ORIGIN) for i in range(2)]
        scope = Scope((site.pk,))
        parts_by_asset(scope, PERIODS[0])  # build the months before anything happens
        work_orders: list[WorkOrder] = []
        schedule = None
        for op in operations:
            kind = op[0]
            if kind == "failure":
                _, which, start_h, length_h = op
                down = ORIGIN + timedelta(hours=start_h)
                work_orders.append(
                    factories.WorkOrderFactory(
                        asset=assets[which], site=site, created_by=user, type="emergency", is_failure=True,
                        down_since=down, restored_at=down + timedelta(hours=length_h) if length_h else None,
                        status="in_progress",
                    )
                )  # fmt: skip
            elif kind == "complete":
                _, which, at_h, planned = op
                work_orders.append(
                    factories.WorkOrderFactory(
                        asset=assets[which], site=site, created_by=user, status="completed",
                        type="preventive" if planned else "corrective", completed_at=ORIGIN + timedelta(hours=at_h),
                    )
                )  # fmt: skip
            elif kind in ("labor", "cost") and work_orders:
                _, which, day, amount = op
                work_order = work_orders[(which + day) % len(work_orders)]
                on = ORIGIN.date() + timedelta(days=day)
                if kind == "labor" and amount:
                    LaborEntry.objects.create(
                        work_order=work_order, technician=user, entered_by=user, work_date=on, hours=Decimal(amount),
                        hourly_rate=Decimal(50), amount=Decimal(50 * amount),
                    )  # fmt: skip
                elif kind == "cost":
                    CostLine.objects.create(
                        work_order=work_order, kind="manual", category=["labor", "parts", "contractor"][day % 3],
                        amount=Decimal(amount), currency="EUR", source_type="test", source_id=str(day),
                        idempotency_key=f"agg-{CostLine.objects.count()}", cost_date=on,
                    )  # fmt: skip
            elif kind == "restore" and work_orders:
                work_order = work_orders[op[1] % len(work_orders)]
                if work_order.down_since:  # a bulk update: no save(), no signal
                    WorkOrder.objects.filter(pk=work_order.pk).update(
                        restored_at=work_order.down_since + timedelta(hours=op[2])
                    )
            elif kind == "cancel" and work_orders:
                WorkOrder.objects.filter(pk=work_orders[op[1] % len(work_orders)].pk).update(status="cancelled")
            elif kind == "move" and work_orders:
                work_order = WorkOrder.objects.get(pk=work_orders[op[1] % len(work_orders)].pk)
                work_order.asset = assets[1] if work_order.asset_id == assets[0].pk else assets[0]
                work_order.save()
            elif kind == "unlog":
                entries = list(LaborEntry.objects.filter(work_order__site=site).order_by("pk"))
                if entries:
                    entries[op[1] % len(entries)].delete()
            elif kind == "retype" and work_orders:  # planned or reactive: its hours move between the two
                work_order = WorkOrder.objects.get(pk=work_orders[op[1] % len(work_orders)].pk)
                new_type = "corrective" if work_order.type == "preventive" else "preventive"
                WorkOrder.objects.filter(pk=work_order.pk).update(type=new_type)
            elif kind == "pm":  # a PM WO due on a day: on time or not when it is finished
                _, which, due_day = op
                schedule = schedule or PmSchedule.objects.create(
                    site=site, asset=assets[0], name="weekly", interval=1, interval_unit="weeks",
                    starts_on=ORIGIN.date(),
                )  # fmt: skip
                work_order = factories.WorkOrderFactory(asset=assets[which], site=site, created_by=user,
                                                        type="preventive", status="in_progress")  # fmt: skip
                PmOccurrence.objects.create(schedule=schedule, sequence=len(work_orders) + 1, work_order=work_order,
                                            due_date=ORIGIN.date() + timedelta(days=due_day))  # fmt: skip
                work_orders.append(work_order)
            elif kind == "finish" and work_orders:  # done later: its due month's PM compliance changes
                WorkOrder.objects.filter(pk=work_orders[op[1] % len(work_orders)].pk).update(
                    status="completed", completed_at=ORIGIN + timedelta(hours=op[2])
                )
            elif kind == "start" and work_orders:  # a start (the first or a later one): time to respond
                WorkOrderTransition.objects.create(
                    work_order=work_orders[op[1] % len(work_orders)], from_status="approved", to_status="in_progress",
                    actor=user, at=ORIGIN + timedelta(hours=op[2]),
                )  # fmt: skip
            elif kind == "unstart":
                starts = list(WorkOrderTransition.objects.filter(work_order__site=site, to_status="in_progress"))
                if starts:
                    starts[op[1] % len(starts)].delete()
            elif kind == "created" and work_orders:  # back-dated, as an import does
                WorkOrder.objects.filter(pk=work_orders[op[1] % len(work_orders)].pk).update(
                    created_at=ORIGIN + timedelta(hours=op[2])
                )
            elif kind == "read":
                assert_equal_to_the_history(scope)
        assert_equal_to_the_history(scope)


@pytest.mark.django_db
def test_a_change_is_noted_in_its_transaction_and_cleared_by_the_next_read(site, planner, asset):
    period = Period.of(date(2026, 1, 1), date(2026, 3, 1))
    parts_by_asset(Scope((site.pk,)), period)
    assert not AssetChange.objects.exists() and AggregatedMonths.objects.get(site=site).first_month == date(2026, 1, 1)
    factories.WorkOrderFactory(asset=asset, created_by=planner, type="emergency", is_failure=True,
                               down_since=datetime(2026, 1, 10, tzinfo=UTC), status="in_progress")  # fmt: skip
    assert list(AssetChange.objects.values_list("asset_id", flat=True)) == [asset.pk]
    WorkOrder.objects.filter(asset=asset).update(title="a new title")  # no KPI column: nothing noted
    assert AssetChange.objects.count() == 1
    assert parts_by_asset(Scope((site.pk,)), period)[asset.pk].failures == 1
    assert not AssetChange.objects.exists()
    assert AssetMonth.objects.get(asset=asset, month=date(2026, 1, 1)).failures == 1


@pytest.mark.django_db
def test_another_grace_or_time_zone_rebuilds_the_site(site, planner, asset):
    from plantwright.pm.services import set_grace_days

    period = Period.of(date(2026, 1, 1), date(2026, 3, 1))
    parts_by_asset(Scope((site.pk,)), period)
    manager = factories.UserFactory(username="grace-manager", roles=[(site, "manager")])
    set_grace_days(manager, site, 9)
    parts_by_asset(Scope((site.pk,)), period)
    assert AggregatedMonths.objects.get(site=site).grace_days == 9
    site.timezone = ZONE
    site.save()
    assert parts_by_asset(Scope((site.pk,)), period) == raw_by_asset(Scope((site.pk,)), period)  # UTC: computed raw
    parts_by_asset(Scope((site.pk,)), Period.of(date(2026, 1, 1), date(2026, 3, 1), ZONE))
    assert AggregatedMonths.objects.get(site=site).timezone == ZONE


@pytest.mark.django_db
def test_the_worker_builds_from_the_first_work_order_to_this_month(site, planner, asset):
    factories.WorkOrderFactory(asset=asset, created_by=planner, type="emergency", is_failure=True,
                               down_since=datetime(2024, 5, 10, tzinfo=UTC), status="in_progress")  # fmt: skip
    refresh_all()
    state = AggregatedMonths.objects.get(site=site)
    today = site.local_date()
    assert state.first_month <= date(2024, 5, 1) and state.end_month > today
    assert AssetMonth.objects.filter(asset=asset).count() == (today.year - 2024) * 12 + today.month - 5 + 1
    refresh(site)  # nothing changed: no query beyond the checks
    assert AssetMonth.objects.filter(asset=asset, month=date(2024, 5, 1)).get().failures == 1


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["cancel", "retype"])
def test_a_change_to_a_wo_rebuilds_the_months_of_its_earlier_hours(site, planner, asset, change):
    """Labor in January on a WO completed in March: cancelling or retyping it in March changes January."""
    type(site).objects.filter(pk=site.pk).update(timezone=ZONE)
    site.refresh_from_db()
    scope = Scope((site.pk,))
    work_order = factories.WorkOrderFactory(asset=asset, created_by=planner, type="corrective", status="completed",
                                            completed_at=datetime(2026, 3, 10, tzinfo=UTC))  # fmt: skip
    LaborEntry.objects.create(work_order=work_order, technician=planner, entered_by=planner, work_date=date(2026, 1, 5),
                              hours=Decimal(3), hourly_rate=Decimal(50), amount=Decimal(150))  # fmt: skip
    assert_equal_to_the_history(scope)  # builds the months
    update = {"status": "cancelled"} if change == "cancel" else {"type": "preventive"}
    WorkOrder.objects.filter(pk=work_order.pk).update(**update)
    assert AssetChange.objects.get().since <= date(2026, 1, 5)
    assert_equal_to_the_history(scope)


@pytest.mark.django_db
def test_cancelling_a_late_pm_wo_rebuilds_its_due_month(site, planner, asset):
    from plantwright.pm.models import PmOccurrence, PmSchedule

    type(site).objects.filter(pk=site.pk).update(timezone=ZONE)
    site.refresh_from_db()
    scope = Scope((site.pk,))
    schedule = PmSchedule.objects.create(site=site, asset=asset, name="monthly", interval=1,
                                         starts_on=date(2026, 1, 5))  # fmt: skip
    work_order = factories.WorkOrderFactory(asset=asset, created_by=planner, type="preventive", status="completed",
                                            completed_at=datetime(2026, 3, 10, tzinfo=UTC))  # fmt: skip
    PmOccurrence.objects.create(schedule=schedule, sequence=1, work_order=work_order, due_date=date(2026, 1, 5))
    assert_equal_to_the_history(scope)
    WorkOrder.objects.filter(pk=work_order.pk).update(status="cancelled")
    assert AssetChange.objects.get().since <= date(2026, 1, 5)
    assert_equal_to_the_history(scope)
