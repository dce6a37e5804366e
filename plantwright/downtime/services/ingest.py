"""Downtime events in, WOs out: store each event once, build the stop, let the site's rules decide.

One service for both doors (HTTP and MQTT). An event is applied exactly once (its `event_id`), a stop
is one row per machine and start time however many events describe it, and while a machine has an
open WO opened by downtime, further qualifying stops attach to it instead of opening another.

A batch is one transaction and one unit of work (see `decisions`): events are read and checked
without the database, the machines they name are locked and their state loaded once, and each event
stands or falls alone: a refused event is stored with its reason and changes nothing else.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm, site_ids_with
from plantwright.assets.models import Asset
from plantwright.core.db.bounded import fit
from plantwright.core.db.bulk import insert_new
from plantwright.core.errors import DomainError, PermissionDenied, ValidationFailed, schema_error
from plantwright.core.http.types import Text, Timestamp
from plantwright.core.inbound import InboundResult
from plantwright.downtime.models import Category, DowntimeEvent, DowntimeStop, RuleAction
from plantwright.downtime.services.decisions import DowntimeBatch

# Shop-floor clocks drift a little; the same allowance as for times people type on a WO.
from plantwright.maintenance.services.work import FUTURE_TOLERANCE

# A concurrent ingest may store one of a batch's events between our look-up and our write: the batch
# is then applied again, and that event is a replay.
ATTEMPTS = 3


class DowntimeEventIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: Text(200)
    machine_id: Text(100)
    started_at: Timestamp
    ended_at: Timestamp | None = None
    reason_code: Text(40, 0) = ""
    category: Text(20)
    text: Text(500, 0) = ""


_EVENT = TypeAdapter(DowntimeEventIn)
_CATEGORIES = frozenset(Category.values)


def _answer(
    event_id: str,
    status: str,
    id: int | None = None,
    stop: int | None = None,
    work_order: str | None = None,
    decision: str = "",
    error: dict[str, Any] | None = None,
    replayed: bool = False,
) -> InboundResult:
    found = {"stop": stop, "work_order": work_order, "decision": decision}
    return InboundResult(event_id, status, id, error or {}, replayed, found)


def _result(event: DowntimeEvent, *, replayed: bool = False, batch: DowntimeBatch | None = None) -> InboundResult:
    stop = event.stop
    number = None
    if stop is not None and stop.work_order_id is not None:
        # A stop the batch decided knows its WO by id only; a stored one came with its WO.
        known = batch is not None and stop.work_order_id in batch.orders
        number = batch.number(stop.work_order_id) if known else stop.work_order.number
    return _answer(
        event.event_id,
        event.status,
        event.pk,
        stop.pk if stop else None,
        number,
        stop.decision if stop else "",
        event.error,
        replayed,
    )


def _event_id(raw: Any) -> str:
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    if isinstance(event_id, str) and event_id.strip() and len(event_id) <= 200:
        return event_id.strip()
    return "malformed:" + hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:40]


@dataclass
class Incoming:
    """One event as it arrived; `site` and `machine_id` come from an MQTT topic and must agree with it."""

    raw: Any
    source: str
    site: Site | None = None
    machine_id: str | None = None


def ingest(
    actor: User,
    raw_events: list[Any],
    *,
    source: str,
    site: Site | None = None,
    machine_id: str | None = None,
    now: datetime | None = None,
) -> list[InboundResult]:
    """Apply a batch from one sender (one transaction; each event stands or falls alone)."""
    return ingest_items(actor, [Incoming(raw, source, site, machine_id) for raw in raw_events], now=now)


def ingest_items(actor: User, items: list[Incoming], *, now: datetime | None = None) -> list[InboundResult]:
    now = now or timezone.now()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _apply(actor, items, now)
        except IntegrityError:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


@dataclass
class _Checked:
    """An event read and checked before anything is written: either `parsed` and `asset`, or `error`."""

    item: Incoming
    event_id: str
    parsed: DowntimeEventIn | None = None
    asset: Asset | None = None
    error: DomainError | None = None
    site: Site | None = None  # whose event it is: with the sender, the scope of its event_id


def _apply(actor: User, items: list[Incoming], now: datetime) -> list[InboundResult]:
    if site_ids_with(actor, Perm.INGEST_DOWNTIME) == set():
        # Nothing is stored for a caller who may send no downtime anywhere: no id claimed, no refusal kept.
        raise PermissionDenied("This account may not send downtime events.")
    checked = [_check(item, now) for item in items]
    machine_ids = {c.parsed.machine_id for c in checked if c.parsed is not None}
    assets = {a.oee_machine_id: a for a in Asset.objects.select_related("site").filter(oee_machine_id__in=machine_ids)}
    allowed: dict[int, bool] = {}
    starts: dict[Asset, set[datetime]] = {}
    for c in checked:
        if c.parsed is None:
            continue
        try:
            c.asset = _asset(actor, c.parsed, assets, allowed, site=c.item.site)
        except DomainError as exc:
            c.error, c.parsed = exc, None
            continue
        starts.setdefault(c.asset, set()).add(c.parsed.started_at)
    sender_site = functools.cache(lambda: _sender_site(actor))  # read once per batch, only if needed
    for c in checked:
        if c.asset is not None:
            c.site = c.asset.site
        else:
            c.site = c.item.site or _site_of(actor, c.item.raw, assets, sender_site)

    batch = DowntimeBatch(actor, now)
    if starts:
        batch.load(starts)  # locks the machines: read the replays only after that
    seen: dict[tuple[int | None, str], DowntimeEvent] = {
        (e.site_id, e.event_id): e
        for e in DowntimeEvent.objects.select_related("stop__work_order").filter(
            event_id__in={c.event_id for c in checked}, sender=actor
        )
    }
    answers: list[tuple[DowntimeEvent, bool] | InboundResult] = []
    applied: list[DowntimeEvent] = []
    budget = _RefusalBudget(actor, now)
    for c in checked:
        raw = c.item.raw
        key = (c.site.pk if c.site else None, c.event_id)
        prior = seen.get(key)
        if prior is not None:
            answers.append(_replay(prior, raw))
            continue
        if c.error is not None:
            if not budget.take():
                answers.append(_not_kept(c.event_id, c.error, budget))
                continue
            event = _store_rejected(c.event_id, raw, c.item.source, c.site, c.error, actor)
            seen[key] = event
            answers.append((event, False))
            continue
        parsed = c.parsed
        stop = batch.record(
            c.asset,
            started_at=parsed.started_at,
            ended_at=parsed.ended_at,
            category=parsed.category,
            reason_code=parsed.reason_code,
            text=parsed.text,
        )
        batch.decide(stop)
        event = DowntimeEvent(
            site_id=c.asset.site_id,
            sender=actor,
            source=fit(DowntimeEvent, "source", c.item.source),
            event_id=c.event_id,
            payload=raw,
            status=DowntimeEvent.Status.APPLIED,
            stop=stop,
        )
        seen[key] = event  # the same event again in this batch is a replay
        applied.append(event)
        answers.append((event, False))
    batch.flush()
    insert_new(DowntimeEvent, applied)
    return [
        answer if isinstance(answer, InboundResult) else _result(answer[0], replayed=answer[1], batch=batch)
        for answer in answers
    ]


def _replay(prior: DowntimeEvent, raw: Any) -> tuple[DowntimeEvent, bool] | InboundResult:
    if prior.payload == raw:
        return (prior, True)
    return _answer(
        prior.event_id,
        DowntimeEvent.Status.REJECTED,
        error={
            "code": "event_id_reused",
            "message": f"Event {prior.event_id!r} was already received with different content.",
            "details": {"event_id": prior.event_id, "received_at": prior.received_at.isoformat()},
            "status": 409,
        },
    )


def _check(item: Incoming, now: datetime) -> _Checked:
    """Everything that can be said about an event without the database."""
    checked = _Checked(item, _event_id(item.raw))
    try:
        parsed = _parse(item.raw)
        if item.machine_id is not None and parsed.machine_id != item.machine_id:
            raise ValidationFailed(
                f"The topic names machine {item.machine_id!r}, the event {parsed.machine_id!r}.",
                code="machine_mismatch",
                details={"field": "machine_id"},
            )
        if (parsed.ended_at or parsed.started_at) > now + FUTURE_TOLERANCE:
            raise ValidationFailed(
                "The event lies in the future; check the sender's clock.",
                code="time_in_future",
                details={"server_time": now.isoformat()},
            )
    except DomainError as exc:
        checked.error = exc
    else:
        checked.parsed = parsed
    return checked


def reject_unreadable(
    actor: User, raw: Any, *, source: str, site: Site | None, error: DomainError, now: datetime | None = None
) -> InboundResult:
    """Keep what could not even be read (not JSON, an unknown site in the topic) for a person to see,
    within the sender's hourly budget of refusals."""
    event_id = _event_id(raw)
    budget = _RefusalBudget(actor, now or timezone.now())
    if not budget.take():
        return _not_kept(event_id, error, budget)
    return _result(_store_rejected(event_id, raw, source, site, error, actor))


