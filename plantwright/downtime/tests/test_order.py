"""Any interleaving and duplication of start/end events for a set of stops gives the same WOs and stops."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from plantwright.accounts.roles import Role
from plantwright.downtime.models import DowntimeRule, DowntimeStop
from plantwright.downtime.services import ingest
from plantwright.maintenance.models import WorkOrder
from plantwright.testing import factories

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, tzinfo=UTC)
# (category, start minute, duration): breakdowns last long enough to qualify whichever event comes first.
stop = st.one_of(
    st.tuples(st.just("breakdown"), st.integers(0, 900), st.integers(5, 300)),
    st.tuples(st.just("minor_stop"), st.integers(0, 900), st.integers(0, 4)),
    st.tuples(st.just("planned_stop"), st.integers(0, 900), st.integers(10, 500)),
)


class TestInterleaving(TestCase):
    def _setup(self, code):
        site = factories.SiteFactory(code=code)
        oee = factories.UserFactory(username=f"oee-{code}", roles=[(site, Role.INTEGRATION)])
        asset = factories.AssetFactory(site=site, oee_machine_id=f"{code}-m1")
        DowntimeRule.objects.create(site=site, position=10, name="ignore", action="ignore", categories=["planned_stop"])
        DowntimeRule.objects.create(
            site=site, position=20, name="bd", action="open_wo", categories=["breakdown"], min_duration_minutes=5
        )
        DowntimeRule.objects.create(
            site=site,
            position=30,
            name="minor",
            action="repeated",
            categories=["minor_stop"],
            repeat_count=3,
            repeat_window_hours=8,
            work_order_type="inspection",
            is_failure=False,
        )
        return oee, asset

    def _events(self, code, stops):
        events = []
        for index, (category, start, duration) in enumerate(stops):
            began = (T0 + timedelta(minutes=start)).isoformat()
            ended = (T0 + timedelta(minutes=start + duration)).isoformat()
            base = {"machine_id": f"{code}-m1", "started_at": began, "category": category}
            events.append({**base, "event_id": f"{code}-{index}-s"})
            events.append({**base, "event_id": f"{code}-{index}-e", "ended_at": ended})
        return events

    def _state(self, asset):
        stops = sorted(
            (s.started_at, s.ended_at, s.category, s.work_order.type if s.work_order else None)
            for s in DowntimeStop.objects.filter(asset=asset).select_related("work_order")
        )
        orders = sorted(
            (w.type, w.down_since, w.restored_at, w.downtime_stops.count())
            for w in WorkOrder.objects.filter(asset=asset)
        )
        return stops, orders

    @settings(max_examples=60, deadline=None)
    @given(
        stops=st.lists(stop, max_size=9, unique_by=lambda s: s[1]),
        order=st.randoms(use_true_random=False),
        duplicates=st.lists(st.integers(0, 20), max_size=3),
        cuts=st.lists(st.integers(1, 6), max_size=20),
    )
    def test_the_same_stops_in_any_order(self, stops, order, duplicates, cuts):
        oee, asset = self._setup("a")
        # Reference: each stop reported once, complete, in time order.
        ordered = [e for e in self._events("a", sorted(stops, key=lambda s: s[1])) if "ended_at" in e]
        ingest(oee, ordered, source="test", now=NOW)
        expected = self._state(asset)

        oee2, asset2 = self._setup("b")
        events = self._events("b", stops)
        events += [events[i % len(events)] for i in duplicates] if events else []
        order.shuffle(events)
        # In batches of any size: decisions within a batch and across batches must agree.
        while events:
            size = cuts.pop() if cuts else 1
            ingest(oee2, events[:size], source="test", now=NOW)
            events = events[size:]
        assert self._state(asset2) == expected
