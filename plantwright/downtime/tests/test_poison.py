"""One hostile message never stops the ingest: whatever processing it raises, it is kept as refused
(truncated where it does not fit) and acknowledged, and the stream goes on (issue 24's Highs)."""

import importlib
import json
import random
import time
import uuid

import pytest

from plantwright.assets.models import Asset
from plantwright.downtime.management.commands import mqtt_ingest
from plantwright.downtime.models import DowntimeEvent, DowntimeStop
from plantwright.downtime.tests.test_mqtt import _forget_session, _ingest
from plantwright.downtime.tests.test_services import event
from plantwright.maintenance.models import WorkOrder
from plantwright.testing import factories
from plantwright.testing.processes import kill, log_of, wait_for

LONG_NAME = "Abfüllanlage " + "x" * 186  # ≈ 199 characters: with the category and a reason, over 200


def hostile_payloads(rng: random.Random) -> list[bytes]:
    """What an attacker or a broken sender publishes: each must be refused, never end the process."""
    depth = rng.randint(2_000, 100_000)
    return [
        b"[" * depth + b"]" * depth,  # RecursionError in Python's parser
        b'{"a": ' * 500 + b"1" + b"}" * 500,
        b'{"event_id": "inf-%d", "machine_id": "m", "started_at": 1e400, "category": "breakdown"}' % depth,
        b'{"event_id": "huge", "value": ' + b"9" * rng.randint(50, 5000) + b"}",
        b'{"event_id": "sur", "text": "\\ud800"}',  # JSON, but no UTF-8 text: no database stores it
        b"NaN",
        b"\xff\xfe not utf-8",
        b'{"event_id": "nul\\u0000"}',
        json.dumps({"event_id": "x" * rng.randint(201, 5000), "machine_id": "y" * 300}).encode(),
        json.dumps({"event_id": f"long-text-{depth}", "text": "z" * 100_000}).encode(),
        json.dumps([event(f"list-{depth}", 0)]).encode(),
    ]


class _Message:
    """What paho hands the ingest: the topic as bytes (`.topic` decodes it), a payload, an id."""

    def __init__(self, topic: bytes, payload: bytes):
        self._topic, self.payload, self.mid, self.qos = topic, payload, 1, 1


@pytest.fixture
def long_named(site):
    return factories.AssetFactory(site=site, code="LONG-1", name=LONG_NAME, oee_machine_id="long-m1")


@pytest.mark.django_db
def test_every_hostile_message_is_kept_as_refused_and_the_valid_ones_applied(site, oee, rules, asset, long_named):
    topic = f"plantwright/{site.code}/downtime/{asset.oee_machine_id}".encode()
    hostile = hostile_payloads(random.Random(24))
    valid = [json.dumps(event(f"ok-{n}", n * 60, n * 60 + 10)).encode() for n in range(3)]
    messages = [_Message(topic, payload) for payload in [*hostile, *valid]]
    long_topic = f"plantwright/{site.code}/downtime/{long_named.oee_machine_id}".encode()
    messages.append(_Message(long_topic, json.dumps(event("long-1", 0, 30, machine="long-m1")).encode()))
    messages.append(_Message(b"plantwright/\xff/downtime/x", b"{}"))  # a topic that is not UTF-8
    mqtt_ingest.apply_messages(oee, {}, messages)
    applied = set(DowntimeEvent.objects.filter(status="applied").values_list("event_id", flat=True))
    assert applied == {"ok-0", "ok-1", "ok-2", "long-1"}
    assert DowntimeEvent.objects.filter(status="rejected").count() == len(hostile) + 1
    title = WorkOrder.objects.get(asset=long_named).title
    assert len(title) == 200 and title.endswith("…") and title.startswith("Breakdown: Abfüllanlage")


