"""insert_new: COPY on PostgreSQL, bulk_create elsewhere; either way the rows come back as saved."""

from datetime import UTC, datetime

import pytest

from plantwright.core.db.bulk import insert_new
from plantwright.downtime.models import DowntimeEvent, DowntimeStop
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


def test_new_rows_get_their_ids_their_related_ids_and_their_automatic_fields(asset):
    start = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    stops = [
        DowntimeStop(site=asset.site, asset=asset, started_at=start.replace(hour=6 + n), category="breakdown")
        for n in range(3)
    ]
    insert_new(DowntimeStop, stops)
    # The events point at stops that had no id when the events were built.
    events = [
        DowntimeEvent(site=asset.site, source="test", event_id=f"e{n}", payload={"n": n, "text": "ça"}, stop=stop)
        for n, stop in enumerate(stops)
    ]
    insert_new(DowntimeEvent, events)

    assert all(s.pk and not s._state.adding for s in stops)
    stored = {e.event_id: e for e in DowntimeEvent.objects.select_related("stop")}
    for n, event in enumerate(events):
        row = stored[f"e{n}"]
        assert row.pk == event.pk and row.stop_id == stops[n].pk
        assert row.payload == {"n": n, "text": "ça"} and row.received_at is not None
    assert DowntimeStop.objects.get(pk=stops[1].pk).started_at == start.replace(hour=7)
    # The sequence moved on: a plain save after COPY does not collide with the ids it took.
    later = DowntimeEvent.objects.create(site=asset.site, source="test", event_id="later", payload={})
    assert later.pk > max(e.pk for e in events)


def test_nothing_to_insert_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_new(DowntimeEvent, [])


def test_a_duplicate_is_djangos_integrity_error(asset):
    from django.db import IntegrityError, transaction

    sender = factories.UserFactory(username="bulk-oee")
    insert_new(DowntimeEvent, [DowntimeEvent(site=asset.site, sender=sender, source="t", event_id="same", payload={})])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(
            DowntimeEvent, [DowntimeEvent(site=asset.site, sender=sender, source="t", event_id="same", payload={})]
        )
    assert DowntimeEvent.objects.count() == 1


def test_json_values_keep_their_json_type_whatever_python_type_they_have(db):
    from django.utils import timezone

    from plantwright.core.db.bulk import update_fields
    from plantwright.outbox.models import OutboxMessage

    messages = [OutboxMessage(topic="t", payload=value, idempotency_key=f"k{n}", next_attempt_at=timezone.now())
                for n, value in enumerate(["a plain string", 7, {"a": [1, "2"]}, True])]  # fmt: skip
    insert_new(OutboxMessage, messages)
    assert [m.payload for m in OutboxMessage.objects.order_by("pk")] == ["a plain string", 7, {"a": [1, "2"]}, True]
    for message, result in zip(messages, ["text from a receiver", 3, ["x"], {"ok": None}], strict=True):
        message.result = result
    update_fields(OutboxMessage, messages, ["result"])
    assert [m.result for m in OutboxMessage.objects.order_by("pk")] == ["text from a receiver", 3, ["x"], {"ok": None}]
