"""A period's KPI parts from pre-aggregated whole months plus its raw edges, equal to the history.

A year of a 10,000-asset plant is ~1.7 M cost lines, 0.4 M labor entries and 0.3 M WOs: summing
them for every dashboard takes seconds whatever the indexes. But every part is additive over time
(`figures.raw_parts`), so a period's parts are the sum of the `AssetMonth` rows of its whole months
plus its partial edge months, computed from the history. Time in service is always computed (it
needs only the assets).

How the rows stay equal to the history:
- Database triggers (migration 0002) append the asset to `AssetChange`, in the same transaction,
  whenever one of its WOs is created, deleted, or changes asset, status, type, failure times or
  completion, and whenever labor, contractor hours, a cost line or a PM occurrence of one of its
  WOs is written or deleted. No code path can forget it: bulk writes and COPY fire them too.
- Before reading a site's months, `refresh` rebuilds the changed assets' months and clears the
  changes it read, under a lock on the site's `AggregatedMonths` row (one refresher per site at a
  time). A change committed meanwhile stays for the next one. The worker refreshes every minute,
  so a reader seldom finds any.
- A site's months are built on first need, for the whole site, and rebuilt when the site's time
  zone or PM grace changes. Months are the site's calendar months: a period in another time zone,
  or months beyond next month, are computed raw.
"""

from dataclasses import fields
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Min, Sum
from django.utils import timezone

from plantwright.accounts.models import Site
from plantwright.assets.models import Asset
from plantwright.bulk import insert_new
from plantwright.maintenance.models import WorkOrder
from plantwright.pm.services import grace_days
from plantwright.reliability.figures import Parts, Period, Scope, raw_parts, time_in_service
from plantwright.reliability.models import AggregatedMonths, AssetChange, AssetMonth

STORED = [f.name for f in fields(Parts) if f.name != "in_service_seconds"]
# Beyond this many changed assets, rebuilding the whole site is cheaper than a list of ids.
WHOLE_SITE_FROM = 1000
CHUNK = 5000


def parts_by_asset(scope: Scope, period: Period) -> dict[int, Parts]:
    """Each asset's parts over the period (assets with nothing in it are left out)."""
    result: dict[int, Parts] = {}

    def add(asset_id: int, parts: Parts) -> None:
        result[asset_id] = result[asset_id] + parts if asset_id in result else parts

    whole, edges = _split(scope, period)
    if whole is not None:
        for row in _stored(scope, whole).values("asset_id").annotate(**_sums()):
            add(row.pop("asset_id"), _parts(row))
    for (asset_id, _n), parts in raw_parts(scope, edges).items():
        add(asset_id, parts)
    for asset_id, seconds in time_in_service(scope, period).items():
        add(asset_id, Parts(in_service_seconds=seconds))
    return result


def parts_by_month(scope: Scope, period: Period) -> list[tuple[Period, Parts]]:
    """The scope's parts in each month the period touches (cut to the period), without time in service."""
    months = period.months()
    result = [(month, Parts()) for month in months]
    index = {month.day_from.replace(day=1): n for n, month in enumerate(months)}

    def add(day: date, parts: Parts) -> None:
        n = index[day.replace(day=1)]
        result[n] = (months[n], result[n][1] + parts)

    whole, edges = _split(scope, period)
    if whole is not None:
        for row in _stored(scope, whole).values("month").annotate(**_sums()):
            add(row.pop("month"), _parts(row))
    for (_asset_id, n), parts in raw_parts(scope, edges).items():
        add(edges[n].day_from, parts)
    return result


