"""MQTT plumbing: broker settings, topics, a shared publisher for the WO status loop-back."""

import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlparse

import paho.mqtt._packet
import paho.mqtt.client as mqtt
from django.conf import settings
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

# A persistent session outlives its process this long (MQTT 5 Session Expiry Interval): a restarted
# ingest finds what was queued for it; after a week gone, the broker forgets it and its queue.
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600


class _PropertiesOfSharedTables(Properties):
    """paho's `Properties` as it is, but its constant tables (property names, types, the packets each
    applies to) built once instead of for every instance: paho makes one for every MQTT 5 message
    received, and building them was a tenth of a one-process ingest's time (docs/benchmarks.md).
    Nothing in paho changes the tables after they are made."""

    _tables = Properties(PacketTypes.PUBLISH)

    def __init__(self, packet_type):
        object.__setattr__(self, "packetType", packet_type)
        object.__setattr__(self, "types", self._tables.types)
        object.__setattr__(self, "names", self._tables.names)
        object.__setattr__(self, "properties", self._tables.properties)


# Where paho decodes a received PUBLISH (paho-mqtt is pinned in the locks; a test fails if this stops
# being where it looks the class up: downtime/tests/test_mqtt_properties.py).
paho.mqtt._packet.Properties = _PropertiesOfSharedTables


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


def meter_subscription() -> str:
    return f"$share/plantwright/{settings.MQTT_TOPIC_PREFIX}/+/meters/+"


def downtime_topic(site_code: str, machine_id: str) -> str:
    return f"{settings.MQTT_TOPIC_PREFIX}/{site_code}/downtime/{machine_id}"


def parse_topic(topic: str) -> tuple[str, str, str] | None:
    """(kind, site code, machine id) from `<prefix>/<site>/<kind>/<machine_id>`, kind downtime or meters."""
    parts = topic.split("/")
    prefix = settings.MQTT_TOPIC_PREFIX.split("/")
    if len(parts) != len(prefix) + 3 or parts[: len(prefix)] != prefix:
        return None
    kind = parts[len(prefix) + 1]
    if kind not in ("downtime", "meters"):
        return None
    return kind, parts[len(prefix)], parts[len(prefix) + 2]


def status_topic(site_code: str, number: str) -> str:
    return f"{settings.MQTT_TOPIC_PREFIX}/{site_code}/work-orders/{number}/status"


def new_client(client_id: str, *, manual_ack: bool = False) -> mqtt.Client:
    """An MQTT 5 client (connect it with `connect()`): version 5 lets the client say how many
    unacknowledged messages it takes at once (Receive Maximum). Under MQTT 3.1.1 Mosquitto allows
    20 (`max_inflight_messages`), and an ingest that acknowledges after its commit could then never
    gather more than 20 messages into one transaction."""
    target = broker()
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=manual_ack
    )
    if target.username:
        client.username_pw_set(target.username, target.password)
    if target.tls:
        client.tls_set()
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


def connect(client: mqtt.Client, *, persistent: bool, receive_maximum: int | None = None, wait: bool = True) -> None:
    """Connect (or, with wait=False, start connecting and keep retrying in the background loop).

    persistent: resume the session the broker keeps for this client id (its subscriptions and the
    QoS 1 messages queued while it was away), on the first connect and every reconnect."""
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS if persistent else 0
    if receive_maximum:
        properties.ReceiveMaximum = min(receive_maximum, 65535)
    target = broker()
    (client.connect if wait else client.connect_async)(
        target.host, target.port, keepalive=30, clean_start=not persistent, properties=properties
    )


def end_session(client_id: str) -> None:
    """Make the broker forget a persistent session (a retired ingest's: it keeps its share of a
    shared subscription, queued for it, until it expires or is ended)."""
    client = new_client(client_id)
    connect(client, persistent=False)
    client.loop_start()
    try:
        deadline = time.monotonic() + 10
        while not client.is_connected():
            if time.monotonic() > deadline:
                raise TimeoutError(f"The broker did not accept {client_id!r} within 10 s.")
            time.sleep(0.02)
        client.disconnect()
    finally:
        client.loop_stop()


_publisher: mqtt.Client | None = None
_lock = threading.Lock()


def publisher() -> mqtt.Client:
    """One connected publishing client per process (the outbox worker's), reconnecting by itself."""
    global _publisher
    with _lock:
        if _publisher is None:
            client = new_client(f"plantwright-pub-{uuid.uuid4().hex[:12]}")
            connect(client, persistent=False)
            client.loop_start()
            _publisher = client
        return _publisher


def publish_retained(topic: str, payload: bytes, *, timeout: float = 10) -> None:
    """Publish with QoS 1, retained, and wait for the broker's PUBACK (raise if it does not come)."""
    info = publisher().publish(topic, payload, qos=1, retain=True)
    info.wait_for_publish(timeout=timeout)
    if not info.is_published():
        raise TimeoutError(f"The broker did not acknowledge {topic} within {timeout} s.")
