"""The QR label on the asset page."""

from django.urls import reverse

from plantwright.panels import Panel, register_panel


def _label(request, asset) -> dict:
    return {
        "svg": reverse("asset-label", args=[asset.pk]),
        "sheet": reverse("location-labels", args=[asset.location_id]) if asset.location_id else None,
        "location": asset.location,
    }


def register() -> None:
    register_panel("asset", Panel("QR label", "portal/partials/asset_label.html", _label, order=90))