class _RefusalBudget:
    """Whether a refused event is stored: only for a sender with the right to send downtime somewhere,
    and at most DOWNTIME_REFUSALS_PER_HOUR an hour, so a sender of junk cannot fill the database.
    Valid events are never limited."""

    def __init__(self, actor: User, now: datetime):
        self.actor, self.now, self.left = actor, now, None
        self.why_not = ""

    def take(self) -> bool:
        if self.left is None:
            if site_ids_with(self.actor, Perm.INGEST_DOWNTIME) == set():
                self.left, self.why_not = 0, "This account may not send downtime events."
            else:
                kept = DowntimeEvent.objects.filter(
                    sender=self.actor,
                    status=DowntimeEvent.Status.REJECTED,
                    received_at__gte=self.now - timedelta(hours=1),
                ).count()
                self.left = settings.DOWNTIME_REFUSALS_PER_HOUR - kept
                self.why_not = (
                    f"More than {settings.DOWNTIME_REFUSALS_PER_HOUR} refused events this hour from this sender."
                )
        self.left -= 1
        return self.left >= 0


def _not_kept(event_id: str, error: DomainError, budget: _RefusalBudget) -> InboundResult:
    body = {**error.as_body()["error"], "status": error.status}
    body["details"] = {**body["details"], "kept": False, "why_not_kept": budget.why_not}
    return _answer(event_id, DowntimeEvent.Status.REJECTED, error=body)


