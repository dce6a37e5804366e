"""The sums under every KPI against a plain-Python reference, for any failure history."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from plantwright.reliability.definitions.failures import downtime_seconds
from plantwright.reliability.monthly import parts_by_asset
from plantwright.reliability.periods import Period, Scope
from plantwright.testing import factories

PERIOD = Period.of(date(2026, 1, 1), date(2026, 3, 1), "Europe/Istanbul")  # local midnights, UTC+3
ORIGIN = PERIOD.start - timedelta(days=10)

interval = st.tuples(
    st.integers(0, 1),  # which asset
    st.integers(0, 80 * 24),  # start, hours after ORIGIN (some before P, some after)
    st.one_of(st.none(), st.integers(0, 400)),  # length in hours; None: still down
    st.booleans(),  # cancelled
)


def union_seconds(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> Decimal:
    """The reference: clip, sort, merge, add up."""
    clipped = sorted((max(s, start), min(e, end)) for s, e in spans if s < end and e > start)
    total, reach = timedelta(0), None
    for s, e in clipped:
        if reach is None or s >= reach:
            total += e - s
            reach = e
        elif e > reach:
            total += e - reach
            reach = e
    return Decimal(int(total.total_seconds()))


class TestDowntimeAndFailures(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(intervals=st.lists(interval, max_size=12))
    def test_sql_matches_the_reference_for_any_history(self, intervals):
        site = factories.SiteFactory(code="hyp", timezone="Europe/Istanbul")
        user = factories.UserFactory(username="hyp-planner")
        assets = [factories.AssetFactory(site=site, code=f"H{i}") for i in range(2)]
        spans: dict[int, list] = {0: [], 1: []}
        failures = {0: 0, 1: 0}
        for which, start_h, length_h, cancelled in intervals:
            down = ORIGIN + timedelta(hours=start_h)
            restored = down + timedelta(hours=length_h) if length_h is not None else None
            factories.WorkOrderFactory(
                asset=assets[which], created_by=user, type="emergency", is_failure=True, down_since=down,
                restored_at=restored, status="cancelled" if cancelled else "in_progress",
            )  # fmt: skip
            if not cancelled:
                spans[which].append((down, restored or datetime.max.replace(tzinfo=UTC)))
                failures[which] += PERIOD.start <= down < PERIOD.end
        parts = parts_by_asset(Scope((site.pk,)), PERIOD)
        for which, asset in enumerate(assets):
            expected = union_seconds(spans[which], PERIOD.start, PERIOD.end)
            assert parts[asset.pk].downtime_seconds == expected
            assert parts[asset.pk].failures == failures[which]
        months = PERIOD.months()
        by_month = downtime_seconds(Scope((site.pk,)), months, by_asset=False)
        for n, month in enumerate(months):  # each month is the union clipped to that month
            expected = sum((union_seconds(spans[w], month.start, month.end) for w in (0, 1)), Decimal(0))
            assert by_month.get((None, n), Decimal(0)) == expected
