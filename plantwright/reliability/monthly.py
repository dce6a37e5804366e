"""A period's KPI parts from pre-aggregated whole months plus its raw edges, equal to the history.

A year of a 10,000-asset plant is ~1.7 M cost lines, 0.4 M labor entries and 0.3 M WOs: summing
them for every dashboard takes seconds whatever the indexes. But every part is additive over time
(`figures.raw_parts`), so a period's parts are those of its whole months plus its partial edge
months, computed from the history. Time in service is always computed (it needs only the assets).

`AssetMonth` holds each asset's *running totals*: its parts from the site's first aggregated month
through the end of the row's month. Whole months [m1, m2) are then one subtraction per asset, the
row of m2's previous month minus the row of m1's previous month, whatever the length of the period:
two rows per asset instead of twelve for a year. An asset has a row for every month from its first
month with anything in it (before that, its totals are zero) up to the last aggregated month.

How the rows stay equal to the history:
- Database triggers (migrations 0003, 0005, 0006) append the asset to `AssetChange`, in the same
  transaction, whenever a row a source of the registry reads is written or deleted, or one of the
  columns it declares it `watches` changes (a WO's asset, site, status, type, creation, failure
  times, completion; labor and contractor hours, cost lines, PM occurrences, starts). No code path
  can forget it: bulk writes and COPY fire them too, and a test fails on a column left unwatched.
- The triggers also say from which day on the change counts (`AssetChange.since`: a WO's failure
  start, completion, PM due date, first start and first work dates; an entry's work or cost date), so that only
  that month and the later ones are rebuilt, going on from the totals before it.
- Before reading a site's months, `refresh` rebuilds the changed assets' rows and clears the
  changes it read, under a lock on the site's `AggregatedMonths` row (one refresher per site at a
  time). A change committed meanwhile stays for the next one. The worker refreshes every minute,
  so a reader seldom finds any.
- A site's months are built on first need, extended forward as months pass, back to the month of
  its first WO by the worker, and rebuilt when the site's time zone or PM grace changes, or when a
  stored part's definition does (the registry's `stamp`: a new part, a changed one). Months are
  the site's calendar months: a period in another time zone, months beyond the current one and
  months before the first aggregated one are computed raw.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from plantwright.accounts.models import Site
from plantwright.assets.models import Asset
from plantwright.core.db.bulk import insert_new
from plantwright.maintenance.models import WorkOrder
from plantwright.pm.services import grace_days
from plantwright.reliability.figures import (
    IN_SERVICE,
    PART_NAMES,
    AssetParts,
    Parts,
    parts_from_ints,
    raw_parts,
    time_in_service_ms,
)
from plantwright.reliability.models import AggregatedMonths, AssetChange, AssetMonth, SiteMonth
from plantwright.reliability.periods import Period, Scope
from plantwright.reliability.registry import stamp, stored_parts

# Each stored part, its column and the power of ten its column counts in (the registry's): the sums
# of exact integers (milliseconds, hundredths of hours, ten-thousandths of money) are several times
# faster than of numerics, and exactly what the history holds.
COLUMNS = [(part.name, part.column, part.scale or 0) for part in stored_parts()]
# Beyond this many changed assets, rebuilding the whole site is cheaper than a list of ids.
WHOLE_SITE_FROM = 1000
CHUNK = 5000


def parts_by_asset(scope: Scope, period: Period) -> AssetParts:
    """Each asset's parts over the period (assets with nothing in it are left out)."""
    result = AssetParts()
    whole, edges = _split(scope, period)
    if whole is not None:
        first, end = whole
        result.add_rows(_between(scope, _month_before(first), _month_before(end)))
    for (asset_id, _n), parts in raw_parts(scope, edges).items():
        result.add_parts(asset_id, parts)
    for asset_id, milliseconds in time_in_service_ms(scope, period):
        result.add_part(asset_id, IN_SERVICE, milliseconds)
    return result


def parts_by_month(scope: Scope, period: Period) -> list[tuple[Period, Parts]]:
    """The scope's parts in each month the period touches (cut to the period), without time in service."""
    months = period.months()
    result = [(month, Parts()) for month in months]
    index = {month.day_from.replace(day=1): n for n, month in enumerate(months)}
    whole, edges = _split(scope, period)
    if whole is not None:
        first, end = whole
        totals = {_date(month): _parts(sums) for month, *sums in _running_totals(scope, _month_before(first), end)}
        previous = totals.get(_month_before(first), Parts())
        month = first
        while month < end:
            current = totals.get(month, Parts())
            result[index[month]][1].absorb(current).absorb(-previous)
            previous, month = current, _next_month(month)
    edge_months = [month for edge in edges for month in edge.months()]
    for (_asset_id, n), parts in raw_parts(scope, edge_months).items():
        result[index[edge_months[n].day_from.replace(day=1)]][1].absorb(parts)
    return result


