"""Downtime over the real Mosquitto: the ingest process, acknowledgement after commit, a killed ingest."""

import io
import json
import time
import uuid
from decimal import Decimal

import paho.mqtt.client as mqtt
import pytest

from plantwright.downtime.models import DowntimeEvent, DowntimeStop
from plantwright.downtime.mqtt import end_session
from plantwright.downtime.tests.test_services import event
from plantwright.maintenance.models import WorkOrder
from plantwright.testing.processes import kill, log_of, start_mqtt_ingest, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("broker")]


@pytest.fixture
def publish():
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    client.connect("127.0.0.1", 1883)
    client.loop_start()

    def send(topic: str, payload) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        client.publish(topic, body, qos=1).wait_for_publish(timeout=10)

    yield send
    client.loop_stop()
    client.disconnect()


def _ingest(prefix: str, client_id: str):
    return start_mqtt_ingest(env={"MQTT_TOPIC_PREFIX": prefix, "DOWNTIME_INGEST_USER": "oee"}, client_id=client_id)


def _forget_session(client_id: str) -> None:
    """The ingest's persistent session would outlive the test on the shared broker: end it."""
    end_session(client_id)


def test_downtime_over_mqtt_opens_a_wo_and_keeps_the_refusals(prefix, publish, oee, rules, asset, site):
    client_id = f"ingest-{prefix}"
    ingest = _ingest(prefix, client_id)
    try:
        wait_for(lambda: "subscribed" in log_of(ingest), what="the ingest to subscribe")
        topic = f"{prefix}/{site.code}/downtime/{asset.oee_machine_id}"
        publish(topic, event("mq-1", 0))
        publish(topic, event("mq-1e", 0, 35))
        publish(topic, b"{not json")
        publish(topic, b'{"event_id": "mq-nul", "reason_code": "jam\\u0000"}')  # PostgreSQL stores no NUL
        publish(topic, event("mq-2", 0, 35, machine="someone-else"))
        wait_for(lambda: DowntimeEvent.objects.count() == 5, what="5 events stored")
    finally:
        kill(ingest)
        _forget_session(client_id)
    stop = DowntimeStop.objects.get()
    assert stop.work_order is not None and stop.ended_at is not None
    assert WorkOrder.objects.count() == 1
    refused = list(DowntimeEvent.objects.filter(status="rejected").values_list("error__code", flat=True))
    assert sorted(refused) == ["machine_mismatch", "unreadable", "unreadable"]


def test_meter_readings_over_mqtt_and_their_refusals(prefix, publish, oee, asset, site):
    from plantwright.assets.models import Meter, MeterReading

    Meter.objects.create(asset=asset, code="run-h", name="Running hours", unit="h", max_rate_per_hour=1)
    client_id = f"ingest-{prefix}"
    ingest = _ingest(prefix, client_id)
    topic = f"{prefix}/{site.code}/meters/{asset.oee_machine_id}"
    try:
        wait_for(lambda: "subscribed" in log_of(ingest), what="the ingest to subscribe")
        publish(topic, {"meter": "run-h", "value": "1000.5", "read_at": "2026-11-20T06:00:00Z"})
        publish(topic, {"meter": "run-h", "value": "1010", "read_at": "2026-11-21T06:00:00Z"})
        publish(topic, {"meter": "run-h", "value": "900", "read_at": "2026-11-22T06:00:00Z"})  # backwards
        publish(topic, {"meter": "run-h", "value": 1020, "read_at": "2026-11-23T06:00:00Z"})  # a float, not text
        wait_for(lambda: MeterReading.objects.count() == 2 and DowntimeEvent.objects.count() == 2, what="2 + 2")
    finally:
        kill(ingest)
        _forget_session(client_id)
    assert list(MeterReading.objects.order_by("read_at").values_list("value", flat=True)) == [
        Decimal("1000.5"), Decimal("1010"),
    ]  # fmt: skip
    refused = set(DowntimeEvent.objects.filter(status="rejected").values_list("error__code", flat=True))
    assert refused == {"meter_went_backwards", "validation_failed"}


