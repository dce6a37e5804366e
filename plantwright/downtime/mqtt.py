"""MQTT plumbing: broker settings, topics, a shared publisher for the WO status loop-back."""

import threading
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from django.conf import settings


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


def broker() -> Broker:
    url = urlparse(settings.MQTT_URL)
    tls = url.scheme == "mqtts"
    return Broker(url.hostname or "127.0.0.1", url.port or (8883 if tls else 1883), tls, url.username, url.password)


def downtime_subscription() -> str:
    # A shared subscription: several ingest processes split the stream between them.
    return f"$share/plantwright/{settings.MQTT_TOPIC_PREFIX}/+/downtime/+"


def downtime_topic(site_code: str, machine_id: str) -> str:
    return f"{settings.MQTT_TOPIC_PREFIX}/{site_code}/downtime/{machine_id}"


def parse_downtime_topic(topic: str) -> tuple[str, str] | None:
    """(site code, machine id) from `<prefix>/<site>/downtime/<machine_id>`."""
    parts = topic.split("/")
    prefix = settings.MQTT_TOPIC_PREFIX.split("/")
    if len(parts) != len(prefix) + 3 or parts[: len(prefix)] != prefix or parts[len(prefix) + 1] != "downtime":
        return None
    return parts[len(prefix)], parts[len(prefix) + 2]


def status_topic(site_code: str, number: str) -> str:
    return f"{settings.MQTT_TOPIC_PREFIX}/{site_code}/work-orders/{number}/status"


def new_client(client_id: str, *, clean_session: bool, manual_ack: bool = False) -> mqtt.Client:
    target = broker()
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean_session, manual_ack=manual_ack
    )
    if target.username:
        client.username_pw_set(target.username, target.password)
    if target.tls:
        client.tls_set()
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


_publisher: mqtt.Client | None = None
_lock = threading.Lock()


def publisher() -> mqtt.Client:
    """One connected publishing client per process (the outbox worker's), reconnecting by itself."""
    global _publisher
    with _lock:
        if _publisher is None:
            client = new_client(f"plantwright-pub-{uuid.uuid4().hex[:12]}", clean_session=True)
            target = broker()
            client.connect(target.host, target.port, keepalive=30)
            client.loop_start()
            _publisher = client
        return _publisher


def publish_retained(topic: str, payload: bytes, *, timeout: float = 10) -> None:
    """Publish with QoS 1, retained, and wait for the broker's PUBACK (raise if it does not come)."""
    info = publisher().publish(topic, payload, qos=1, retain=True)
    info.wait_for_publish(timeout=timeout)
    if not info.is_published():
        raise TimeoutError(f"The broker did not acknowledge {topic} within {timeout} s.")
