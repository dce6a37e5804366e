"""What the outbox adds to lower apps' pages: the Sites page's link to a site's event subscriptions."""

from django.urls import reverse

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm
from plantwright.core.panels import Panel, register_panel


def _site_subscriptions(request, site) -> dict:
    if not has_perm(request.user, Perm.MANAGE_INTEGRATIONS, site.pk):
        return {"hidden": True}
    return {"url": reverse("event-subscriptions", args=[site.pk])}


def register() -> None:
    register_panel("site-links", Panel("", "outbox/partials/site_link.html", _site_subscriptions, order=40))
