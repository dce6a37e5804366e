"""Reads of stops, events and rules."""

from django.db.models import QuerySet

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import restrict_to_sites
from plantwright.downtime.models import DowntimeEvent, DowntimeRule, DowntimeStop


def list_stops(user: User, *, site_id: int | None = None, asset_id: int | None = None) -> QuerySet[DowntimeStop]:
    stops = restrict_to_sites(DowntimeStop.objects.select_related("asset", "work_order"), user)
    if site_id is not None:
        stops = stops.filter(site_id=site_id)
    if asset_id is not None:
        stops = stops.filter(asset_id=asset_id)
    return stops.order_by("-started_at", "-id")


def list_rejected_events(user: User) -> QuerySet[DowntimeEvent]:
    """Refused events of the user's sites; those whose site is unknown only for installation admins."""
    events = DowntimeEvent.objects.filter(status=DowntimeEvent.Status.REJECTED)
    if not user.is_superuser:
        events = restrict_to_sites(events, user, Perm.MANAGE_DOWNTIME_RULES)
    return events.select_related("site").order_by("-received_at", "-id")


def list_rules(user: User, site_id: int) -> QuerySet[DowntimeRule]:
    return restrict_to_sites(DowntimeRule.objects.filter(site_id=site_id), user).order_by("position", "id")
