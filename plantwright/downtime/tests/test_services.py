from datetime import UTC, datetime, timedelta

import pytest

from plantwright.core.errors import PermissionDenied
from plantwright.downtime.models import DowntimeEvent, DowntimeStop
from plantwright.downtime.services import ingest, sweep
from plantwright.maintenance.models import WorkOrder

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def event(event_id, start, end=None, category="breakdown", machine="north-p101", reason="MOTOR"):
    body = {
        "event_id": event_id,
        "machine_id": machine,
        "started_at": at(start),
        "category": category,
        "reason_code": reason,
    }
    if end is not None:
        body["ended_at"] = at(end)
    return body


def send(oee, *events, now=NOW):
    return ingest(oee, list(events), source="http:oee", now=now)


def test_a_breakdown_opens_an_emergency_failure_wo(oee, rules, asset):
    [result] = send(oee, event("e1", 0, 42))
    assert result.status == "applied" and result.work_order
    wo = WorkOrder.objects.get(number=result.work_order)
    assert (wo.type, wo.priority, wo.is_failure, wo.asset) == ("emergency", "high", True, asset)
    assert (wo.down_since.isoformat(), wo.restored_at.isoformat()) == (at(0), at(42))
    assert "Opened by downtime rule 'breakdown'" in wo.transitions.get().note


def test_start_and_end_in_either_order_make_one_stop(oee, rules, asset):
    send(oee, event("end", 0, 30))
    send(oee, event("start", 0))
    assert DowntimeStop.objects.count() == 1
    stop = DowntimeStop.objects.get()
    assert stop.ended_at.isoformat() == at(30) and WorkOrder.objects.count() == 1


def test_an_ongoing_breakdown_opens_its_wo_once_it_lasted_long_enough(oee, rules, asset):
    [result] = send(oee, event("s", 0), now=T0 + timedelta(minutes=2))
    assert result.work_order is None and "shorter than 5 min yet" in result.decision
    assert sweep(oee, now=T0 + timedelta(minutes=6)) == 1
    wo = WorkOrder.objects.get()
    assert wo.down_since.isoformat() == at(0) and wo.restored_at is None
    send(oee, event("e", 0, 25))
    wo.refresh_from_db()
    assert wo.restored_at.isoformat() == at(25)


def test_a_short_breakdown_opens_nothing(oee, rules, asset):
    [result] = send(oee, event("e1", 0, 3))
    assert result.work_order is None and "shorter than 5 min" in result.decision


def test_stops_attach_to_the_machines_open_downtime_wo(oee, rules, asset):
    first = send(oee, event("a", 0, 20))[0]
    second = send(oee, event("b", 60, 90))[0]
    assert second.work_order == first.work_order and "attached" in second.decision
    wo = WorkOrder.objects.get()
    assert (wo.down_since.isoformat(), wo.restored_at.isoformat()) == (at(0), at(90))
    WorkOrder.objects.filter(pk=wo.pk).update(status="completed")
    third = send(oee, event("c", 200, 230))[0]
    assert third.work_order != first.work_order  # the first is done: a new failure, a new WO


def test_three_minor_stops_in_eight_hours_open_one_inspection(oee, rules, asset):
    results = send(oee, event("m1", 0, 1, "minor_stop"), event("m2", 120, 121, "minor_stop"))
    assert [r.work_order for r in results] == [None, None]
    [third] = send(oee, event("m3", 300, 301, "minor_stop"))
    wo = WorkOrder.objects.get(number=third.work_order)
    assert (wo.type, wo.is_failure) == ("inspection", False)
    assert wo.downtime_stops.count() == 3


def test_planned_stops_are_ignored(oee, rules, asset):
    [result] = send(oee, event("p", 0, 240, "planned_stop"))
    assert result.work_order is None and "ignored by rule 'planned'" in result.decision


def test_a_replay_changes_nothing(oee, rules, asset):
    first = send(oee, event("e1", 0, 42))[0]
    again = send(oee, event("e1", 0, 42))[0]
    assert (again.replayed, again.id, again.work_order) == (True, first.id, first.work_order)
    assert WorkOrder.objects.count() == 1 and DowntimeEvent.objects.count() == 1
    reused = send(oee, event("e1", 0, 50))[0]
    assert (reused.status, reused.error["code"]) == ("rejected", "event_id_reused")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (event("x", 10, 5), "ended_before_started"),
        (event("x", 0, 5, machine="nope"), "unknown_machine"),
        (event("x", 0, 5, category="coffee"), "validation_failed"),
        ({**event("x", 0, 5), "started_at": 12}, "validation_failed"),
        (event("x", 60 * 24 * 30, None), "time_in_future"),
        ({"machine_id": "north-p101"}, "validation_failed"),
    ],
)
def test_bad_events_are_stored_refused_and_open_nothing(oee, rules, asset, body, code):
    [result] = send(oee, body)
    assert (result.status, result.error["code"]) == ("rejected", code)
    assert DowntimeEvent.objects.get().status == "rejected"
    assert not DowntimeStop.objects.exists() and not WorkOrder.objects.exists()


