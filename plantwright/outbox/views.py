"""The outbox page: messages waiting, delivered and dead-lettered, with retry and cancel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import site_ids_with
from plantwright.core.errors import DomainError, PermissionDenied
from plantwright.core.http.pages import next_page, paginate
from plantwright.outbox import selectors, services
from plantwright.outbox.models import OutboxStatus


def _check(user) -> None:
    allowed = site_ids_with(user, Perm.MANAGE_INTEGRATIONS)
    if allowed is not None and not allowed:
        raise PermissionDenied("The outbox is for administrators.")


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    _check(request.user)
    status = request.GET.get("status") or None
    if status not in OutboxStatus.values:
        status = None
    context = {
        "page": paginate(request, selectors.list_messages(request.user, status=status)),
        "status": status,
        "counts": selectors.status_counts(request.user),
        "statuses": OutboxStatus.choices,
    }
    return render(request, "outbox/outbox.html", context)


def _act(request: HttpRequest, message_id: int, action, done: str) -> HttpResponse:
    message = selectors.get_message(request.user, message_id)
    try:
        action(request.user, message)
        messages.success(request, done.format(id=message.pk))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(next_page(request, "outbox"))


@login_required
@require_POST
def outbox_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    return _act(request, message_id, services.retry, _("Message {id} queued again."))


@login_required
@require_POST
def outbox_cancel(request: HttpRequest, message_id: int) -> HttpResponse:
    return _act(request, message_id, services.cancel, _("Message {id} cancelled."))
