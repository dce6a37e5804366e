"""What reliability shows on other apps' pages: the background XLSX export of their lists, and the
manager's figures at a glance on the home page."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from plantwright.core.panels import Panel, register_panel


def _export(kind: str):
    def context(request, query) -> dict:
        return {"kind": kind, "query": query or ""}

    return context


def _at_a_glance(request, _record) -> dict:
    return {"url": reverse("reliability-at-a-glance")}


def register() -> None:
    xlsx = "reliability/partials/xlsx_button.html"
    register_panel("work-order-downloads", Panel("", xlsx, _export("work_orders")))
    register_panel("asset-ledger-downloads", Panel("", xlsx, _export("ledger")))
    glance = "reliability/partials/at_a_glance_slot.html"
    register_panel("home-manager", Panel(_("Figures at a glance"), glance, _at_a_glance))