def refresh(site: Site, first: date | None = None, end: date | None = None, *, backwards: bool = False) -> date | None:
    """Bring the site's rows up to date with its history; build them for [first, end) if there are
    none yet, else extend them forward to `end` (and back to `first` with `backwards`). Returns the
    first month they hold (None: none)."""
    grace = grace_days(site)
    state = AggregatedMonths.objects.filter(site=site).first()
    if (
        state is not None
        and (state.timezone, state.grace_days, state.definitions) == (site.timezone, grace, stamp())
        and state.first_month is not None
        and (not backwards or first is None or state.first_month <= first)
        and (end is None or end <= state.end_month)
        and not _changes(site).exists()
    ):
        return state.first_month
    with transaction.atomic():
        definitions = stamp()
        AggregatedMonths.objects.get_or_create(
            site=site, defaults={"timezone": site.timezone, "grace_days": grace, "definitions": definitions}
        )
        state = AggregatedMonths.objects.select_for_update().get(site=site)
        changes = list(_changes(site).values_list("pk", "asset_id", "since"))
        if (state.timezone, state.grace_days, state.definitions) != (site.timezone, grace, definitions):
            state.first_month = state.end_month = None
            state.timezone, state.grace_days, state.definitions = site.timezone, grace, definitions
        if state.first_month is None or (backwards and first is not None and first < state.first_month):
            first = min((d for d in (first, state.first_month) if d is not None), default=None)
            end = max((d for d in (end, state.end_month) if d is not None), default=None)
            AssetMonth.objects.filter(site=site).delete()
            SiteMonth.objects.filter(site=site).delete()
            if first is not None and end is not None and first < end:
                _rebuild(site, first, end)
                state.first_month, state.end_month = first, end
        else:
            assets = {asset_id for _pk, asset_id, _since in changes}
            if assets:
                days = [since for _pk, _asset_id, since in changes]
                # From the earliest month a change touches: running totals before it stand.
                since = state.first_month if None in days else max(state.first_month, min(days).replace(day=1))
                _rebuild(site, since, state.end_month, assets if len(assets) < WHOLE_SITE_FROM else None)
            if end is not None and state.end_month < end:
                _rebuild(site, state.end_month, end)  # the new months, going on from the last one
                state.end_month = end
        ids = [pk for pk, _asset_id, _since in changes]
        for start in range(0, len(ids), CHUNK):
            AssetChange.objects.filter(pk__in=ids[start : start + CHUNK]).delete()
        state.refreshed_at = timezone.now()
        state.save()
        return state.first_month


_recent_enough: ContextVar[bool] = ContextVar("recent_enough", default=False)


@contextmanager
def recent_enough():
    """Within it, reads may take the months as the worker last refreshed them (`_readable`): for pages
    a person looks at, which say as of when. The API and exports stay exact."""
    token = _recent_enough.set(True)
    try:
        yield
    finally:
        _recent_enough.reset(token)


def _readable(site: Site, first: date, end: date) -> date | None:
    """The first month the site's rows hold, ready to read [first, end). Inside `recent_enough`, rows
    the worker refreshed less than RELIABILITY_STALE_SECONDS ago are read as they are, changes since or
    not: under a steady stream of bookings no page then writes or waits for the site's lock. Otherwise
    (or the worker is behind, or stopped) they are brought up to date here first: exact."""
    window = settings.RELIABILITY_STALE_SECONDS
    if window > 0 and _recent_enough.get():
        state = AggregatedMonths.objects.filter(site=site).first()
        if (
            state is not None
            and state.refreshed_at is not None
            and state.first_month is not None
            and end <= state.end_month
            and timezone.now() - state.refreshed_at < timedelta(seconds=window)
            and (state.timezone, state.grace_days, state.definitions) == (site.timezone, grace_days(site), stamp())
        ):
            return state.first_month
    return refresh(site, first, end)


