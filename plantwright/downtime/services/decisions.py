"""What the site's rules make of stops, for a whole batch at a time.

A batch (the stops of a batch of incoming events, or the ongoing stops the sweep looks at again)
locks its machines, then loads in a handful of queries everything a decision can touch: the stops
the batch names (whole rows), the *neighbours* a 'repeated' rule would count around them (only what
counting needs: as far as the site's longest window reaches, only the categories / reason codes those
rules count), the machines' open WOs with the rule that opened each, and the sites' rules. Every
stop is then decided in memory, and the result is written with bulk statements. A WO is opened
through the maintenance service like any other (numbering, transition record, history, outbox),
which is rare next to the stops themselves.

Locking the machines (in id order, so two batches never wait on each other in a circle) is what lets
several ingest processes run at once: the start and the end of one stop, or two stops that complete
a 'repeated' window, may reach two processes, and the second one sees what the first committed.
"""

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import CharField, Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone, translation

from plantwright.accounts.models import User
from plantwright.assets.models import Asset
from plantwright.core.db.bounded import fit
from plantwright.core.db.bulk import insert_new
from plantwright.downtime.models import DECISIONS, Category, DowntimeRule, DowntimeStop, RuleAction
from plantwright.maintenance.lifecycle import READ_ONLY_STATUSES
from plantwright.maintenance.models import OPEN_STATUSES, WorkOrder
from plantwright.maintenance.services import open_work_order_by_rule, record_downtime_windows

# What a batch reads of a WO its stops belong to (a closed WO: only shown, a completed one: followed).
_ORDER_FIELDS = ["id", "number", "status", "is_failure", "asset_id", "down_since", "restored_at"]
_STOP_FIELDS = ["ended_at", "reason_code", "text", "work_order", "rule", "decision", "decision_data", "updated_at"]
_NEIGHBOUR_FIELDS = ["pk", "started_at_text", "category", "reason_code", "work_order_id"]


@dataclass(slots=True)
class WorkOrderSnapshot:
    """What deciding needs of a WO (read as plain values: a batch reads hundreds of them)."""

    pk: int
    number: str
    status: str
    is_failure: bool
    asset_id: int
    down_since: datetime | None
    restored_at: datetime | None


@dataclass(slots=True)
class Neighbour:
    """A stored stop near the batch that a 'repeated' window may count: only what counting needs."""

    pk: int
    started_at: datetime
    category: str
    reason_code: str
    work_order_id: int | None


