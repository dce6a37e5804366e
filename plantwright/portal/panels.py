"""The QR label on the asset page."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from plantwright.core.panels import Panel, register_panel
from plantwright.portal.labels import label_parts


def _label(request, asset) -> dict:
    sheet = reverse("location-labels", args=[asset.location_id]) if asset.location_id else None
    parts = label_parts(asset.location) if asset.location_id else 1
    return {
        "svg": reverse("asset-label", args=[asset.pk]),
        "sheet": sheet,
        "parts": [f"{sheet}?part={n}" for n in range(1, parts + 1)] if parts > 1 else [],
        "location": asset.location,
    }


def _print_label(request, work_order) -> dict:
    return {"src": reverse("asset-label", args=[work_order.asset_id])}


def register() -> None:
    register_panel("work-order-print-header", Panel("", "portal/partials/print_label.html", _print_label))
    register_panel("asset", Panel(_("QR label"), "portal/partials/asset_label.html", _label, order=90))
