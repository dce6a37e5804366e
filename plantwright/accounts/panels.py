"""The Sites page's link to a site's sign-in groups (for those who manage its people)."""

from django.urls import reverse

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm
from plantwright.core.panels import Panel, register_panel


def _site_sign_in_groups(request, site) -> dict:
    if not has_perm(request.user, Perm.MANAGE_PEOPLE, site.pk):
        return {"hidden": True}
    return {"url": reverse("sign-in-groups", args=[site.pk])}


def register() -> None:
    register_panel("site-links", Panel("", "accounts/partials/site_link.html", _site_sign_in_groups, order=30))
