"""What maintenance shows on other apps' pages."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from plantwright.core.panels import Panel, register_panel
from plantwright.maintenance import selectors


def _asset_work(request, asset) -> dict:
    return {
        "work_orders": selectors.list_work_orders(request.user, asset_id=asset.pk)[:15],
        "requests": selectors.list_work_requests(request.user, asset_id=asset.pk, status="new")[:15],
    }


def _asset_cost(request, asset) -> dict:
    today = asset.site.local_date()
    year_ago = date(today.year - 1, today.month, 1)
    return {
        "currency": asset.site.currency,
        "year": selectors.asset_cost(asset.pk, date_from=year_ago),
        "own_year": selectors.asset_cost(asset.pk, date_from=year_ago, rollup=False),
        "months": selectors.asset_cost_by_month(asset.pk, date_from=year_ago),
        "ledger_query": f"asset={asset.pk}",
    }


def _report_problem(request, asset) -> dict:
    return {"url": f"{reverse('work-request-new')}?asset={asset.pk}"}


def _site_closed_periods(request, site) -> dict:
    return {"url": reverse("closed-periods", args=[site.pk])}


def register() -> None:
    register_panel("site-links", Panel("", "maintenance/partials/site_closed_periods.html", _site_closed_periods))
    register_panel("asset-actions", Panel("", "maintenance/partials/report_problem_action.html", _report_problem))
    register_panel(
        "asset", Panel(_("Work on this asset"), "maintenance/partials/asset_panel.html", _asset_work, order=10)
    )
    register_panel(
        "asset", Panel(_("Maintenance cost"), "maintenance/partials/asset_cost_panel.html", _asset_cost, order=20)
    )
