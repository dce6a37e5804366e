"""Reads of stops, events and rules."""

from django.db.models import Q, QuerySet

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import restrict_to_sites
from plantwright.downtime.models import DowntimeEvent, DowntimeRule, DowntimeStop


def list_stops(
    user: User,
    *,
    site_id: int | None = None,
    asset_id: int | None = None,
    asset_code: str = "",
    category: str = "",
    with_work_order: bool | None = None,
) -> QuerySet[DowntimeStop]:
    stops = restrict_to_sites(DowntimeStop.objects.select_related("asset", "work_order"), user)
    if site_id is not None:
        stops = stops.filter(site_id=site_id)
    if asset_id is not None:
        stops = stops.filter(asset_id=asset_id)
    if asset_code:
        stops = stops.filter(asset__code__icontains=asset_code)
    if category:
        stops = stops.filter(category=category)
    if with_work_order is not None:
        stops = stops.filter(work_order__isnull=not with_work_order)
    return stops.order_by("-started_at", "-id")


def list_rejected_events(user: User) -> QuerySet[DowntimeEvent]:
    """Refused events of the user's sites; those whose site is unknown only for installation admins."""
    return list_events(user, status=DowntimeEvent.Status.REJECTED)


def list_events(
    user: User, *, status: str | None = None, site_id: int | None = None, event_id: str | None = None
) -> QuerySet[DowntimeEvent]:
    """Events as stored, of the sites where the user keeps the downtime rules (installation admins: all,
    also those whose site was unknown), newest first."""
    events = DowntimeEvent.objects.all()
    if not user.is_superuser:
        events = restrict_to_sites(events, user, Perm.MANAGE_DOWNTIME_RULES)
    if status is not None:
        events = events.filter(status=status)
    if site_id is not None:
        events = events.filter(site_id=site_id)
    if event_id is not None:
        events = events.filter(event_id=event_id)
    return events.select_related("site").order_by("-received_at", "-id")


def list_rules(user: User, site_id: int) -> QuerySet[DowntimeRule]:
    return restrict_to_sites(DowntimeRule.objects.filter(site_id=site_id), user).order_by("position", "id")


def timeline(asset_id: int, *, start, end) -> list[dict]:
    """The asset's stops overlapping [start, end), as fractions of the span for an SVG bar chart."""
    span = (end - start).total_seconds()
    stops = DowntimeStop.objects.filter(asset_id=asset_id, started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )
    bars = []
    for stop in stops.select_related("work_order").order_by("started_at"):
        left = max(stop.started_at, start)
        right = min(stop.ended_at or end, end)
        bars.append(
            {
                "stop": stop,
                "x": round(100 * (left - start).total_seconds() / span, 3),
                # Keep even a one-minute stop visible at this scale.
                "width": max(round(100 * (right - left).total_seconds() / span, 3), 0.15),
            }
        )
    return bars


def downtime_minutes_by_category(asset_id: int, *, start, end) -> list[dict]:
    """Minutes of ended stops per category in the period (clipped to it), in SQL."""
    from django.db.models import DurationField, ExpressionWrapper, F, Sum, Value
    from django.db.models.functions import Greatest, Least

    clipped = ExpressionWrapper(
        Least(F("ended_at"), Value(end)) - Greatest(F("started_at"), Value(start)), output_field=DurationField()
    )
    rows = (
        DowntimeStop.objects.filter(asset_id=asset_id, ended_at__isnull=False, started_at__lt=end, ended_at__gt=start)
        .values("category")
        .annotate(total=Sum(clipped))
        .order_by("-total")
    )
    return [{"category": row["category"], "minutes": round(row["total"].total_seconds() / 60)} for row in rows]