def as_of(site_ids) -> datetime | None:
    """When the months read for these sites were last refreshed, if changes have come in since (None:
    they hold every change). One query."""
    pending = AssetChange.objects.filter(
        asset_id__in=Asset.objects.filter(site_id=OuterRef(OuterRef("site_id"))).values("pk")
    )
    rows = (
        AggregatedMonths.objects.filter(site_id__in=site_ids)
        .annotate(pending=Exists(pending))
        .values_list("refreshed_at", "pending")
    )
    behind = [refreshed for refreshed, waiting in rows if waiting and refreshed is not None]
    return min(behind) if behind else None


def refresh_changed() -> str:
    """The worker's frequent job: the sites with changes brought up to date (nothing else: extending
    the months is `refresh_all`'s). Keeps what readers see within seconds of the history."""
    sites = Site.objects.filter(
        pk__in=Asset.objects.filter(pk__in=AssetChange.objects.values("asset_id")).values("site_id")
    )
    refreshed = [site.code for site in sites if AggregatedMonths.objects.filter(site=site).exists() and refresh(site)]
    return ", ".join(refreshed)


def refresh_all() -> None:
    """The worker's periodic job: every site's rows up to date, from its first WO's month to the
    current month."""
    for site in Site.objects.all():
        first = WorkOrder.objects.filter(site=site).aggregate(created=Min("created_at"), down=Min("down_since"))
        moments = [moment for moment in first.values() if moment is not None]
        if moments:
            first_month = site.local_date(min(moments)).replace(day=1)
            refresh(site, first_month, _next_month(site.local_date()), backwards=True)
    # Changes of assets deleted since (their rows went with them).
    AssetChange.objects.exclude(asset_id__in=Asset.objects.values("pk")).delete()


def _split(scope: Scope, period: Period) -> tuple[tuple[date, date] | None, list[Period]]:
    """The whole months [first, end) to read from the running totals (refreshed first) and the edges
    to compute raw."""
    sites = list(Site.objects.filter(pk__in=scope.site_ids))
    first = period.day_from if period.day_from.day == 1 else _next_month(period.day_from)
    end = period.day_to.replace(day=1)
    if sites:
        end = min(end, *(_next_month(site.local_date()) for site in sites))
    if first >= end or not sites or any(site.timezone != period.zone for site in sites):
        return None, [period]
    built = [_readable(site, first, end) for site in sites]
    first = max(first, *(month or end for month in built))
    if first >= end:
        return None, [period]
    edges = []
    if period.day_from < first:
        edges.append(Period.of(period.day_from, first, period.zone))
    if end < period.day_to:
        edges.append(Period.of(end, period.day_to, period.zone))
    return (first, end), edges


def _rows(scope: Scope):
    rows = AssetMonth.objects.filter(site_id__in=scope.site_ids)
    if scope.asset_ids is not None:
        rows = rows.filter(asset_id__in=scope.asset_ids)
    return rows.order_by()


# Cast: PostgreSQL sums bigints as numerics (Decimals); these are integers whatever the column.
SUMMED = ", ".join(f"CAST(SUM({column}) AS BIGINT)" for _part, column, _scale in COLUMNS)
# One integer per part of `Parts`, in its order (0 for a part not stored: time in service): the
# later month's row less the earlier one's.
_STORED = {part: column for part, column, _scale in COLUMNS}
_TABLE = AssetMonth._meta.db_table
DIFFERENCE = ", ".join(
    f'"{_TABLE}".{_STORED[name]} - COALESCE(earlier.{_STORED[name]}, 0)' if name in _STORED else "0"
    for name in PART_NAMES
)


