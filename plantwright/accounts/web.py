"""What every page needs from accounts: the menu the user gets, the site a page is about."""

from django.http import HttpRequest

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import list_sites, site_ids_with


def navigation(request: HttpRequest) -> dict:
    """Which menu entries the signed-in user gets (from the roles already cached for the request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"perms_nav": {}}

    def anywhere(perm: Perm) -> bool:
        allowed = site_ids_with(user, perm)
        return allowed is None or bool(allowed)

    return {"perms_nav": {"purchase": anywhere(Perm.PURCHASE), "integrations": anywhere(Perm.MANAGE_INTEGRATIONS)}}


def chosen_site(request: HttpRequest):
    """(the site the page is about: `?site=` if the user may see it, else their first; all their sites)."""
    sites = list_sites(request.user)
    chosen = str(request.GET.get("site") or request.POST.get("site") or "")
    site = sites.filter(pk=chosen).first() if chosen.isdigit() else None
    return site or sites.first(), sites
