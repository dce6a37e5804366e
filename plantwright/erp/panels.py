"""What the ERP connectors show on other apps' pages."""

from decimal import Decimal

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
        "lines": [_with_defaults(line) for line in po.lines.all()],
        "text": builtin.purchase_order_text(po),
    }


def _with_defaults(line):
    """What the receipt and invoice forms start with: what is still open, so the usual full
    delivery and full invoice are one tap. An invoice covers what was received, or (a service paid
    without a receipt) what was ordered."""
    line.to_receive = max(line.quantity - line.received_quantity, 0)
    basis = line.received_quantity if line.received_quantity > 0 else line.quantity
    line.to_invoice = max(basis - line.invoiced_quantity, 0)
    line.to_invoice_amount = (line.to_invoice * line.unit_price).quantize(Decimal("0.01"))
    return line


def register() -> None:
    register_panel("site-links", Panel("", "erp/partials/site_link.html", _site_connector, order=30))
    register_panel("purchase-order", Panel("", "erp/partials/builtin_purchase_order.html", _builtin_purchasing))
