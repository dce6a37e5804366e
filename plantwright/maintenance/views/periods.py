"""The page where a manager closes a month of a site's books (docs/architecture.md §Business dates)."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm, list_sites
from plantwright.core.errors import DomainError, ValidationFailed
from plantwright.maintenance.models import ClosedPeriod
from plantwright.maintenance.services.periods import close_period, closed_through

# How far back the page offers months to close when nothing is closed yet.
OFFERED_MONTHS = 24


def _closable(through: date | None, today: date) -> list[date]:
    """The ended months after the closed books, latest first (the usual one to close: last month)."""
    last_ended = today.replace(day=1) - timedelta(days=1)
    first = (through + timedelta(days=1)) if through else date(today.year - OFFERED_MONTHS // 12, today.month, 1)
    months, month = [], last_ended.replace(day=1)
    while month >= first.replace(day=1) and len(months) < OFFERED_MONTHS:
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return months


@login_required
def closed_periods(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    status = 200
    if request.method == "POST":
        try:
            month = date.fromisoformat(request.POST.get("month", ""))
        except ValueError:
            month = None
        try:
            if month is None:
                raise ValidationFailed("Choose a month to close.", details={"field": "month"})
            closed = close_period(request.user, site, month=month, note=request.POST.get("note", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            messages.success(request, _("The books of %(site)s are closed through %(day)s.") % {
                "site": site.name, "day": closed.through.isoformat()})  # fmt: skip
            return redirect("closed-periods", site.pk)
    through = closed_through(site)
    context = {
        "site": site,
        "through": through,
        "closes": ClosedPeriod.objects.filter(site=site).select_related("closed_by").order_by("-through"),
        "closable": _closable(through, site.local_date()),
        "can_close": has_perm(request.user, Perm.CLOSE_PERIODS, site.pk),
    }
    return render(request, "maintenance/closed_periods.html", context, status=status)
