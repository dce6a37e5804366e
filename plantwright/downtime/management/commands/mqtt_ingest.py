"""Take downtime events from MQTT: `python -m plantwright mqtt_ingest`.

Subscribes (QoS 1, persistent session, shared subscription `$share/plantwright/...`) to
`<prefix>/<site>/downtime/<machine_id>` (and meter readings on `<prefix>/<site>/meters/<machine_id>`),
applies messages in batches in one database transaction,
and acknowledges each message to the broker only after that transaction committed: a crash before
the commit means the broker delivers again, and the event id makes the repeat a no-op. Run as many
as you like; the broker splits the stream between them.
"""

import logging
import queue
import signal
import socket
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections

from plantwright import jsonin
from plantwright.accounts.models import Site, User
from plantwright.api_types import has_nul
from plantwright.downtime import mqtt
from plantwright.downtime.services import Incoming, ingest_items, reject_unreadable, sweep
from plantwright.downtime.services.readings import ingest_readings
from plantwright.errors import ValidationFailed

SWEEP_SECONDS = 30
logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Ingest downtime events from MQTT (QoS 1, acknowledged after the database commit)."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", default="", help="Stable per process (persistent session).")
        parser.add_argument("--batch", type=int, default=200, help="Messages per database transaction.")
        parser.add_argument(
            "--sweep-seconds", type=float, default=SWEEP_SECONDS, help="How often ongoing stops are re-checked."
        )

    def handle(self, *args, client_id: str, batch: int, sweep_seconds: float, **options):
        actor = self._actor()
        client_id = client_id or f"plantwright-ingest-{socket.gethostname()}"
        inbox: queue.Queue = queue.Queue(maxsize=10 * batch)  # back-pressure: paho waits when we lag
        client = mqtt.new_client(client_id, manual_ack=True)

        def on_connect(client, userdata, flags, reason_code, properties):
            if reason_code.is_failure:
                self.stderr.write(f"MQTT connect refused: {reason_code}")
                return
            topics = [mqtt.downtime_subscription(), mqtt.meter_subscription()]
            client.subscribe([(topic, 1) for topic in topics])
            self.stdout.write(f"mqtt ingest {client_id} subscribed to {', '.join(topics)}")

        client.on_connect = on_connect
        client.on_message = lambda client, userdata, message: inbox.put(message)
        # Asynchronous connect: a broker that is not up yet is retried, not fatal. The broker may send
        # a few batches ahead, so the next one is here when a transaction commits.
        mqtt.connect(client, persistent=True, receive_maximum=4 * batch, wait=False)
        client.loop_start()

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        sites = {site.code: site for site in Site.objects.all()}
        last_sweep = 0.0
        try:
            while not stopping:
                messages = _take(inbox, batch)
                if messages:
                    self._apply(client, actor, sites, messages)
                if time.monotonic() - last_sweep > sweep_seconds:
                    last_sweep = time.monotonic()
                    try:
                        close_old_connections()
                        actor = self._actor()  # afresh: a role taken away takes effect here
                        sweep(actor)
                    except (OperationalError, InterfaceError) as exc:  # the database is away: sweep next time
                        self.stderr.write(f"mqtt ingest: sweep skipped: {exc}")
        finally:
            client.loop_stop()
            client.disconnect()

    def _actor(self) -> User:
        """The ingest account; without it, wait (and say so) rather than exit and take `make run` down."""
        while True:
            actor = User.objects.filter(username=settings.DOWNTIME_INGEST_USER, is_active=True).first()
            if actor is not None:
                return actor
            self.stderr.write(
                f"mqtt ingest: no active user {settings.DOWNTIME_INGEST_USER!r}; create it with the integration "
                "role at the sites it feeds (or set DOWNTIME_INGEST_USER). Checking again in 30 s."
            )
            time.sleep(30)
            close_old_connections()

    def _apply(self, client, actor, sites, messages) -> None:
        items, readings, unreadable = [], [], []
        for message in messages:
            source = f"mqtt:{message.topic}"[:80]
            parsed = mqtt.parse_topic(message.topic)
            site = sites.get(parsed[1]) if parsed else None
            if site is None and parsed:
                site = Site.objects.filter(code=parsed[1]).first()
                if site:
                    sites[site.code] = site
            raw, problem = _decode(message.payload)
            if problem:
                text = message.payload[:2000].decode("utf-8", "replace")
                text = text.replace("\x00", "\ufffd").replace("\\u0000", "\\ufffd")  # storable in PostgreSQL
                unreadable.append(({"topic": message.topic, "raw": text}, source, site, problem))
                continue
            if parsed is None or site is None:
                unreadable.append((raw, source, site, f"No site for topic {message.topic!r}."))
                continue
            (items if parsed[0] == "downtime" else readings).append(Incoming(raw, source, site, parsed[2]))
        while True:
            try:
                close_old_connections()
                if items:
                    _ingest_or_isolate(actor, items)
                if readings:
                    ingest_readings(actor, readings)
                for raw, source, site, reason in unreadable:
                    reject_unreadable(raw, source=source, site=site, error=ValidationFailed(reason, code="unreadable"))
                break
            except Exception as exc:
                self.stderr.write(f"mqtt ingest: {exc}; retrying in 2 s")
                time.sleep(2)
        for message in messages:  # only now: everything above is committed
            client.ack(message.mid, message.qos)


def _ingest_or_isolate(actor, items: list[Incoming]) -> None:
    """A batch that fails for another reason than the database is retried one by one, and a message
    that still fails is kept as rejected: one poisoned message never blocks the stream."""
    try:
        ingest_items(actor, items)
        return
    except (OperationalError, InterfaceError):
        raise  # the database is away: the caller waits and applies the batch again
    except Exception:
        logger.exception("mqtt ingest: a batch failed; applying its messages one by one")
    for item in items:
        try:
            ingest_items(actor, [item])
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            logger.exception("mqtt ingest: message on %s failed", item.source)
            error = ValidationFailed(f"Plantwright could not apply it: {type(exc).__name__}", code="internal_error")
            reject_unreadable(item.raw, source=item.source, site=item.site, error=error)


def _take(inbox: queue.Queue, batch: int) -> list:
    try:
        messages = [inbox.get(timeout=0.2)]
    except queue.Empty:
        return []
    while len(messages) < batch:
        try:
            messages.append(inbox.get_nowait())
        except queue.Empty:
            break
    return messages


def _decode(payload: bytes) -> tuple[Any, str]:
    """The message's JSON, or why it cannot be read."""
    if has_nul(payload):
        return None, "The message holds a NUL character."
    try:
        return jsonin.loads(payload), ""
    except (ValueError, UnicodeDecodeError):
        return None, "The message is not JSON."