class DowntimeBatch:
    """The stops of some machines, decided in memory and written at `flush()` (inside a transaction)."""

    def __init__(self, actor: User, now: datetime) -> None:
        self.actor, self.now = actor, now
        self.assets: dict[int, Asset] = {}
        # asset id -> started_at -> the stop (a whole row if the batch names it, else a neighbour)
        self.stops: dict[int, dict[datetime, DowntimeStop | Neighbour]] = {}
        self._times: dict[int, list[datetime]] = {}  # asset id -> the keys of `stops`, sorted
        self.rules: dict[int, list[DowntimeRule]] = {}  # site id -> active rules in order
        self.orders: dict[int, WorkOrderSnapshot] = {}  # the WOs the batch's stops belong to, by id
        self.open_orders: dict[tuple[int, int], WorkOrderSnapshot] = {}  # (asset id, rule id) -> its open WO
        self._new: list[DowntimeStop] = []
        self._changed: dict[int, DowntimeStop] = {}
        self._joined: dict[tuple[int, int, str], list[int]] = defaultdict(list)  # neighbours that joined a WO
        self._joined_data: dict[str, dict] = {}  # the code and values of each joined decision
        self._windows: dict[int, WorkOrderSnapshot] = {}  # failure WOs whose downtime window may have moved

    # --- loading ---------------------------------------------------------------------------------

    def load(self, starts: dict[Asset, set[datetime]]) -> None:
        """Lock the machines and load what deciding the stops that start at `starts` can touch."""
        self.assets = {asset.pk: asset for asset in starts}
        list(Asset.objects.select_for_update().filter(pk__in=sorted(self.assets)).order_by("pk").values_list("pk"))
        for rule in DowntimeRule.objects.filter(site_id__in={a.site_id for a in starts}, active=True):
            self.rules.setdefault(rule.site_id, []).append(rule)  # model ordering: site, position, id
        # A downtime WO's stops all carry the rule that opened it: one stop names it. The newest open
        # WO of a rule on a machine takes the rule's new stops.
        opener = DowntimeStop.objects.filter(work_order=OuterRef("pk"), rule__isnull=False).order_by()
        for *values, opened_by in (
            WorkOrder.objects.filter(asset_id__in=self.assets, status__in=OPEN_STATUSES)
            .annotate(opened_by=Subquery(opener.values("rule_id")[:1]))
            .order_by("created_at", "pk")
            .values_list(*_ORDER_FIELDS, "opened_by")
        ):
            order = self.orders[values[0]] = WorkOrderSnapshot(*values)
            if opened_by is not None:
                self.open_orders[(order.asset_id, opened_by)] = order
        named, nearby = self._wanted(starts)
        stops = list(DowntimeStop.objects.filter(named))
        closed = {s.work_order_id for s in stops if s.work_order_id is not None} - self.orders.keys()
        if closed:  # WOs no longer open that named stops belong to: shown, and followed if completed
            for values in WorkOrder.objects.filter(pk__in=closed).values_list(*_ORDER_FIELDS):
                self.orders[values[0]] = WorkOrderSnapshot(*values)
        self.stops = {asset_id: {} for asset_id in self.assets}
        for stop in stops:
            stop.asset = self.assets[stop.asset_id]
            self.stops[stop.asset_id][stop.started_at] = stop
        if nearby is not None:
            # Their start as the database's text, read by `datetime.fromisoformat` (C): the thousand-odd
            # neighbours of a batch through the database driver's timestamp loader (Python) were a
            # fifteenth of a one-process ingest.
            rows = (
                DowntimeStop.objects.filter(nearby)
                .annotate(started_at_text=Cast("started_at", CharField()))
                .order_by()
                .values_list("asset_id", *_NEIGHBOUR_FIELDS)
            )
            for asset_id, pk, started, *rest in rows:
                started_at = _moment(started)
                self.stops[asset_id].setdefault(started_at, Neighbour(pk, started_at, *rest))
        self._times = {asset_id: sorted(book) for asset_id, book in self.stops.items()}

    def _wanted(self, starts: dict[Asset, set[datetime]]) -> tuple[Q, Q | None]:
        """(the stops the batch names, whole; the stops 'repeated' rules would count around them).

        Both as time ranges over groups of machines, which the (asset, started_at) index answers
        directly; a range may hold a few stops the batch does not name, which is harmless.
        """
        named, nearby = [], []
        by_site: dict[int, dict[int, tuple[datetime, datetime]]] = defaultdict(dict)
        for asset, times in starts.items():
            by_site[asset.site_id][asset.pk] = (min(times), max(times))
        for site_id, ranges in by_site.items():
            groups = _clusters(ranges)
            named += [Q(asset_id__in=ids, started_at__gte=first, started_at__lte=last) for ids, first, last in groups]
            repeated = [r for r in self.rules.get(site_id, []) if r.action == RuleAction.REPEATED]
            if repeated:
                reach = timedelta(hours=max(r.repeat_window_hours for r in repeated))
                counted = _counted_by(repeated)
                nearby += [
                    Q(asset_id__in=ids, started_at__gt=first - reach, started_at__lt=last + reach) & counted
                    for ids, first, last in groups
                ]
        return reduce(or_, named), (reduce(or_, nearby) if nearby else None)

    # --- recording and deciding ------------------------------------------------------------------

    def record(self, asset: Asset, *, started_at, ended_at, category, reason_code, text) -> DowntimeStop:
        """The machine's stop that starts at `started_at`, created or completed by what an event says."""
        book = self.stops[asset.pk]
        stop = book.get(started_at)
        if stop is None:
            stop = DowntimeStop(
                site_id=asset.site_id,
                asset=asset,
                started_at=started_at,
                ended_at=ended_at,
                category=category,
                reason_code=reason_code,
                text=text,
            )
            book[started_at] = stop
            insort(self._times[asset.pk], started_at)
            self._new.append(stop)
            return stop
        assert isinstance(stop, DowntimeStop), "a stop the batch names is loaded whole"
        changed = False
        if ended_at is not None and (stop.ended_at is None or ended_at > stop.ended_at):
            stop.ended_at, changed = ended_at, True  # the latest end reported wins, whatever the order
        for name, value in (("reason_code", reason_code), ("text", text)):
            if not getattr(stop, name) and value:
                setattr(stop, name, value)
                changed = True
        if changed:
            self._touch(stop)
        return stop

    def decide(self, stop: DowntimeStop) -> None:
        """Apply the first matching rule of the site to the stop (again when a later event completes it)."""
        if stop.work_order_id is not None:
            self._follow_window(self.orders[stop.work_order_id])
            return
        rule = next((r for r in self.rules.get(stop.site_id, []) if r.matches(stop.category, stop.reason_code)), None)
        if rule is None:
            self._decided(stop, None, "no_rule")
        elif rule.action == RuleAction.IGNORE:
            self._decided(stop, rule, "ignored", {"rule": rule.name})
        elif rule.action == RuleAction.OPEN_WORK_ORDER:
            lasted = (stop.ended_at or self.now) - stop.started_at
            if lasted < timedelta(minutes=rule.min_duration_minutes):
                code = "too_short" if stop.ended_at else "too_short_yet"
                self._decided(stop, rule, code, {"minutes": rule.min_duration_minutes, "rule": rule.name})
            else:
                self._attach_or_open(stop.asset_id, [stop], rule)
        else:
            self._repeated(stop, rule)

    def _decided(self, stop: DowntimeStop, rule: DowntimeRule | None, code: str, values: dict | None = None) -> None:
        decision, data = _in_words(code, values or {})
        if (stop.rule_id, stop.decision) != (rule.pk if rule else None, decision):
            stop.rule, stop.decision, stop.decision_data = rule, decision, data
            self._touch(stop)

    def _repeated(self, stop: DowntimeStop, rule: DowntimeRule) -> None:
        """Open (or join) the rule's WO when `repeat_count` matching stops fall within `repeat_window_hours`.

        Every window that contains this stop is checked, not only the one ending at it: the stops of a
        burst may arrive in any order, and the last one to arrive completes the window whatever its time.
        """
        window = timedelta(hours=rule.repeat_window_hours)
        book, times = self.stops[stop.asset_id], self._times[stop.asset_id]
        span = times[bisect_right(times, stop.started_at - window) : bisect_left(times, stop.started_at + window)]
        around = [book[t] for t in span if rule.matches(book[t].category, book[t].reason_code)]
        best, lowest, highest = 0, None, None
        first = 0  # index in `around` of the earliest stop inside the window ending at `last`
        for index, last in enumerate(around):
            while around[first].started_at <= last.started_at - window:
                first += 1
            if last.started_at < stop.started_at:
                continue  # a window ending before this stop does not contain it
            best = max(best, index + 1 - first)
            if index + 1 - first >= rule.repeat_count:
                # Every window this stop completes counts: earlier arrivals waiting in them join too.
                # They all hold this stop, so together they are one run of `around`.
                lowest = first if lowest is None else min(lowest, first)
                highest = index
        if lowest is not None:
            joining = [s for s in around[lowest : highest + 1] if s.work_order_id is None]
            self._attach_or_open(stop.asset_id, joining, rule)
        else:
            self._decided(
                stop, rule, "repeats", {"count": best, "needed": rule.repeat_count, "hours": rule.repeat_window_hours}
            )

    def _attach_or_open(self, asset_id: int, stops: list[DowntimeStop | Neighbour], rule: DowntimeRule) -> None:
        asset = self.assets[asset_id]
        work_order = self.open_orders.get((asset_id, rule.pk))
        if work_order is None:
            first, ended = self._whole(stops[0]), self._ends(stops)
            restored = max(ended) if rule.is_failure and None not in ended else None
            work_order = open_work_order_by_rule(
                self.actor,
                asset=asset,
                type=rule.work_order_type,
                title=f"{Category(first.category).label}: {asset.name}"
                + (f" ({first.reason_code})" if first.reason_code else ""),
                description=first.text,
                priority=rule.priority,
                is_failure=rule.is_failure,
                down_since=first.started_at if rule.is_failure else None,
                restored_at=restored,
                note=f"Opened by downtime rule '{rule.name}'",
            )
            work_order = self.orders[work_order.pk] = self.open_orders[(asset_id, rule.pk)] = WorkOrderSnapshot(
                *(getattr(work_order, name) for name in _ORDER_FIELDS)
            )
            decision, data = _in_words("opened", {"number": work_order.number, "rule": rule.name})
        else:
            decision, data = _in_words("attached", {"number": work_order.number, "rule": rule.name})
        for stop in stops:
            if isinstance(stop, Neighbour):
                stop.work_order_id = work_order.pk
                self._joined[(work_order.pk, rule.pk, decision)].append(stop.pk)
                self._joined_data[decision] = data
            else:
                stop.work_order_id, stop.rule, stop.decision, stop.decision_data = work_order.pk, rule, decision, data
                self._touch(stop)
        self._follow_window(work_order)

    @staticmethod
    def _whole(stop: DowntimeStop | Neighbour) -> DowntimeStop:
        """The whole row of a neighbour (opening a WO names its first stop: rare, so read then)."""
        return DowntimeStop.objects.get(pk=stop.pk) if isinstance(stop, Neighbour) else stop

    @staticmethod
    def _ends(stops: list[DowntimeStop | Neighbour]) -> list[datetime | None]:
        known = {s.pk: s.ended_at for s in stops if isinstance(s, DowntimeStop)}
        neighbours = [s.pk for s in stops if isinstance(s, Neighbour)]
        if neighbours:
            known |= dict(DowntimeStop.objects.filter(pk__in=neighbours).values_list("pk", "ended_at"))
        return [known[s.pk] if s.pk is not None else s.ended_at for s in stops]

    def number(self, work_order_id: int) -> str:
        return self.orders[work_order_id].number

    def _follow_window(self, work_order: WorkOrderSnapshot) -> None:
        if work_order.is_failure and work_order.status not in READ_ONLY_STATUSES:
            self._windows[work_order.pk] = work_order

    def _touch(self, stop: DowntimeStop) -> None:
        if stop.pk is not None:
            stop.updated_at = timezone.now()  # bulk_update does not run auto_now
            self._changed[stop.pk] = stop

    # --- writing ---------------------------------------------------------------------------------

    def flush(self) -> None:
        insert_new(DowntimeStop, self._new)
        if self._changed:
            DowntimeStop.objects.bulk_update(list(self._changed.values()), _STOP_FIELDS, batch_size=500)
        for (work_order_id, rule_id, decision), pks in self._joined.items():
            DowntimeStop.objects.filter(pk__in=pks).update(
                work_order_id=work_order_id,
                rule_id=rule_id,
                decision=decision,
                decision_data=self._joined_data[decision],
                updated_at=timezone.now(),
            )
        if self._windows:
            self._write_windows()
        self._new, self._changed, self._joined, self._windows = [], {}, defaultdict(list), {}
        self._joined_data = {}

    def _write_windows(self) -> None:
        """A failure WO's down_since / restored_at follow all its stops (also those outside the batch)."""
        rows = (
            DowntimeStop.objects.filter(work_order_id__in=self._windows)
            .values("work_order_id")
            .annotate(down=Min("started_at"), up=Max("ended_at"), ongoing=Count("id", filter=Q(ended_at__isnull=True)))
            .order_by()
        )
        windows = {row["work_order_id"]: (row["down"], None if row["ongoing"] else row["up"]) for row in rows}
        moved = {
            pk: window
            for pk, window in windows.items()
            if (self._windows[pk].down_since, self._windows[pk].restored_at) != window
        }
        if moved:
            record_downtime_windows(self.actor, moved)


