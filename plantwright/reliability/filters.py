"""What every reliability page and KPI export is about, from a query dict: a site the user may see,
optionally a location and an asset class, and a period [from, to) in the site's days (the last
twelve whole months by default: read from the monthly aggregates, and every month in the charts
is a whole one)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site
from plantwright.accounts.selectors import list_sites
from plantwright.assets.models import AssetClass, Location
from plantwright.reliability.kpis import Period, Scope, site_scope


def _day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


@dataclass
class Filters:
    """What every reliability page is about: a site, optionally a location and an asset class, and
    a period [from, to) in the site's days (the last twelve whole months by default)."""

    site: Site
    sites: list[Site]
    location: Location | None
    asset_class: AssetClass | None
    period: Period
    scope: Scope
    locations: list[Location]
    classes: list[AssetClass]

    def params(self) -> dict[str, str]:
        params = {"site": str(self.site.pk), "from": str(self.period.day_from), "to": str(self.period.day_to)}
        if self.location:
            params["location"] = str(self.location.pk)
        if self.asset_class:
            params["class"] = str(self.asset_class.pk)
        return params

    def query(self, **extra) -> str:
        return urlencode({**self.params(), **extra})

    def presets(self) -> list[tuple[str, str, bool]]:
        """(label, query, chosen) of the usual periods at the site: the last twelve whole months, this
        year so far, this month so far."""
        today = self.site.local_date()
        month = today.replace(day=1)
        tomorrow = today + timedelta(days=1)
        periods = [
            (_("Last 12 months"), _months_back(month, 12), month),
            (_("This year"), today.replace(month=1, day=1), tomorrow),
            (_("This month"), month, tomorrow),
        ]
        chosen = (self.period.day_from, self.period.day_to)
        return [
            (label, self.query(**{"from": str(first), "to": str(end)}), chosen == (first, end))
            for label, first, end in periods
        ]


def _months_back(month: date, n: int) -> date:
    for _n in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def filters_for(user, params) -> Filters | None:
    sites = list(list_sites(user))
    chosen = str(params.get("site") or "")
    site = next((s for s in sites if str(s.pk) == chosen), sites[0] if sites else None)
    if site is None:
        return None
    this_month = site.local_date().replace(day=1)
    day_to = _day(params.get("to"), this_month)
    year_before = _months_back(day_to, 12) if day_to.day == 1 else day_to - timedelta(days=365)
    day_from = _day(params.get("from"), year_before)
    if day_from >= day_to:
        day_from = day_to - timedelta(days=1)
    locations = list(Location.objects.filter(site=site).order_by("code"))
    classes = list(AssetClass.objects.all())
    location = next((x for x in locations if str(x.pk) == params.get("location")), None)
    asset_class = next((x for x in classes if str(x.pk) == params.get("class")), None)
    return Filters(
        site=site,
        sites=sites,
        location=location,
        asset_class=asset_class,
        period=Period.of(day_from, day_to, site.timezone),
        scope=site_scope(site, location=location, asset_class=asset_class),
        locations=locations,
        classes=classes,
    )
