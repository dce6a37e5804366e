"""What a figure is about: a scope of assets over a period of the site's days, and the bucketing of
history rows into the periods (months) of a trend."""

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from plantwright.assets.models import Asset

HOUR = Decimal(3600)
HOURS = Decimal("0.0001")
MONEY = Decimal("0.0001")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Period:
    """[start, end) as the site's calendar days and as the instants of their local midnights."""

    day_from: date
    day_to: date
    start: datetime
    end: datetime
    zone: str = "UTC"

    @classmethod
    def of(cls, day_from: date, day_to: date, zone_name: str = "UTC") -> "Period":
        try:
            zone = zoneinfo.ZoneInfo(zone_name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone, zone_name = zoneinfo.ZoneInfo("UTC"), "UTC"
        start, end = (datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC) for day in (day_from, day_to))
        return cls(day_from, day_to, start, end, zone_name)

    def months(self) -> list["Period"]:
        """The calendar months the period touches, each cut to the period."""
        result, first = [], self.day_from
        while first < self.day_to:
            last = min((first.replace(day=1) + timedelta(days=32)).replace(day=1), self.day_to)
            result.append(Period.of(first, last, self.zone))
            first = last
        return result


@dataclass(frozen=True)
class Scope:
    """Which assets the figures are about: every asset of some sites, or some of their assets."""

    site_ids: tuple[int, ...]
    asset_ids: tuple[int, ...] | None = None  # None: every asset of the sites

    @classmethod
    def of_assets(cls, asset_ids) -> "Scope":
        ids = tuple(asset_ids)
        sites = Asset.objects.filter(pk__in=ids).values_list("site_id", flat=True).distinct().order_by()
        return cls(tuple(sites), ids)

    def q(self, prefix: str = "") -> Q:
        """The filter of rows that carry the asset (`prefix` leads to the WO: `work_order__`)."""
        # Literal ids rather than a subquery: with them both databases walk the WO and ledger indexes.
        q = Q(**{f"{prefix}site_id__in": self.site_ids})
        if self.asset_ids is not None:
            q &= Q(**{f"{prefix}asset_id__in": self.asset_ids})
        return q

    def assets(self) -> QuerySet[Asset]:
        assets = Asset.objects.filter(site_id__in=self.site_ids)
        return assets if self.asset_ids is None else assets.filter(pk__in=self.asset_ids)


def in_buckets(rows: QuerySet, field: str, buckets: list[Period]) -> QuerySet:
    """The rows whose `field` falls in the buckets' range, each annotated with its bucket's index `n`
    (None in a gap between buckets): a date field by the site's days, a time by the instants."""
    model = rows.model
    for step in field.split("__")[:-1]:
        model = model._meta.get_field(step).related_model
    dates = model._meta.get_field(field.split("__")[-1]).get_internal_type() == "DateField"
    bounds = [(b.day_from, b.day_to) if dates else (b.start, b.end) for b in buckets]
    index = Case(
        *(When(**{f"{field}__gte": lo, f"{field}__lt": hi}, then=Value(n)) for n, (lo, hi) in enumerate(bounds)),
        output_field=IntegerField(),
    )
    return rows.filter(**{f"{field}__gte": bounds[0][0], f"{field}__lt": bounds[-1][1]}).annotate(n=index).order_by()


def exact_seconds(value) -> Decimal:
    """A summed duration as seconds to the microsecond, as both databases sum them (0 for none)."""
    return ZERO if value is None else Decimal(value // timedelta(microseconds=1)).scaleb(-6)


def seconds(value) -> Decimal:
    """A summed duration as seconds to the millisecond (0 for none)."""
    if value is None:
        return ZERO
    # SQLite sums durations as float microseconds: whole milliseconds are the precision kept.
    return Decimal(str(round(value.total_seconds(), 3)))
