"""The parts panel on the WO page (inventory sits above maintenance, so it contributes the panel)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm
from plantwright.core.panels import Panel, register_panel
from plantwright.inventory import selectors
from plantwright.inventory.forms import IssueForm
from plantwright.maintenance.services.labor import TIME_BOOKING_STATUSES


def _work_order_parts(request, work_order) -> dict:
    can_issue = has_perm(request.user, Perm.ISSUE_PARTS, work_order.site_id)
    return {
        "issues": selectors.work_order_issues(work_order),
        "reservations": list(selectors.outstanding_reservations(work_order=work_order)),
        "issue_form": IssueForm(
            storerooms=selectors.list_storerooms(request.user, site_id=work_order.site_id),
            on_hand=selectors.on_hand_at_site(work_order.site_id),
            today=work_order.site.local_date(),
        )
        if can_issue and work_order.status in TIME_BOOKING_STATUSES
        else None,
        "can_return": can_issue,
        "issue_url": reverse("work-order-issue", args=[work_order.pk]),
        "return_url": reverse("work-order-return", args=[work_order.pk]),
    }


def _work_order_parts_to_print(request, work_order) -> dict:
    reservations = list(selectors.outstanding_reservations(work_order=work_order))
    issues = list(selectors.work_order_issues(work_order))
    return {"reservations": reservations, "issues": issues, "hidden": not (reservations or issues)}


def register() -> None:
    register_panel(
        "work_order_print",
        Panel(_("Parts"), "inventory/partials/work_order_parts_print.html", _work_order_parts_to_print, order=20),
    )
    register_panel(
        "work_order", Panel(_("Parts"), "inventory/partials/work_order_parts.html", _work_order_parts, order=20)
    )
