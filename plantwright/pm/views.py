"""PM pages: the schedules of a site, the load forecast, generating now, the compliance grace."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, has_perm, list_sites
from plantwright.accounts.web import chosen_site
from plantwright.core.errors import DomainError, PermissionDenied, ValidationFailed
from plantwright.core.http.pages import add_domain_error, paginate
from plantwright.pm import selectors, services
from plantwright.pm.forms import ScheduleForm
from plantwright.pm.models import PmSchedule

FORECAST_DAYS = 90


@login_required
def schedules(request: HttpRequest) -> HttpResponse:
    site, sites = chosen_site(request)
    rows = selectors.list_schedules(request.user, site_id=site.pk) if site else []
    return render(
        request,
        "pm/schedules.html",
        {
            "site": site,
            "sites": sites,
            "page": paginate(request, rows) if site else None,
            "can_manage": bool(site) and has_perm(request.user, Perm.MANAGE_PM, site.pk),
            "grace_days": services.grace_days(site) if site else None,
        },
    )


@login_required
def forecast(request: HttpRequest) -> HttpResponse:
    site, sites = chosen_site(request)
    data = selectors.forecast(site, today=site.local_date(), days=FORECAST_DAYS) if site else None
    context = {"site": site, "sites": sites, "forecast": data, "days": FORECAST_DAYS}
    if data is not None:
        context |= _chart(data)
    return render(request, "pm/forecast.html", context)


def _chart(data: selectors.Forecast) -> dict:
    """Stacked bars (one per week, 10 units wide, 100 high at the peak) and the table rows."""
    peak = data.peak or 1
    bars, rows = [], []
    for week_index, week in enumerate(data.weeks):
        bottom = 105.0
        for craft_index, craft in enumerate(data.crafts):
            hours = data.hours[craft][week_index]
            if hours:
                height = float(hours / peak) * 100
                bottom -= height
                bars.append({"x": week_index * 10 + 6, "y": round(bottom, 2), "height": round(height, 2),
                             "index": craft_index % 6, "week": week, "craft": craft, "hours": hours})  # fmt: skip
        rows.append({"week": week, "hours": [data.hours[c][week_index] for c in data.crafts],
                     "total": data.totals[week_index]})  # fmt: skip
    return {"bars": bars, "rows": rows}


def _back(site) -> HttpResponse:
    return redirect(f"{reverse('pm-schedules')}?site={site.pk}")


@login_required
@require_POST
def generate(request: HttpRequest, site_id: int) -> HttpResponse:
    """Generate what is due now instead of waiting for the worker's next round."""
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    authorize(request.user, Perm.MANAGE_PM, site.pk)
    made = services.generate_due_work_orders(site=site)
    messages.success(
        request,
        ngettext("{count} PM work order created.", "{count} PM work orders created.", made).format(count=made)
        if made
        else _("Nothing is due within its lead time."),
    )
    return _back(site)


@login_required
@require_POST
def grace(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    raw = request.POST.get("grace_days", "").strip()
    try:
        if not raw.isdigit():
            raise ValidationFailed("The grace is a whole number of days.", details={"field": "grace_days"})
        services.set_grace_days(request.user, site, int(raw))
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("PM grace at {site}: {days} days.").format(site=site.code, days=int(raw)))
    return _back(site)


@login_required
def schedule_edit(request: HttpRequest, site_id: int, schedule_id: int | None = None) -> HttpResponse:
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    authorize(request.user, Perm.MANAGE_PM, site.pk)
    schedule = get_object_or_404(PmSchedule, pk=schedule_id, site=site) if schedule_id else None
    form = ScheduleForm(request.POST or None, instance=schedule, site=site)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_schedule(
                    request.user, site, schedule, **{name: form.cleaned_data[name] for name in services.SCHEDULE_FIELDS}
                )
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Schedule '{name}' saved.").format(name=saved.name))
                return _back(site)
        else:
            status = 422
    return render(request, "pm/schedule_form.html", {"site": site, "form": form, "schedule": schedule}, status=status)