def refresh(site: Site, first: date | None = None, end: date | None = None) -> None:
    """Bring the site's months up to date with its history, and extend them to [first, end)."""
    grace = grace_days(site)
    state = AggregatedMonths.objects.filter(site=site).first()
    if (
        state is not None
        and (state.timezone, state.grace_days) == (site.timezone, grace)
        and (first is None or (state.first_month is not None and state.first_month <= first))
        and (end is None or (state.end_month is not None and end <= state.end_month))
        and not _changes(site).exists()
    ):
        return
    with transaction.atomic():
        AggregatedMonths.objects.get_or_create(site=site, defaults={"timezone": site.timezone, "grace_days": grace})
        state = AggregatedMonths.objects.select_for_update().get(site=site)
        changes = list(_changes(site).values_list("pk", "asset_id"))
        if (state.timezone, state.grace_days) != (site.timezone, grace):
            AssetMonth.objects.filter(site=site).delete()
            state.first_month = state.end_month = None
            state.timezone, state.grace_days = site.timezone, grace
        if state.first_month is not None and changes:
            assets = {asset_id for _pk, asset_id in changes}
            _rebuild(site, state.first_month, state.end_month, assets if len(assets) < WHOLE_SITE_FROM else None)
        first = min(d for d in (first, state.first_month) if d is not None) if first or state.first_month else None
        end = max(d for d in (end, state.end_month) if d is not None) if end or state.end_month else None
        if first is not None and end is not None:
            if state.first_month is None:
                _rebuild(site, first, end)
            else:
                if first < state.first_month:
                    _rebuild(site, first, state.first_month)
                if state.end_month < end:
                    _rebuild(site, state.end_month, end)
            state.first_month, state.end_month = first, end
        ids = [pk for pk, _asset_id in changes]
        for start in range(0, len(ids), CHUNK):
            AssetChange.objects.filter(pk__in=ids[start : start + CHUNK]).delete()
        state.refreshed_at = timezone.now()
        state.save()


def refresh_all() -> None:
    """The worker's periodic job: every site's months up to date, from its first WO's month (where
    most history lies; earlier months are read raw) to the current month."""
    for site in Site.objects.all():
        first = WorkOrder.objects.filter(site=site).aggregate(created=Min("created_at"), down=Min("down_since"))
        moments = [moment for moment in first.values() if moment is not None]
        if moments:
            refresh(site, site.local_date(min(moments)).replace(day=1), _next_month(site.local_date()))
    # Changes of assets deleted since (their months went with them).
    AssetChange.objects.exclude(asset_id__in=Asset.objects.values("pk")).delete()


def _split(scope: Scope, period: Period) -> tuple[tuple[date, date] | None, list[Period]]:
    """The whole months [first, end) to read stored (refreshed first) and the edges to compute raw."""
    sites = list(Site.objects.filter(pk__in=scope.site_ids))
    first = period.day_from if period.day_from.day == 1 else _next_month(period.day_from)
    end = period.day_to.replace(day=1)
    if sites:
        end = min(end, *(_next_month(site.local_date()) for site in sites))
    if first >= end or not sites or any(site.timezone != period.zone for site in sites):
        return None, [period]
    for site in sites:
        refresh(site, first, end)
    edges = []
    if period.day_from < first:
        edges.append(Period.of(period.day_from, first, period.zone))
    if end < period.day_to:
        edges.append(Period.of(end, period.day_to, period.zone))
    return (first, end), edges


def _stored(scope: Scope, whole: tuple[date, date]):
    rows = AssetMonth.objects.filter(site_id__in=scope.site_ids, month__gte=whole[0], month__lt=whole[1])
    if scope.asset_ids is not None:
        rows = rows.filter(asset_id__in=scope.asset_ids)
    return rows.order_by()


def _sums() -> dict[str, Sum]:
    return {name: Sum(name) for name in STORED}


def _parts(row: dict) -> Parts:
    return Parts(**{name: type(getattr(Parts, name))(row[name] or 0) for name in STORED})


def _stored_values(parts: Parts) -> dict:
    return {name: getattr(parts, name) for name in STORED}


def _changes(site: Site):
    return AssetChange.objects.filter(asset_id__in=Asset.objects.filter(site=site).values("pk"))


def _rebuild(site: Site, first: date, end: date, assets: set[int] | None = None) -> None:
    """Compute the months [first, end) of the site's assets (all, or some) from the history."""
    months = Period.of(first, end, site.timezone).months()
    stale = AssetMonth.objects.filter(site=site, month__gte=first, month__lt=end)
    if assets is not None:
        stale = stale.filter(asset_id__in=assets)
    stale.delete()
    scope = Scope((site.pk,), tuple(sorted(assets)) if assets is not None else None)
    rows = [
        AssetMonth(
            site=site, asset_id=asset_id, month=months[n].day_from, **{name: getattr(parts, name) for name in STORED}
        )
        for (asset_id, n), parts in raw_parts(scope, months).items()
    ]
    for start in range(0, len(rows), CHUNK):
        insert_new(AssetMonth, rows[start : start + CHUNK])


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)