def _site_of(actor: User, raw: Any, assets: dict[str, Asset], sender_site: Callable[[], Site | None]) -> Site | None:
    """Which site's people should see a refused event: the machine's, else the sender's only site."""
    machine_id = raw.get("machine_id") if isinstance(raw, dict) else None
    asset = assets.get(machine_id) if isinstance(machine_id, str) else None
    if asset is not None and has_perm(actor, Perm.INGEST_DOWNTIME, asset.site_id):
        return asset.site
    return sender_site()


def _sender_site(actor: User) -> Site | None:
    sites = site_ids_with(actor, Perm.INGEST_DOWNTIME)
    return Site.objects.get(pk=next(iter(sites))) if sites is not None and len(sites) == 1 else None


def _store_rejected(
    event_id: str, raw: Any, source: str, site: Site | None, exc: DomainError, sender: User
) -> DowntimeEvent:
    error = {**exc.as_body()["error"], "status": exc.status}
    try:
        with transaction.atomic():
            return DowntimeEvent.objects.create(
                site=site,
                sender=sender,
                source=fit(DowntimeEvent, "source", source),
                event_id=event_id,
                payload=raw if isinstance(raw, dict) else {"raw": raw},
                status=DowntimeEvent.Status.REJECTED,
                error=error,
            )
    except IntegrityError:
        return DowntimeEvent.objects.select_related("stop__work_order").get(event_id=event_id, sender=sender, site=site)


def _parse(raw: Any) -> DowntimeEventIn:
    try:
        parsed = _EVENT.validate_python(raw)
    except ValidationError as exc:
        raise schema_error(exc) from None
    if parsed.category not in _CATEGORIES:
        raise ValidationFailed(
            f"Unknown category {parsed.category!r}.", details={"field": "category", "allowed": Category.values}
        )
    if parsed.ended_at is not None and parsed.ended_at < parsed.started_at:
        raise ValidationFailed(
            "ended_at is before started_at.", code="ended_before_started", details={"field": "ended_at"}
        )
    return parsed


def _asset(actor: User, parsed: DowntimeEventIn, assets: dict[str, Asset], allowed: dict[int, bool], *, site) -> Asset:
    asset = assets.get(parsed.machine_id)
    if asset is not None and (site is None or asset.site_id == site.pk):
        if asset.site_id not in allowed:
            allowed[asset.site_id] = has_perm(actor, Perm.INGEST_DOWNTIME, asset.site_id)
        if allowed[asset.site_id]:
            return asset
    # A machine of a site the caller does not feed gets the same answer as one that does not exist:
    # which site owns it is not the caller's to learn.
    where = f"at {site.code}" if site else "at the sites this account feeds"
    raise ValidationFailed(
        f"OEE machine id {parsed.machine_id!r} does not exist {where}.",
        code="unknown_machine",
        details={"field": "machine_id"},
    )


def sweep(actor: User, *, now: datetime | None = None) -> int:
    """Decide again the ongoing stops still waiting for their minimum duration (run by the ingest)."""
    now = now or timezone.now()
    with transaction.atomic():
        waiting = list(
            DowntimeStop.objects.filter(
                ended_at__isnull=True, work_order__isnull=True, rule__action=RuleAction.OPEN_WORK_ORDER
            ).select_related("asset__site")
        )
        if not waiting:
            return 0
        starts: dict[Asset, set[datetime]] = {}
        assets: dict[int, Asset] = {}
        for stop in waiting:
            starts.setdefault(assets.setdefault(stop.asset_id, stop.asset), set()).add(stop.started_at)
        batch = DowntimeBatch(actor, now)
        batch.load(starts)
        # The loaded (locked, current) stops, not the ones read before the lock.
        stops = [batch.stops[s.asset_id].get(s.started_at) for s in waiting]
        stops = [s for s in stops if s is not None and s.work_order_id is None]
        for stop in stops:
            batch.decide(stop)
        batch.flush()
    return sum(stop.work_order_id is not None for stop in stops)
