"""The parts requests panel on the WO page: what was asked, what is on order, what it has cost."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm
from plantwright.core.panels import Panel, register_panel
from plantwright.maintenance.models import OPEN_STATUSES
from plantwright.procurement import selectors


def _work_order_requests(request, work_order) -> dict:
    requests = selectors.work_order_parts_requests(work_order)
    lines = [line for parts_request in requests for line in parts_request.lines.all()]
    return {
        "requests": requests,
        "committed": sum((line.committed for line in lines), 0),
        "received": sum((line.received_value for line in lines), 0),
        "invoiced": sum((line.invoiced_amount for line in lines), 0),
        "hours_by_po_line": selectors.contractor_hours_by_po_line(work_order),
        "can_request": has_perm(request.user, Perm.REQUEST_PARTS, work_order.site_id)
        and work_order.status in OPEN_STATUSES,
        "can_approve": has_perm(request.user, Perm.APPROVE_PARTS_REQUESTS, work_order.site_id),
        "new_url": reverse("parts-request-new", args=[work_order.pk]),
    }


def _waiting_for_parts(request, _record) -> dict:
    """Open WOs whose parts are asked for and not yet all here, the longest waiting first."""
    waiting = list(selectors.waiting_for_parts(request.user))
    return {"waiting": waiting}


def register() -> None:
    register_panel("home-planner", Panel(_("Waiting for parts"), "procurement/partials/home_waiting.html",
                                         _waiting_for_parts))  # fmt: skip
    register_panel(
        "work_order",
        Panel(
            _("Parts requests and POs"), "procurement/partials/work_order_requests.html", _work_order_requests, order=30
        ),
    )
