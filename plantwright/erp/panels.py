"""What the ERP connectors show on other apps' pages."""

from django.urls import reverse

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm
from plantwright.core.panels import Panel, register_panel
from plantwright.erp import builtin


def _site_connector(request, site) -> dict:
    if not has_perm(request.user, Perm.MANAGE_INTEGRATIONS, site.pk):
        return {"hidden": True}
    return {"url": reverse("site-connector", args=[site.pk])}


def _builtin_purchasing(request, po) -> dict:
    """On a PO that Plantwright's built-in purchasing keeps: its buyers' actions and the PO text."""
    if po.source != builtin.source_for(po.site):
        return {"hidden": True}
    return {
        "can_buy": has_perm(request.user, Perm.PURCHASE, po.site_id),
        "lines": list(po.lines.all()),
        "text": builtin.purchase_order_text(po),
    }


def register() -> None:
    register_panel("site-links", Panel("", "erp/partials/site_link.html", _site_connector, order=30))
    register_panel("purchase-order", Panel("", "erp/partials/builtin_purchase_order.html", _builtin_purchasing))
