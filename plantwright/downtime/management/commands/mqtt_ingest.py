"""Take downtime events from MQTT: `python -m plantwright mqtt_ingest`.

Subscribes (QoS 1, persistent session, shared subscription `$share/plantwright/...`) to
`<prefix>/<site>/downtime/<machine_id>` (and meter readings on `<prefix>/<site>/meters/<machine_id>`),
applies messages in batches in one database transaction,
and acknowledges each message to the broker only after that transaction committed: a crash before
the commit means the broker delivers again, and the event id makes the repeat a no-op. Run as many
as you like; the broker splits the stream between them.
"""

import json
import logging
import queue
import signal
import socket
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections

from plantwright.accounts.models import Site, User
from plantwright.accounts.selectors import installation_id, site_by_code
from plantwright.core import json_reader
from plantwright.core.errors import ValidationFailed
from plantwright.core.http.types import has_nul
from plantwright.downtime import mqtt
from plantwright.downtime.services import Incoming, ingest_items, reject_unreadable, sweep
from plantwright.downtime.services.readings import ingest_readings

SWEEP_SECONDS = 30
logger = logging.getLogger(__name__)


def default_client_id() -> str:
    """The installation in it: two installations on one broker must not take each other's session."""
    return f"plantwright-ingest-{installation_id()[:12]}-{socket.gethostname()}"


class Command(BaseCommand):
    help = "Ingest downtime events from MQTT (QoS 1, acknowledged after the database commit)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--client-id",
            default="",
            help="Stable per process (persistent session); default plantwright-ingest-<installation>-<host>",
        )
        parser.add_argument("--batch", type=int, default=200, help="Messages per database transaction.")
        parser.add_argument(
            "--sweep-seconds", type=float, default=SWEEP_SECONDS, help="How often ongoing stops are re-checked."
        )

    def handle(self, *args, client_id: str, batch: int, sweep_seconds: float, **options):
        actor = self._actor()
        client_id = client_id or default_client_id()
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
        sites: dict[str, Site] = {}
        last_sweep = 0.0
        try:
            while not stopping:
                messages = _take(inbox, batch)
                if messages and not self._apply(client, actor, sites, messages, lambda: stopping):
                    break  # stopped while the database was away: the broker delivers them again
                if time.monotonic() - last_sweep > sweep_seconds:
                    last_sweep = time.monotonic()
                    try:
                        close_old_connections()
                        actor = self._actor()  # afresh: a role taken away takes effect here
                        sweep(actor)
                    except Exception as exc:  # the database is away, or a bug: sweep next time, keep ingesting
                        logger.exception("mqtt ingest: sweep skipped")
                        self.stderr.write(f"mqtt ingest: sweep skipped: {type(exc).__name__}: {exc}")
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

    def _apply(self, client, actor, sites, messages, stopping) -> bool:
        """Apply and acknowledge a batch; False if asked to stop while the database was away (nothing
        acknowledged). Whatever one message makes go wrong, it is kept as refused and acknowledged."""
        while True:
            try:
                close_old_connections()
                apply_messages(actor, sites, messages)
                break
            except DATABASE_AWAY as exc:
                if stopping():
                    return False
                self.stderr.write(f"mqtt ingest: the database is away ({exc}); retrying in 2 s")
                time.sleep(2)
        for message in messages:  # only now: everything above is committed
            client.ack(message.mid, message.qos)
        return True


# The only failures worth waiting for: every other one is the message's, and is kept as refused.
DATABASE_AWAY = (OperationalError, InterfaceError)


def apply_messages(actor: User, sites: dict[str, Site], messages: list) -> None:
    """Apply one batch of MQTT messages (downtime events, meter readings): raises only when the
    database is away, so the caller waits and applies the same batch again."""
    items, readings, unreadable = [], [], []
    for message in messages:
        topic = _text(message._topic)  # not .topic, which raises on a name that is not UTF-8
        source = f"mqtt:{topic}"
        parsed = mqtt.parse_topic(topic)
        site = _site(sites, parsed[1]) if parsed else None
        raw, problem = _decode(message.payload)
        if problem:
            unreadable.append((Incoming({"topic": topic, "raw": _text(message.payload)}, source, site), problem))
        elif parsed is None or site is None:
            unreadable.append((Incoming(raw, source, site), f"No site for topic {topic!r}."))
        else:
            (items if parsed[0] == "downtime" else readings).append(Incoming(raw, source, site, parsed[2]))
    if items:
        _isolated(actor, lambda part: ingest_items(actor, part), items)
    if readings:
        _isolated(actor, lambda part: ingest_readings(actor, part), readings)
    for item, reason in unreadable:
        _keep_refused(actor, item, ValidationFailed(reason, code="unreadable"))


def _site(sites: dict[str, Site], code: str) -> Site | None:
    if code not in sites:
        site = site_by_code(code)
        if site is None:
            return None  # not cached: a site created later is found then
        sites[code] = site
    return sites[code]


def _isolated(actor: User, apply, items: list[Incoming]) -> None:
    """Apply `items` at once; if that fails for another reason than the database, one by one, and keep
    each that still fails as refused: one poisoned message never blocks the stream."""
    try:
        apply(items)
        return
    except DATABASE_AWAY:
        raise
    except Exception:
        if len(items) > 1:
            logger.exception("mqtt ingest: a batch failed; applying its messages one by one")
    for item in items:
        try:
            apply([item])
        except DATABASE_AWAY:
            raise
        except Exception as exc:
            logger.exception("mqtt ingest: message on %s failed", item.source)
            error = ValidationFailed(f"Plantwright could not apply it: {type(exc).__name__}", code="internal_error")
            _keep_refused(actor, item, error)


def _keep_refused(actor: User, item: Incoming, error: ValidationFailed) -> None:
    """Store a refused message for a person to see; if even that fails, store what can be (its text,
    truncated), and if that fails too, log it: the message is acknowledged either way."""
    for raw in (item.raw, {"raw": _text(_dump(item.raw))}):
        try:
            reject_unreadable(actor, raw, source=item.source, site=item.site, error=error)
            return
        except DATABASE_AWAY:
            raise
        except Exception:
            logger.exception("mqtt ingest: could not keep a refused message from %s", item.source)
    logger.error("mqtt ingest: dropped a message from %s that could not be stored: %r", item.source, item.raw)


def _dump(raw: Any) -> bytes:
    try:
        return json.dumps(raw, default=str).encode("utf-8", "replace")
    except Exception:
        return repr(raw).encode("utf-8", "replace")


def _text(payload: bytes) -> str:
    """A message's (or topic's) first bytes as text any database stores (no NUL, no lone surrogate)."""
    text = payload[:2000].decode("utf-8", "replace")
    return text.replace("\x00", "\ufffd").replace("\\u0000", "\\ufffd")


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
        return json_reader.loads(payload, what="The message"), ""
    except json_reader.MalformedJson as exc:
        return None, exc.message
