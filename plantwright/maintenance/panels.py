"""What maintenance shows on other apps' pages."""

from plantwright.maintenance import selectors
from plantwright.panels import Panel, register_panel


def _asset_work(request, asset) -> dict:
    return {
        "work_orders": selectors.list_work_orders(request.user, asset_id=asset.pk)[:15],
        "requests": selectors.list_work_requests(request.user, asset_id=asset.pk, status="new")[:15],
    }


def register() -> None:
    register_panel("asset", Panel("Work on this asset", "maintenance/partials/asset_panel.html", _asset_work, order=10))
