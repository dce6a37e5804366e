"""Downtime events in, WOs out: store each event once, build the stop, let the site's rules decide.

One service for both doors (HTTP and MQTT). An event is applied exactly once (its `event_id`), a stop
is one row per machine and start time however many events describe it, and while a machine has an
open WO opened by downtime, further qualifying stops attach to it instead of opening another.
"""

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, has_perm, site_ids_with
from plantwright.api_types import Text, Timestamp
from plantwright.assets.models import Asset
from plantwright.downtime.models import Category, DowntimeEvent, DowntimeRule, DowntimeStop, RuleAction
from plantwright.errors import DomainError, PermissionDenied, ValidationFailed
from plantwright.maintenance.models import OPEN_STATUSES, WorkOrder
from plantwright.maintenance.services import open_work_order_by_rule, record_downtime_window

# Clocks on the shop floor drift; an event more than this far in the future is refused as a bad clock.
FUTURE_TOLERANCE = timedelta(minutes=5)


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


@dataclass
class IngestResult:
    event_id: str
    status: str
    id: int | None = None
    stop: int | None = None
    work_order: str | None = None
    decision: str = ""
    error: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "id": self.id,
            "status": self.status,
            "stop": self.stop,
            "work_order": self.work_order,
            "decision": self.decision,
            "error": self.error or None,
            "replayed": self.replayed,
        }


def _result(event: DowntimeEvent, *, replayed: bool = False) -> IngestResult:
    stop = event.stop
    return IngestResult(
        event.event_id,
        event.status,
        event.pk,
        stop.pk if stop else None,
        stop.work_order.number if stop and stop.work_order_id else None,
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
) -> list[IngestResult]:
    """Apply a batch from one sender (one transaction; each event stands or falls alone)."""
    return ingest_items(actor, [Incoming(raw, source, site, machine_id) for raw in raw_events], now=now)


@dataclass
class _BatchCache:
    """What a batch reads again and again, loaded once: replays, machines, rules."""

    events: dict[str, DowntimeEvent]
    assets: dict[str, Asset]
    rules: dict[int, list[DowntimeRule]] = field(default_factory=dict)


_cache: ContextVar[_BatchCache | None] = ContextVar("downtime_batch_cache", default=None)


def ingest_items(actor: User, items: list[Incoming], *, now: datetime | None = None) -> list[IngestResult]:
    now = now or timezone.now()
    raws = [item.raw for item in items]
    machine_ids = {raw.get("machine_id") for raw in raws if isinstance(raw, dict)} - {None}
    cache = _BatchCache(
        events={
            e.event_id: e
            for e in DowntimeEvent.objects.select_related("stop__work_order").filter(
                event_id__in=[_event_id(raw) for raw in raws]
            )
        },
        assets={
            a.oee_machine_id: a
            for a in Asset.objects.select_related("site").filter(
                oee_machine_id__in=[m for m in machine_ids if isinstance(m, str)]
            )
        },
    )
    token = _cache.set(cache)
    try:
        with transaction.atomic():
            return [
                _ingest_one(actor, item.raw, source=item.source, site=item.site, machine_id=item.machine_id, now=now)
                for item in items
            ]
    finally:
        _cache.reset(token)


def reject_unreadable(raw: Any, *, source: str, site: Site | None, error: DomainError) -> IngestResult:
    """Keep what could not even be read (not JSON, an unknown site in the topic) for a person to see."""
    return _store_rejected(_event_id(raw), raw, source, site, error)


def _ingest_one(actor: User, raw: Any, *, source: str, site: Site | None, machine_id: str | None, now) -> IngestResult:
    event_id = _event_id(raw)
    cache = _cache.get()
    if cache is not None:
        existing = cache.events.get(event_id)
    else:
        existing = DowntimeEvent.objects.select_related("stop__work_order").filter(event_id=event_id).first()
    if existing is not None:
        if existing.payload != raw:
            return IngestResult(
                event_id,
                DowntimeEvent.Status.REJECTED,
                error={
                    "code": "event_id_reused",
                    "message": f"Event {event_id!r} was already received with different content.",
                    "details": {"event": existing.pk},
                    "status": 409,
                },
            )
        return _result(existing, replayed=True)
    try:
        with transaction.atomic():
            parsed = _parse(raw)
            asset = _asset(actor, parsed, site=site, machine_id=machine_id, now=now)
            stop = _record_stop(asset, parsed)
            decide(actor, stop, now=now)
            event = DowntimeEvent.objects.create(
                site_id=asset.site_id,
                source=source[:80],
                event_id=event_id,
                payload=raw,
                status=DowntimeEvent.Status.APPLIED,
                stop=stop,
            )
    except DomainError as exc:
        return _store_rejected(event_id, raw, source, site or _site_of(actor, raw), exc)
    except IntegrityError:
        existing = DowntimeEvent.objects.select_related("stop__work_order").get(event_id=event_id)
        return _result(existing, replayed=True)
    if cache is not None:
        cache.events[event_id] = event  # the same event again in this batch is a replay
    return _result(event)


