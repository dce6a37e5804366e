"""The reliability page: a site's KPIs for a period, each with its formula, and the worst assets."""

from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from plantwright.assets.models import Asset
from plantwright.reliability.audit import integrity_findings
from plantwright.reliability.kpis import failure_work_orders, kpis, worst_by_downtime
from plantwright.web import chosen_site, paginate

WORST = 10


def _day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _period(request: HttpRequest, site) -> tuple[date, date, datetime, datetime]:
    """[from, to) from the query (the last year up to today by default), as days and as UTC instants."""
    day_to = _day(request.GET.get("to"), site.local_date() + timedelta(days=1))
    day_from = _day(request.GET.get("from"), day_to - timedelta(days=365))
    if day_from >= day_to:
        day_from = day_to - timedelta(days=1)
    return day_from, day_to, *(datetime.combine(d, time.min, tzinfo=UTC) for d in (day_from, day_to))


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    site, sites = chosen_site(request)
    if site is None:
        return render(request, "reliability/dashboard.html", {"site": None})
    day_from, day_to, start, end = _period(request, site)
    asset_ids = list(Asset.objects.filter(site=site).values_list("pk", flat=True))
    figures = kpis(asset_ids, start=start, end=end)
    worst = worst_by_downtime(asset_ids, start=start, end=end, limit=WORST)
    peak = worst[0][1] if worst else 1
    return render(
        request,
        "reliability/dashboard.html",
        {
            "site": site,
            "sites": sites,
            "day_from": day_from,
            "day_to": day_to,
            "k": figures,
            "worst": [{"asset": a, "hours": h, "width": float(h / peak) * 100} for a, h in worst],
        },
    )


@login_required
def failures(request: HttpRequest) -> HttpResponse:
    """The exact WOs behind the failure figures of the page: failure WOs (not cancelled) down in the
    period, and those of earlier periods still down or restored inside it (their downtime counts)."""
    site, _sites = chosen_site(request)
    if site is None:
        return render(request, "reliability/failures.html", {"site": None})
    day_from, day_to, start, end = _period(request, site)
    rows = failure_work_orders(site, start=start, end=end)
    return render(
        request,
        "reliability/failures.html",
        {"site": site, "day_from": day_from, "day_to": day_to, "start": start, "page": paginate(request, rows)},
    )


# The pages a finding's records open (records of kinds without a page are shown as text).
RECORD_PAGES = {
    "work_order": "work-order-detail",
    "purchase_order": "purchase-order-detail",
    "asset": "asset-detail",
}
AUDIT_SHOWN = 50


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """The data-integrity audit of a site: each rule with its count, how to fix, and its findings."""
    site, sites = chosen_site(request)
    if site is None:
        return render(request, "reliability/audit.html", {"site": None})
    results = integrity_findings([site.pk], limit=AUDIT_SHOWN)
    for result in results:
        for finding in result.findings:
            for record in finding["records"]:
                page = RECORD_PAGES.get(record["type"])
                record["url"] = reverse(page, args=[record["id"]]) if page else None
    groups: dict[str, list] = {}
    for result in results:
        groups.setdefault(result.rule.group, []).append(result)
    return render(
        request,
        "reliability/audit.html",
        {
            "site": site,
            "sites": sites,
            "groups": groups,
            "total": sum(r.count for r in results),
            "errors": sum(r.count for r in results if r.rule.severity == "error"),
            "shown": AUDIT_SHOWN,
        },
    )