def _counted_by(rules: list[DowntimeRule]) -> Q:
    """The stops any of these 'repeated' rules would count (empty categories / reason codes: any)."""
    conditions = []
    for rule in rules:
        condition = Q()
        if rule.categories:
            condition &= Q(category__in=rule.categories)
        if rule.reason_codes:
            condition &= Q(reason_code__in=rule.reason_codes)
        if not condition:
            return Q(pk__isnull=False)  # this rule counts every stop
        conditions.append(condition)
    return reduce(or_, conditions)


def _moment(text: str) -> datetime:
    """A moment the database wrote as text: with its offset (PostgreSQL), or naive UTC (SQLite)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _clusters(ranges: dict[int, tuple[datetime, datetime]]) -> list[tuple[list[int], datetime, datetime]]:
    """Group machines whose time ranges lie together, so one range condition serves a group.

    A live feed gives one group (every machine reports about now); a machine catching up on a year
    of history stays apart instead of widening the range read for all the others.
    """
    groups: list[tuple[list[int], datetime, datetime]] = []
    cost = 0.0  # machine-seconds the last group reads if its machines were read apart
    for asset_id, (first, last) in sorted(ranges.items(), key=lambda item: item[1][0]):
        alone = (last - first).total_seconds() + 3600
        if groups:
            members, group_first, group_last = groups[-1]
            merged_last = max(group_last, last)
            merged = (len(members) + 1) * ((merged_last - group_first).total_seconds() + 3600)
            if merged <= 1.5 * (cost + alone):
                members.append(asset_id)
                groups[-1] = (members, group_first, merged_last)
                cost += alone
                continue
        groups.append(([asset_id], first, last))
        cost = alone
    return groups


def _in_words(code: str, values: dict) -> tuple[str, dict]:
    """A decision's English words (kept on the stop, for the API and exports) and its code and values
    (for each reader's words: `DowntimeStop.decision_in_words`)."""
    data = {"code": code, **values}
    with translation.override("en"):
        return fit(DowntimeStop, "decision", str(DECISIONS[code]) % data), data