@pytest.mark.django_db
def test_a_message_whose_processing_raises_anything_is_refused_and_the_rest_applied(
    site, oee, rules, asset, monkeypatch
):
    ingest_module = importlib.import_module("plantwright.downtime.services.ingest")  # the package hides it

    real = ingest_module._apply

    def flaky(actor, items, now):
        if any(item.raw.get("event_id") == "boom" for item in items):
            raise KeyError("a bug of ours")
        return real(actor, items, now)

    monkeypatch.setattr(ingest_module, "_apply", flaky)
    topic = f"plantwright/{site.code}/downtime/{asset.oee_machine_id}".encode()
    payloads = [event("before", 0, 10), event("boom", 20, 30), event("after", 40, 50)]
    mqtt_ingest.apply_messages(oee, {}, [_Message(topic, json.dumps(p).encode()) for p in payloads])
    rows = dict(DowntimeEvent.objects.values_list("event_id", "status"))
    assert rows == {"before": "applied", "boom": "rejected", "after": "applied"}
    assert DowntimeEvent.objects.get(event_id="boom").error["code"] == "internal_error"


@pytest.mark.django_db
def test_a_refusal_that_cannot_be_stored_as_sent_is_stored_as_text(site, oee, monkeypatch):
    ingest_module = importlib.import_module("plantwright.downtime.services.ingest")  # the package hides it

    real = ingest_module._store_rejected

    def picky(event_id, raw, *args):
        if "unstorable" in raw:
            raise ValueError("this payload cannot be stored")
        return real(event_id, raw, *args)

    monkeypatch.setattr(ingest_module, "_store_rejected", picky)
    item = mqtt_ingest.Incoming({"unstorable": 1}, "mqtt:t", site)
    mqtt_ingest._keep_refused(oee, item, mqtt_ingest.ValidationFailed("why", code="unreadable"))
    assert json.loads(DowntimeEvent.objects.get().payload["raw"]) == {"unstorable": 1}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("broker")
def test_the_ingest_lives_through_a_generated_mix_of_valid_and_hostile_messages(prefix, oee, rules, asset, site):
    import paho.mqtt.client as mqtt

    long_named = factories.AssetFactory(site=site, code="LONG-1", name=LONG_NAME, oee_machine_id="long-m1")
    rng = random.Random(uuid.uuid4().int)
    topic = f"{prefix}/{site.code}/downtime/{asset.oee_machine_id}"
    valid = {f"v-{n}": event(f"v-{n}", n * 30, n * 30 + 10) for n in range(40)}
    valid["v-long"] = event("v-long", 0, 30, machine="long-m1")
    hostile = [payload for _ in range(3) for payload in hostile_payloads(rng)]
    mix = [(topic, json.dumps(body).encode()) for body in valid.values()] + [(topic, p) for p in hostile]
    mix = [(f"{prefix}/{site.code}/downtime/long-m1", b) if b'"v-long"' in b else (t, b) for t, b in mix]
    rng.shuffle(mix)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    client_id = f"ingest-{prefix}"
    ingest = _ingest(prefix, client_id)
    try:
        wait_for(lambda: "subscribed" in log_of(ingest), what="the ingest to subscribe")
        for n, (where, payload) in enumerate(mix):
            client.publish(where, payload, qos=1).wait_for_publish(timeout=10)
            if n % 10 == 0:
                assert ingest.poll() is None, log_of(ingest)[-3000:]
        # The same publisher, one subscriber: once the last one is in, everything before it was handled.
        valid["v-last"] = event("v-last", 40 * 30, 40 * 30 + 10)
        client.publish(topic, json.dumps(valid["v-last"]).encode(), qos=1).wait_for_publish(timeout=10)
        last = DowntimeEvent.objects.filter(event_id="v-last", status="applied")
        wait_for(last.exists, timeout=90, what="the last valid event applied")
        time.sleep(1)  # anything applied twice would show now
        assert ingest.poll() is None, log_of(ingest)[-3000:]
    finally:
        kill(ingest)
        _forget_session(client_id)
        client.loop_stop()
        client.disconnect()
    applied = list(DowntimeEvent.objects.filter(status="applied").values_list("event_id", flat=True))
    assert sorted(applied) == sorted(valid)  # every valid one once
    assert DowntimeStop.objects.count() == len(valid)
    assert WorkOrder.objects.filter(asset=long_named).count() == 1
    assert Asset.objects.get(pk=long_named.pk).name == LONG_NAME
