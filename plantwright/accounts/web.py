"""What every page needs from accounts: the menu the user gets, the site a page is about."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.roles import Perm, permissions_for
from plantwright.accounts.selectors import list_sites, roles_by_site


def permissions_anywhere(user) -> frozenset[Perm]:
    """What the user may do at one site or another (the roles already cached for the request)."""
    if user.is_superuser:
        return frozenset(Perm)
    return permissions_for({role for roles in roles_by_site(user).values() for role in roles})


@dataclass(frozen=True)
class Desk:
    """The work a person comes to do, which decides their home page and menu. One person may sit at
    several (a site administrator plans and manages)."""

    operator: bool  # raises requests and follows them, nothing more
    technician: bool  # does the work
    planner: bool  # triages requests, plans and schedules WOs
    manager: bool  # watches the figures and the exceptions


def desk_of(user) -> Desk:
    perms = permissions_anywhere(user)
    return Desk(
        operator=perms <= {Perm.VIEW, Perm.RAISE_REQUEST},
        technician=Perm.EXECUTE_WORK in perms and Perm.MANAGE_WORK_ORDERS not in perms,
        planner=Perm.MANAGE_WORK_ORDERS in perms,
        manager=Perm.MANAGE_RATES in perms,
    )


# The menu: each entry for whoever holds one of its permissions somewhere, in this order.
MENU = [
    ("work-order-list", _("Work orders"), {Perm.EXECUTE_WORK, Perm.MANAGE_WORK_ORDERS, Perm.ISSUE_PARTS}),
    ("my-time", _("My time"), {Perm.EXECUTE_WORK}),
    ("work-request-list", _("Requests"), {Perm.VIEW}),
    ("part-list", _("Parts"), {Perm.ISSUE_PARTS, Perm.MANAGE_INVENTORY, Perm.PURCHASE, Perm.REQUEST_PARTS}),
    ("purchasing-queue", _("Purchasing"), {Perm.PURCHASE}),
    ("pm-schedules", _("PM schedules"), {Perm.MANAGE_PM}),
    ("downtime-list", _("Downtime"), {Perm.MANAGE_WORK_ORDERS, Perm.MANAGE_DOWNTIME_RULES}),
    ("reliability-dashboard", _("Reliability"), {Perm.MANAGE_WORK_ORDERS}),
    ("asset-list", _("Assets"), {Perm.EXECUTE_WORK, Perm.MANAGE_ASSETS, Perm.ISSUE_PARTS}),
    ("site-list", _("Sites"), {Perm.MANAGE_LOCATIONS}),
]


def navigation(request: HttpRequest) -> dict:
    """Which menu entries the signed-in user gets."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"perms_nav": {}, "menu": []}
    perms = permissions_anywhere(user)
    return {
        "perms_nav": {"purchase": Perm.PURCHASE in perms, "integrations": Perm.MANAGE_INTEGRATIONS in perms},
        "menu": [(name, label) for name, label, needs in MENU if needs & perms],
    }


def chosen_site(request: HttpRequest):
    """(the site the page is about: `?site=` if the user may see it, else their first; all their sites)."""
    sites = list_sites(request.user)
    chosen = str(request.GET.get("site") or request.POST.get("site") or "")
    site = sites.filter(pk=chosen).first() if chosen.isdigit() else None
    return site or sites.first(), sites
