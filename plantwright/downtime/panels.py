"""Downtime on the asset page (a timeline) and on the WO page (the stops behind the WO)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plantwright.core.panels import Panel, register_panel
from plantwright.downtime import selectors
from plantwright.downtime.models import Category

TIMELINE_DAYS = 14


def _asset_downtime(request, asset) -> dict:
    end = timezone.now()
    start = end - timedelta(days=TIMELINE_DAYS)
    return {
        "bars": selectors.timeline(asset.pk, start=start, end=end),
        "by_category": selectors.downtime_minutes_by_category(asset.pk, start=start, end=end),
        "days": TIMELINE_DAYS,
        "start": start,
        "end": end,
        "labels": dict(Category.choices),
    }


def _work_order_stops(request, work_order) -> dict:
    stops = list(work_order.downtime_stops.order_by("started_at"))
    return {"stops": stops, "hidden": not stops}  # only WOs opened by downtime have stops


def _site_rules(request, site) -> dict:
    return {"url": reverse("downtime-rules", args=[site.pk])}


def register() -> None:
    register_panel("site-links", Panel("", "downtime/partials/site_link.html", _site_rules, order=20))
    register_panel("asset", Panel(_("Downtime"), "downtime/partials/asset_timeline.html", _asset_downtime, order=15))
    register_panel(
        "work_order",
        Panel(_("Downtime behind this WO"), "downtime/partials/work_order_stops.html", _work_order_stops, order=5),
    )