def test_another_sites_integration_may_not_send_for_this_machine(rules, asset, other_site):
    from plantwright.accounts.roles import Role
    from plantwright.testing import factories

    stranger = factories.UserFactory(username="oee-south", roles=[(other_site, Role.INTEGRATION)])
    [result] = send(stranger, event("x", 0, 30))
    [unknown] = send(stranger, event("y", 0, 30, machine="no-such-machine"))
    # The same answer as for a machine that does not exist: the stranger learns nothing of its site.
    assert (result.status, result.error["status"], result.error["code"]) == ("rejected", 422, "unknown_machine")
    assert result.error["message"] == unknown.error["message"].replace("no-such-machine", asset.oee_machine_id)


def test_an_event_id_claimed_by_another_sender_does_not_block_the_real_event(oee, rules, asset, other_site, site):
    from plantwright.accounts.roles import Role
    from plantwright.testing import factories

    stranger = factories.UserFactory(username="oee-south", roles=[(other_site, Role.INTEGRATION)])
    requester = factories.UserFactory(username="op-north", roles=[(site, Role.REQUESTER)])
    send(stranger, event("claimed", 0, 30))  # refused, kept for the stranger's own site
    with pytest.raises(PermissionDenied):
        send(requester, event("claimed", 0, 30))  # may send no downtime at all: nothing kept
    [real] = send(oee, event("claimed", 0, 30))
    assert (real.status, real.replayed) == ("applied", False) and real.work_order
    assert DowntimeEvent.objects.filter(event_id="claimed").count() == 2
    [again] = send(oee, event("claimed", 0, 40))  # the same sender, other content
    assert again.error["code"] == "event_id_reused" and "event" not in again.error["details"]


def test_refused_events_are_kept_up_to_the_hourly_budget_of_their_sender(oee, rules, asset, settings):
    settings.DOWNTIME_REFUSALS_PER_HOUR = 3
    results = send(oee, *[event(f"junk-{n}", 10, 5) for n in range(5)], event("fine", 0, 30))
    assert [r.status for r in results] == ["rejected"] * 5 + ["applied"]
    assert [r.error.get("details", {}).get("kept", True) for r in results[:5]] == [True] * 3 + [False] * 2
    assert DowntimeEvent.objects.filter(status="rejected").count() == 3
    [later] = send(oee, event("junk-6", 10, 5))
    assert later.error["details"]["kept"] is False  # the hour's budget is spent
    assert DowntimeEvent.objects.filter(status="applied").count() == 1


def test_the_same_event_twice_in_one_batch(oee, rules, asset):
    first, second = send(oee, event("dup", 0, 42), event("dup", 0, 42))
    assert (first.replayed, second.replayed, second.id) == (False, True, first.id)
    assert DowntimeEvent.objects.count() == 1 and WorkOrder.objects.count() == 1


def test_a_batch_of_refused_events_costs_no_look_up_per_event(oee, rules, asset):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (5, 50):
        junk = [event(f"junk-{n}-{i}", 10, 5, machine="no-such-machine") for i in range(n)]
        with CaptureQueriesContext(connection) as queries:
            send(oee, *junk)
        counts.append(len(queries))
    assert counts[1] - counts[0] <= 45 * 3  # a savepoint, its insert and its release each; no look-up


def test_a_neighbours_start_is_read_from_either_databases_text():
    from datetime import UTC, datetime, timedelta

    from plantwright.downtime.services.decisions import _moment

    assert _moment("2026-11-07 08:13:00+00") == datetime(2026, 11, 7, 8, 13, tzinfo=UTC)  # PostgreSQL
    assert _moment("2026-11-07 08:13:00.250000") == datetime(2026, 11, 7, 8, 13, 0, 250000, tzinfo=UTC)  # SQLite
    east = _moment("2026-11-07 11:13:00+03")  # a session in another time zone: the same moment
    assert east == datetime(2026, 11, 7, 8, 13, tzinfo=UTC) and east.utcoffset() == timedelta(hours=3)
    assert hash(east) == hash(datetime(2026, 11, 7, 8, 13, tzinfo=UTC))  # the same key of a machine's book
