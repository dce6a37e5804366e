"""My notifications, and how I want to be told."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from plantwright.core.http.pages import paginate
from plantwright.notifications import services
from plantwright.notifications.models import Kind, Notification, Preference


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(user=request.user)
    return render(request, "notifications/inbox.html", {"page": paginate(request, notes)})


@login_required
@require_POST
def read(request: HttpRequest) -> HttpResponse:
    """Mark one (`id`) or all read; opening one goes to what it is about."""
    note_id = request.POST.get("id", "")
    if note_id.isdigit():
        services.mark_read(request.user, [int(note_id)])
        note = Notification.objects.filter(user=request.user, pk=int(note_id)).first()
        if note and note.link.startswith("/"):
            return redirect(note.link)
    else:
        services.mark_read(request.user)
    return redirect("notifications")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.set_preferences(
            request.user,
            {kind: (f"{kind}:app" in request.POST, f"{kind}:email" in request.POST) for kind in Kind.values},
        )
        return redirect("notification-preferences")
    chosen = {p.kind: p for p in Preference.objects.filter(user=request.user)}
    rows = [
        {"kind": kind, "label": label, "in_app": chosen[kind].in_app if kind in chosen else True,
         "email": chosen[kind].email if kind in chosen else True}
        for kind, label in Kind.choices
    ]  # fmt: skip
    return render(request, "notifications/preferences.html", {"rows": rows})


@login_required
def bell(request: HttpRequest) -> HttpResponse:
    """The menu's bell with the unread count, fetched by htmx after the page (and every minute), so
    no page pays a query for it."""
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).count()
    return render(request, "notifications/bell.html", {"unread": unread})