def _site_of(actor: User, raw: Any) -> Site | None:
    """Which site's people should see a refused event: the machine's, else the sender's only site."""
    machine_id = raw.get("machine_id") if isinstance(raw, dict) else None
    if isinstance(machine_id, str):
        asset = Asset.objects.filter(oee_machine_id=machine_id).select_related("site").first()
        if asset is not None and has_perm(actor, Perm.INGEST_DOWNTIME, asset.site_id):
            return asset.site
    sites = site_ids_with(actor, Perm.INGEST_DOWNTIME)
    return Site.objects.get(pk=next(iter(sites))) if sites is not None and len(sites) == 1 else None


def _store_rejected(event_id: str, raw: Any, source: str, site: Site | None, exc: DomainError) -> IngestResult:
    error = {**exc.as_body()["error"], "status": exc.status}
    try:
        with transaction.atomic():
            event = DowntimeEvent.objects.create(
                site=site,
                source=source[:80],
                event_id=event_id,
                payload=raw if isinstance(raw, dict) else {"raw": raw},
                status=DowntimeEvent.Status.REJECTED,
                error=error,
            )
    except IntegrityError:
        event = DowntimeEvent.objects.select_related("stop__work_order").get(event_id=event_id)
    return _result(event)


def _parse(raw: Any) -> DowntimeEventIn:
    try:
        parsed = _EVENT.validate_python(raw)
    except ValidationError as exc:
        problems = [
            {"location": ".".join(str(p) for p in err["loc"]), "message": err["msg"], "type": err["type"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise ValidationFailed("The event does not match its schema.", details={"errors": problems}) from None
    if parsed.category not in Category.values:
        raise ValidationFailed(
            f"Unknown category {parsed.category!r}.", details={"field": "category", "allowed": Category.values}
        )
    if parsed.ended_at is not None and parsed.ended_at < parsed.started_at:
        raise ValidationFailed(
            "ended_at is before started_at.", code="ended_before_started", details={"field": "ended_at"}
        )
    return parsed


def _asset(actor: User, parsed: DowntimeEventIn, *, site: Site | None, machine_id: str | None, now) -> Asset:
    if machine_id is not None and parsed.machine_id != machine_id:
        raise ValidationFailed(
            f"The topic names machine {machine_id!r}, the event {parsed.machine_id!r}.",
            code="machine_mismatch",
            details={"field": "machine_id"},
        )
    latest = parsed.ended_at or parsed.started_at
    if latest > now + FUTURE_TOLERANCE:
        raise ValidationFailed(
            "The event lies in the future; check the sender's clock.",
            code="time_in_future",
            details={"server_time": now.isoformat()},
        )
    cache = _cache.get()
    if cache is not None:
        asset = cache.assets.get(parsed.machine_id)
    else:
        asset = Asset.objects.select_related("site").filter(oee_machine_id=parsed.machine_id).first()
    if asset is None or (site is not None and asset.site_id != site.pk):
        raise ValidationFailed(
            f"No asset has OEE machine id {parsed.machine_id!r}{f' at {site.code}' if site else ''}.",
            code="unknown_machine",
            details={"field": "machine_id"},
        )
    if not has_perm(actor, Perm.INGEST_DOWNTIME, asset.site_id):
        raise PermissionDenied(f"This account may not send downtime for {asset.site.code}.")
    return asset


def _record_stop(asset: Asset, parsed: DowntimeEventIn) -> DowntimeStop:
    # One writer per machine at a time: the start and the end of a stop may arrive together.
    Asset.objects.select_for_update().filter(pk=asset.pk).first()
    stop, created = DowntimeStop.objects.get_or_create(
        asset=asset,
        started_at=parsed.started_at,
        defaults={
            "site_id": asset.site_id,
            "ended_at": parsed.ended_at,
            "category": parsed.category,
            "reason_code": parsed.reason_code,
            "text": parsed.text,
        },
    )
    stop.asset = asset
    if created:
        return stop
    changed = []
    if parsed.ended_at is not None and (stop.ended_at is None or parsed.ended_at > stop.ended_at):
        stop.ended_at = parsed.ended_at  # the latest end reported wins, whatever the order
        changed.append("ended_at")
    for name in ("reason_code", "text"):
        if not getattr(stop, name) and getattr(parsed, name):
            setattr(stop, name, getattr(parsed, name))
            changed.append(name)
    if changed:
        stop.save(update_fields=[*changed, "updated_at"])
    return stop


def _rules(site_id: int) -> list[DowntimeRule]:
    cache = _cache.get()
    if cache is not None and site_id in cache.rules:
        return cache.rules[site_id]
    rules = list(DowntimeRule.objects.filter(site_id=site_id, active=True).order_by("position", "id"))
    if cache is not None:
        cache.rules[site_id] = rules
    return rules


def decide(actor: User, stop: DowntimeStop, *, now: datetime) -> None:
    """Apply the first matching rule of the site to the stop (again when a later event completes it)."""
    if stop.work_order_id is not None:
        _sync_window(actor, stop.work_order)
        return
    rule = next((r for r in _rules(stop.site_id) if r.matches(stop.category, stop.reason_code)), None)
    if rule is None:
        _decided(stop, None, "no rule matched")
    elif rule.action == RuleAction.IGNORE:
        _decided(stop, rule, f"ignored by rule '{rule.name}'")
    elif rule.action == RuleAction.OPEN_WORK_ORDER:
        lasted = (stop.ended_at or now) - stop.started_at
        if lasted < timedelta(minutes=rule.min_duration_minutes):
            waiting = "" if stop.ended_at else " yet"
            _decided(stop, rule, f"shorter than {rule.min_duration_minutes} min{waiting} (rule '{rule.name}')")
        else:
            _attach_or_open(actor, [stop], rule)
    else:
        _repeated(actor, stop, rule)


def _decided(stop: DowntimeStop, rule: DowntimeRule | None, decision: str) -> None:
    if (stop.rule_id, stop.decision) != (rule.pk if rule else None, decision):
        stop.rule, stop.decision = rule, decision[:200]
        stop.save(update_fields=["rule", "decision", "updated_at"])


def _repeated(actor: User, stop: DowntimeStop, rule: DowntimeRule) -> None:
    """Open (or join) the rule's WO when `repeat_count` matching stops fall within `repeat_window_hours`.

    Every window that contains this stop is checked, not only the one ending at it: the stops of a
    burst may arrive in any order, and the last one to arrive completes the window whatever its time.
    """
    window = timedelta(hours=rule.repeat_window_hours)
    matching = Q(asset=stop.asset, started_at__gt=stop.started_at - window, started_at__lt=stop.started_at + window)
    if rule.categories:
        matching &= Q(category__in=rule.categories)
    if rule.reason_codes:
        matching &= Q(reason_code__in=rule.reason_codes)
    around = [s if s.pk != stop.pk else stop for s in DowntimeStop.objects.filter(matching).order_by("started_at")]
    best, qualifying = 0, {}
    for last in around:
        if last.started_at < stop.started_at:
            continue  # a window ending before this stop does not contain it
        members = [s for s in around if last.started_at - window < s.started_at <= last.started_at]
        best = max(best, len(members))
        if len(members) >= rule.repeat_count:
            # Every window this stop completes counts: earlier arrivals waiting in them join too.
            qualifying.update({s.pk: s for s in members if s.work_order_id is None})
    if qualifying:
        _attach_or_open(actor, sorted(qualifying.values(), key=lambda s: s.started_at), rule)
    else:
        _decided(stop, rule, f"{best} of {rule.repeat_count} stops in {rule.repeat_window_hours} h")


def open_downtime_work_order(asset: Asset, rule: DowntimeRule) -> WorkOrder | None:
    """The machine's open WO that this rule opened, if any: new stops of the rule attach to it (a
    breakdown joins the open breakdown WO, not the inspection opened for repeated minor stops)."""
    return (
        WorkOrder.objects.filter(asset=asset, status__in=OPEN_STATUSES, downtime_stops__rule=rule)
        .order_by("-created_at")
        .first()
    )


def _attach_or_open(actor: User, stops: list[DowntimeStop], rule: DowntimeRule) -> None:
    asset = stops[0].asset
    work_order = open_downtime_work_order(asset, rule)
    first = min(stops, key=lambda s: s.started_at)
    if work_order is None:
        label = Category(first.category).label
        work_order = open_work_order_by_rule(
            actor,
            asset=asset,
            type=rule.work_order_type,
            title=f"{label}: {asset.name}" + (f" ({first.reason_code})" if first.reason_code else ""),
            description=first.text,
            priority=rule.priority,
            is_failure=rule.is_failure,
            down_since=first.started_at if rule.is_failure else None,
            note=f"Opened by downtime rule '{rule.name}'",
        )
        decision = f"opened {work_order.number} (rule '{rule.name}')"
    else:
        decision = f"attached to {work_order.number} (rule '{rule.name}')"
    DowntimeStop.objects.filter(pk__in=[s.pk for s in stops]).update(
        work_order=work_order, rule=rule, decision=decision[:200], updated_at=timezone.now()
    )
    for stop in stops:
        stop.work_order, stop.rule, stop.decision = work_order, rule, decision[:200]
    _sync_window(actor, work_order)


def _sync_window(actor: User, work_order: WorkOrder) -> None:
    """A failure WO's down_since / restored_at follow its stops while it is open."""
    if not work_order.is_failure:
        return
    window = work_order.downtime_stops.aggregate(
        down=Min("started_at"), up=Max("ended_at"), ongoing=Max("id", filter=Q(ended_at__isnull=True))
    )
    restored = None if window["ongoing"] is not None else window["up"]
    record_downtime_window(actor, work_order, down_since=window["down"], restored_at=restored)


def sweep(actor: User, *, now: datetime | None = None) -> int:
    """Re-decide ongoing stops still waiting for their minimum duration (run every minute by ingest)."""
    now = now or timezone.now()
    waiting = DowntimeStop.objects.filter(
        ended_at__isnull=True, work_order__isnull=True, rule__action=RuleAction.OPEN_WORK_ORDER
    ).select_related("asset", "rule")
    opened = 0
    for stop in waiting:
        with transaction.atomic():
            decide(actor, stop, now=now)
        opened += stop.work_order_id is not None
    return opened


# --- rules --------------------------------------------------------------------------------------


@transaction.atomic
def save_rule(actor: User, site: Site, rule: DowntimeRule | None = None, **fields: Any) -> DowntimeRule:
    """Create or change one of the site's rules (managers and site admins)."""
    authorize(actor, Perm.MANAGE_DOWNTIME_RULES, site.pk)
    if rule is not None and rule.site_id != site.pk:
        raise ValidationFailed("The rule belongs to another site.", details={"field": "rule"})
    unknown = set(fields.get("categories") or []) - set(Category.values)
    if unknown:
        raise ValidationFailed(f"Unknown categories {sorted(unknown)}.", details={"field": "categories"})
    if fields.get("action") not in RuleAction.values:
        raise ValidationFailed("Choose what the rule does.", details={"field": "action"})
    if fields["action"] == RuleAction.REPEATED and not (
        (fields.get("repeat_count") or 0) >= 2 and (fields.get("repeat_window_hours") or 0) >= 1
    ):
        raise ValidationFailed(
            "A 'repeated' rule needs at least 2 stops within at least 1 hour.", details={"field": "repeat_count"}
        )
    if not (fields.get("name") or "").strip():
        raise ValidationFailed("Name the rule.", details={"field": "name"})
    rule = rule or DowntimeRule(site=site)
    for name, value in fields.items():
        setattr(rule, name, value.strip() if isinstance(value, str) and name == "name" else value)
    rule.save()
    return rule


def delete_rule(actor: User, rule: DowntimeRule) -> None:
    authorize(actor, Perm.MANAGE_DOWNTIME_RULES, rule.site_id)
    rule.delete()  # stops it decided keep their decision text; their rule link is cleared