def test_a_killed_ingest_loses_nothing_and_doubles_nothing(prefix, publish, oee, rules, asset, site):
    client_id = f"ingest-{prefix}"
    ingest = _ingest(prefix, client_id)
    topic = f"{prefix}/{site.code}/downtime/{asset.oee_machine_id}"
    try:
        wait_for(lambda: "subscribed" in log_of(ingest), what="the ingest to subscribe")
        for n in range(300):
            publish(topic, event(f"k-{n}", n * 10, n * 10 + 2, category="planned_stop"))
            if n == 100:
                kill(ingest)  # mid-stream, without any goodbye
        ingest = _ingest(prefix, client_id)  # the same session: the broker kept what was not acknowledged
        wait_for(lambda: DowntimeEvent.objects.count() >= 300, timeout=60, what="all 300 events")
    finally:
        kill(ingest)
        _forget_session(client_id)
    assert DowntimeEvent.objects.filter(status="applied").count() == 300
    assert DowntimeStop.objects.count() == 300


def test_the_oee_side_sees_the_status_of_its_wo_retained(prefix, oee, rules, asset, site, planner):
    from plantwright.downtime.services import ingest
    from plantwright.maintenance.services import transition_work_order
    from plantwright.outbox.services import run_once

    [result] = ingest(oee, [event("lb-1", 0, 40)], source="test")
    work_order = WorkOrder.objects.get(number=result.work_order)
    transition_work_order(planner, work_order, to="approved")
    transition_work_order(planner, work_order, to="in_progress")
    assert run_once() == 3  # created, approved, in progress: each delivered; the topic holds the latest

    seen = []
    reader = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"oee-{prefix}")
    reader.on_message = lambda client, userdata, message: message.payload and seen.append(json.loads(message.payload))
    reader.connect("127.0.0.1", 1883)
    reader.subscribe(f"{prefix}/{site.code}/work-orders/+/status", qos=1)
    reader.loop_start()
    try:
        wait_for(lambda: seen, what="the retained status")
    finally:
        # Leave the shared broker clean: an empty retained message deletes the retained one.
        reader.publish(f"{prefix}/{site.code}/work-orders/{work_order.number}/status", b"", qos=1, retain=True)
        reader.loop_stop()
        reader.disconnect()
    assert seen[-1]["work_order"] == work_order.number and seen[-1]["status"] == "in_progress"
    assert seen[-1]["machine_id"] == asset.oee_machine_id and len(seen[-1]["stops"]) == 1


def test_only_downtime_wos_are_published(planner, asset):
    from plantwright.maintenance.services import create_work_order
    from plantwright.outbox.models import OutboxMessage

    create_work_order(planner, asset_id=asset.pk, type="corrective", title="By hand")
    assert not OutboxMessage.objects.exists()


def test_the_simulator_publishes_start_and_end_of_each_stop(prefix, site, asset):
    from django.core.management import call_command

    seen = []
    reader = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sim-{prefix}")
    reader.on_message = lambda client, userdata, message: seen.append((message.topic, json.loads(message.payload)))
    reader.on_connect = lambda client, userdata, flags, rc, props: client.subscribe(f"{prefix}/#", qos=1)
    reader.connect("127.0.0.1", 1883)
    reader.loop_start()
    try:
        wait_for(lambda: reader.is_connected(), what="the reader to connect")
        time.sleep(0.3)
        call_command("downtime_simulator", site=site.code, count=2, interval=0, seed=7, stdout=io.StringIO())
        wait_for(lambda: len(seen) == 4, what="4 simulated events")
    finally:
        reader.loop_stop()
        reader.disconnect()
    assert {topic for topic, _ in seen} == {f"{prefix}/{site.code}/downtime/{asset.oee_machine_id}"}
    assert sum("ended_at" in body for _, body in seen) == 2
