"""Pages for raising and deciding parts requests (they appear on the WO page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.core.errors import DomainError
from plantwright.maintenance.selectors import get_work_order
from plantwright.procurement import selectors, services
from plantwright.procurement.forms import ReasonForm, RequestLineFormSet, RequestNoteForm


@login_required
def parts_request_new(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order = get_work_order(request.user, work_order_id)
    formset = RequestLineFormSet(request.POST or None, prefix="lines")
    note_form = RequestNoteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if formset.is_valid() and note_form.is_valid():
            lines = [form.as_line() for form in formset if form.has_content() and form not in formset.deleted_forms]
            try:
                parts_request = services.create_parts_request(
                    request.user,
                    work_order,
                    lines=lines,
                    note=note_form.cleaned_data["note"],
                    need_arose_on=note_form.cleaned_data["need_arose_on"],
                )
                if "submit" in request.POST:
                    parts_request = services.submit_parts_request(request.user, parts_request)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("{parts_request}: {status}.").format(
                        parts_request=parts_request.number, status=parts_request.get_status_display().lower()
                    ),
                )
                return redirect("work-order-detail", work_order.pk)
        else:
            status = 422
    return render(
        request,
        "procurement/parts_request_form.html",
        {"work_order": work_order, "formset": formset, "note_form": note_form},
        status=status,
    )


def _act(request: HttpRequest, request_id: int, action) -> HttpResponse:
    parts_request = selectors.get_parts_request(request.user, request_id)
    try:
        parts_request = action(parts_request)
        messages.success(
            request,
            _("{parts_request}: {status}.").format(
                parts_request=parts_request.number, status=parts_request.get_status_display().lower()
            ),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("work-order-detail", parts_request.work_order_id)


@login_required
@require_POST
def parts_request_submit(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(request, request_id, lambda pr: services.submit_parts_request(request.user, pr))


@login_required
@require_POST
def parts_request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(request, request_id, lambda pr: services.approve_parts_request(request.user, pr))


@login_required
@require_POST
def parts_request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _act(request, request_id, lambda pr: services.reject_parts_request(request.user, pr, reason=reason))


@login_required
@require_POST
def request_line_cancel(request: HttpRequest, line_id: int) -> HttpResponse:
    line = selectors.get_request_line(request.user, line_id)
    try:
        services.cancel_request_line(request.user, line)
        messages.success(
            request,
            _("Line {line_no} of {request} cancelled.").format(line_no=line.line_no, request=line.request.number),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("work-order-detail", line.request.work_order_id)


@login_required
def purchase_order_detail(request: HttpRequest, po_id: int) -> HttpResponse:
    """A PO as the ERP (or the built-in purchasing, which adds its actions as a panel) reports it:
    lines, receipts and invoices, and the WO each line is for."""
    po = get_object_or_404(selectors.list_purchase_orders(request.user), pk=po_id)
    lines = po.lines.select_related("request_line__request__work_order").prefetch_related("postings")
    return render(request, "procurement/purchase_order_detail.html", {"po": po, "lines": list(lines)})
