"""The reliability page: a site's KPIs for a period, each with its formula, and the worst assets."""

from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from plantwright.accounts.selectors import list_sites
from plantwright.assets.models import Asset
from plantwright.maintenance.models import WorkOrder, WorkOrderStatus
from plantwright.reliability.kpis import HOUR, downtime_by_asset, kpis
from plantwright.web import paginate

WORST = 10


def _day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    sites = list_sites(request.user)
    chosen = request.GET.get("site", "")
    site = (sites.filter(pk=chosen).first() if chosen.isdigit() else None) or sites.first()
    if site is None:
        return render(request, "reliability/dashboard.html", {"site": None})
    today = site.local_date()
    day_to = _day(request.GET.get("to"), today + timedelta(days=1))
    day_from = _day(request.GET.get("from"), day_to - timedelta(days=365))
    if day_from >= day_to:
        day_from = day_to - timedelta(days=1)
    start, end = (datetime.combine(d, time.min, tzinfo=UTC) for d in (day_from, day_to))
    assets = {a.pk: a for a in Asset.objects.filter(site=site).only("id", "code", "name")}
    figures = kpis(list(assets), start=start, end=end)
    downtime = downtime_by_asset(list(assets), start=start, end=end)
    worst = sorted(((seconds / HOUR, assets[pk]) for pk, seconds in downtime.items() if seconds), reverse=True,
                   key=lambda row: row[0])[:WORST]  # fmt: skip
    peak = worst[0][0] if worst else 1
    return render(
        request,
        "reliability/dashboard.html",
        {
            "site": site,
            "sites": sites,
            "day_from": day_from,
            "day_to": day_to,
            "k": figures,
            "worst": [{"asset": a, "hours": h, "width": float(h / peak) * 100} for h, a in worst],
        },
    )


@login_required
def failures(request: HttpRequest) -> HttpResponse:
    """The exact WOs behind the failure figures of the page: failure WOs (not cancelled) down in the
    period, and those of earlier periods still down or restored inside it (their downtime counts)."""
    sites = list_sites(request.user)
    chosen = request.GET.get("site", "")
    site = (sites.filter(pk=chosen).first() if chosen.isdigit() else None) or sites.first()
    if site is None:
        return render(request, "reliability/failures.html", {"site": None})
    day_to = _day(request.GET.get("to"), site.local_date() + timedelta(days=1))
    day_from = _day(request.GET.get("from"), day_to - timedelta(days=365))
    start, end = (datetime.combine(d, time.min, tzinfo=UTC) for d in (day_from, day_to))
    rows = (
        WorkOrder.objects.filter(site=site, is_failure=True, down_since__lt=end)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .filter(Q(restored_at__isnull=True) | Q(restored_at__gt=start))
        .select_related("asset")
        .order_by("-down_since")
    )
    return render(
        request,
        "reliability/failures.html",
        {"site": site, "day_from": day_from, "day_to": day_to, "start": start, "page": paginate(request, rows)},
    )