def _between(scope: Scope, before: date, last: date) -> list[tuple]:
    """(asset id, its totals through `last` minus those through `before`, one integer per part of
    `Parts`) for the scope's assets, fetched as plain tuples (Django's per-value converters would cost
    more than the query). An asset's rows run without a gap from its first month to the last one
    built, so every asset with totals through `before` has a row of `last`: a join of two rows, half
    the time of grouping them."""
    sql, params = _rows(scope).filter(month=last).values_list("asset_id").query.sql_with_params()
    where = sql.index(" WHERE ")
    sql = (
        f'SELECT "{_TABLE}".asset_id, {DIFFERENCE} FROM "{_TABLE}" LEFT JOIN "{_TABLE}" earlier'
        f' ON earlier.asset_id = "{_TABLE}".asset_id AND earlier.site_id = "{_TABLE}".site_id'
        f" AND earlier.month = %s{sql[where:]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datefield_value(before), *params])
        return cursor.fetchall()


def _running_totals(scope: Scope, first: date, end: date) -> list[tuple]:
    """(month, the scope's running totals through it) for the months [first, end): from the sites'
    rows for whole sites, else summed over the scope's assets."""
    if scope.asset_ids is None:
        rows = SiteMonth.objects.filter(site_id__in=scope.site_ids, month__gte=first, month__lt=end).order_by()
        return _grouped(rows, "month", SUMMED, [])
    return _grouped(_rows(scope).filter(month__gte=first, month__lt=end), "month", SUMMED, [])


def _grouped(rows, key: str, sums: str, sums_params: list) -> list[tuple]:
    """SELECT key, sums ... GROUP BY key over the rows of a filtered queryset (its WHERE, as Django
    writes it)."""
    sql, params = rows.values_list("pk").query.sql_with_params()
    table = connection.ops.quote_name(rows.model._meta.db_table)
    column = f"{table}.{connection.ops.quote_name(key)}"
    sql = f"SELECT {column}, {sums} {sql[sql.index(' FROM ') :]} GROUP BY {column}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*sums_params, *params])
        return cursor.fetchall()


# For each part of `Parts`, in order: the position of its column in COLUMNS (None: not stored).
_POSITIONS = [next((n for n, (name, _c, _s) in enumerate(COLUMNS) if name == part), None) for part in PART_NAMES]


def _parts(sums) -> Parts:
    """Parts from a row of integers in the order of COLUMNS."""
    return parts_from_ints([0 if n is None else sums[n] for n in _POSITIONS])


def _stored_values(parts: Parts) -> dict:
    return {
        column: int(getattr(parts, part).scaleb(scale).to_integral_value()) if scale else getattr(parts, part)
        for part, column, scale in COLUMNS
    }


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)  # SQLite gives the text


def _changes(site: Site):
    return AssetChange.objects.filter(asset_id__in=Asset.objects.filter(site=site).values("pk"))


def _rebuild(site: Site, first: date, end: date, assets: set[int] | None = None) -> None:
    """Write again the running totals over [first, end) of the site's assets (all, or some) from the
    history, going on from their totals of the month before `first`."""
    rows = AssetMonth.objects.filter(site=site)
    if assets is not None:
        rows = rows.filter(asset_id__in=assets)
    columns = [column for _part, column, _scale in COLUMNS]
    before = rows.filter(month=_month_before(first)).order_by()
    carried = {asset_id: _parts(sums) for asset_id, *sums in before.values_list("asset_id", *columns)}
    rows.filter(month__gte=first).delete()
    _write(site, first, end, assets, carried)
    _write_site_totals(site, first)


_COLUMN_LIST = ", ".join(column for _part, column, _scale in COLUMNS)


def _write_site_totals(site: Site, first: date) -> None:
    """The site's rows from `first` on, summed again from its assets' (a month a change does not
    reach keeps its row)."""
    SiteMonth.objects.filter(site=site, month__gte=first).delete()
    sql = (
        f'INSERT INTO "{SiteMonth._meta.db_table}" (site_id, month, {_COLUMN_LIST}) '
        f'SELECT site_id, month, {SUMMED} FROM "{_TABLE}" WHERE site_id = %s AND month >= %s GROUP BY site_id, month'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [site.pk, connection.ops.adapt_datefield_value(first)])


def _write(site: Site, first: date, end: date, assets: set[int] | None, carried: dict[int, Parts]) -> None:
    """Rows of running totals for [first, end), each asset's from its first month with something in it
    (or from `first` when it carries totals from before)."""
    months = Period.of(first, end, site.timezone).months()
    scope = Scope((site.pk,), tuple(sorted(assets)) if assets is not None else None)
    by_asset: dict[int, dict[int, Parts]] = {}
    for (asset_id, n), parts in raw_parts(scope, months).items():
        by_asset.setdefault(asset_id, {})[n] = parts
    rows = []
    for asset_id in by_asset.keys() | carried.keys():
        running, found = carried.get(asset_id), by_asset.get(asset_id, {})
        for n, month in enumerate(months):
            if n in found:
                running = found[n] + running if running is not None else found[n]
            if running is not None:
                rows.append(AssetMonth(site=site, asset_id=asset_id, month=month.day_from, **_stored_values(running)))
    # Month by month: a month's rows then lie together on disk, and a read of two months touches
    # few pages (7,500 → ~1,000 heap pages for a 10,000-asset site).
    rows.sort(key=lambda row: (row.month, row.asset_id))
    for start in range(0, len(rows), CHUNK):
        insert_new(AssetMonth, rows[start : start + CHUNK])


def _month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)
