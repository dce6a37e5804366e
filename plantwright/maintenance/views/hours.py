"""Hours on a WO: technicians' labor (booked or by the clock), contractors' hours, reversals, my time."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm
from plantwright.core.errors import DomainError, NotFound
from plantwright.core.http.pages import add_domain_error
from plantwright.maintenance import selectors, services
from plantwright.maintenance.forms import (
    ContractorForm,
    LaborForm,
    ReverseForm,
)
from plantwright.maintenance.models import (
    ContractorEntry,
    Craft,
    LaborEntry,
    LaborTimer,
    Vendor,
)
from plantwright.maintenance.views.work_orders import _render_work_order, _technicians


@login_required
@require_POST
def work_order_labor(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order = selectors.get_work_order(request.user, work_order_id)
    can_plan = has_perm(request.user, Perm.MANAGE_WORK_ORDERS, work_order.site_id)
    form = LaborForm(
        request.POST,
        technicians=_technicians({work_order.site_id}) if can_plan else User.objects.filter(pk=request.user.pk),
        crafts=Craft.objects.all(),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.log_labor(
                request.user,
                work_order,
                technician_id=data["technician"].pk,
                hours=data["hours"],
                work_date=data["work_date"],
                craft_code=data["craft"].code if data["craft"] else None,
                overtime_multiplier=data["overtime_multiplier"] or 1,
                note=data["note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return _render_work_order(request, work_order, labor_form=form, status=exc.status)
        messages.success(
            request,
            _("{hours} h booked for {technician}.").format(hours=entry.hours, technician=entry.technician.display_name),
        )
        return redirect("work-order-detail", work_order_id)
    return _render_work_order(request, work_order, labor_form=form, status=422)


@login_required
@require_POST
def work_order_contractor(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order = selectors.get_work_order(request.user, work_order_id)
    form = ContractorForm(request.POST, vendors=Vendor.objects.filter(active=True, is_contractor=True))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.log_contractor_hours(
                request.user,
                work_order,
                vendor_id=data["contractor"].pk,
                person=data["person"],
                hours=data["hours"],
                work_date=data["work_date"],
                po_number=data["po_number"],
                po_line=data["po_line"],
                agreed_rate=data["agreed_rate"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            return _render_work_order(request, work_order, contractor_form=form, status=exc.status)
        messages.success(request, _("Contractor hours recorded."))
        return redirect("work-order-detail", work_order_id)
    return _render_work_order(request, work_order, contractor_form=form, status=422)


@login_required
@require_POST
def entry_reverse(request: HttpRequest, kind: str, entry_id: int) -> HttpResponse:
    model, reverse = {
        "labor": (LaborEntry, services.reverse_labor),
        "contractor": (ContractorEntry, services.reverse_contractor_hours),
    }.get(kind, (None, None))
    entry = model.objects.filter(pk=entry_id).first() if model else None
    if entry is None:
        raise NotFound("No such entry.")
    work_order = selectors.get_work_order(request.user, entry.work_order_id)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the entry is reversed."))
    else:
        try:
            reverse(request.user, entry, reason=form.cleaned_data["reason"])
            messages.success(request, _("Entry reversed."))
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("work-order-detail", work_order.pk)


@login_required
def my_time(request: HttpRequest) -> HttpResponse:
    """The technician's day on a phone: my open jobs, a start/stop clock, hours booked today."""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "start":
                work_order = selectors.get_work_order(request.user, int(request.POST.get("work_order") or 0))
                services.start_timer(request.user, work_order)
                messages.success(request, _("Clock started on {work_order}.").format(work_order=work_order.number))
            else:
                entry = services.stop_timer(request.user)
                messages.success(
                    request,
                    _("{hours} h booked on {work_order}.").format(
                        hours=entry.hours, work_order=entry.work_order.number
                    ),
                )
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("my-time")
    timer = LaborTimer.objects.select_related("work_order").filter(technician=request.user).first()
    context = {
        "timer": timer,
        "work_orders": selectors.list_work_orders(request.user, assigned_to=request.user, open_only=True)[:30],
        "today": LaborEntry.objects.filter(technician=request.user, work_date=timezone.localdate())
        .select_related("work_order")
        .order_by("id"),
    }
    return render(request, "maintenance/my_time.html", context)
