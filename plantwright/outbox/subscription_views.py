"""The event subscriptions page of a site (docs/webhooks.md): what the API does, for a site
administrator without a script — subscribe a URL to event types, see the secret once, pause, rotate,
unsubscribe, and read the delivery log."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, get_site
from plantwright.core.errors import DomainError
from plantwright.core.http.pages import paginate
from plantwright.outbox import subscriptions
from plantwright.outbox.events import EVENT_TYPES, deliveries


class SubscriptionForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Who listens"))
    url = forms.URLField(max_length=500, label=_("URL"), assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=lambda: list(EVENT_TYPES.items()), widget=forms.CheckboxSelectMultiple, label=_("Events")
    )


def _page(request: HttpRequest, site, *, form=None, secret=None, status: int = 200) -> HttpResponse:
    found = list(subscriptions.list_subscriptions(request.user, site.pk))
    for subscription in found:  # the reader's words for the types (the codes are the API's)
        subscription.labels = [EVENT_TYPES[name] for name in subscription.event_types if name in EVENT_TYPES]
    context = {
        "site": site,
        "subscriptions": found,
        "form": form or SubscriptionForm(),
        "secret": secret,
    }
    return render(request, "outbox/event_subscriptions.html", context, status=status)


@login_required
def event_subscriptions(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_site(request.user, site_id)
    authorize(request.user, Perm.MANAGE_INTEGRATIONS, site.pk)
    if request.method != "POST":
        return _page(request, site)
    form = SubscriptionForm(request.POST)
    if not form.is_valid():
        return _page(request, site, form=form, status=422)
    try:
        made = subscriptions.subscribe(request.user, site, **form.cleaned_data)
    except DomainError as exc:
        form.add_error(exc.details.get("field") if exc.details.get("field") in form.fields else None, exc.message)
        return _page(request, site, form=form, status=exc.status)
    return _page(request, site, secret=made, status=201)


def _subscription(request: HttpRequest, subscription_id: int):
    return subscriptions.get_subscription(request.user, subscription_id)


@login_required
@require_POST
def event_subscription_active(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    subscriptions.change_subscription(request.user, subscription, {"active": not subscription.active})
    messages.success(request, _("Resumed.") if subscription.active else _("Paused: events are kept, not sent."))
    return redirect("event-subscriptions", subscription.site_id)


@login_required
@require_POST
def event_subscription_rotate(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = subscriptions.rotate_secret(request.user, _subscription(request, subscription_id))
    return _page(request, subscription.site, secret=subscription)


@login_required
@require_POST
def event_subscription_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    site_id = subscription.site_id
    subscriptions.unsubscribe(request.user, subscription)
    messages.success(request, _("Unsubscribed."))
    return redirect("event-subscriptions", site_id)


@login_required
def event_subscription_deliveries(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = _subscription(request, subscription_id)
    page = paginate(request, deliveries(subscription))
    return render(request, "outbox/event_deliveries.html", {"subscription": subscription, "page": page})
