"""The home page and work requests: raise one, list them, triage (approve, reject, duplicate)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm
from plantwright.accounts.web import desk_of
from plantwright.assets.selectors import list_assets
from plantwright.core.db.history import change_log
from plantwright.core.errors import DomainError
from plantwright.core.http.pages import add_domain_error, paginate
from plantwright.maintenance import selectors, services
from plantwright.maintenance.forms import (
    ApproveForm,
    DuplicateForm,
    RejectForm,
    WorkRequestForm,
)
from plantwright.maintenance.models import (
    WorkRequest,
)
from plantwright.maintenance.selectors import desk as desk_selectors
from plantwright.maintenance.views.work_orders import _technicians


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each desk's own first page: a technician's work, an operator's requests, a planner's queue,
    a manager's figures (apps above maintenance add theirs through the home-planner and
    home-manager slots). Someone at several desks gets each of their sections."""
    user = request.user
    desk = desk_of(user)
    context: dict = {"desk": desk}
    if desk.technician:
        context["my_work"] = desk_selectors.my_work(user)
    if desk.planner:
        context["counts"] = selectors.dashboard_counts(user)
        context["triage"] = desk_selectors.triage_queue(user)
        context["overdue"] = desk_selectors.overdue_work(user)
    if desk.operator or not (desk.technician or desk.planner or desk.manager):
        context["my_requests"] = desk_selectors.my_requests(user)
    return render(request, "maintenance/home.html", context)


# --- work requests ---------------------------------------------------------------------------


@login_required
def work_request_new(request: HttpRequest) -> HttpResponse:
    assets = list_assets(request.user)
    form = WorkRequestForm(
        request.POST or None, request.FILES or None, assets=assets, initial={"asset": request.GET.get("asset")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            work_request = services.raise_work_request(
                request.user,
                asset_id=form.cleaned_data["asset"].pk,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                priority=form.cleaned_data["priority"],
                photos=request.FILES.getlist("photo"),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, _("Request {work_request} sent to maintenance.").format(work_request=work_request.number)
            )
            return redirect("work-request-detail", work_request.pk)
    return render(request, "maintenance/work_request_form.html", {"form": form})


@login_required
def work_request_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "new")
    status = status if status in WorkRequest.Status.values else None
    requests = selectors.list_work_requests(request.user, status=status)
    return render(
        request,
        "maintenance/work_request_list.html",
        {"page": paginate(request, requests), "status": status, "statuses": WorkRequest.Status.choices},
    )


def _triage_forms(request: HttpRequest, work_request: WorkRequest, data=None, which: str = "") -> dict:
    site_id = work_request.site_id
    return {
        "approve_form": ApproveForm(
            data if which == "approve" else None,
            technicians=_technicians({site_id}),
            initial={"priority": work_request.priority},
            prefix="approve",
        ),
        "reject_form": RejectForm(data if which == "reject" else None, prefix="reject"),
        "duplicate_form": DuplicateForm(
            data if which == "duplicate" else None,
            open_work_orders=selectors.open_work_orders_for_duplicate(request.user, site_id),
            prefix="duplicate",
        ),
    }


@login_required
def work_request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    work_request = selectors.get_work_request(request.user, request_id)
    return _render_request(request, work_request, _triage_forms(request, work_request))


def _render_request(request: HttpRequest, work_request: WorkRequest, forms: dict, status: int = 200) -> HttpResponse:
    context = {
        "work_request": work_request,
        "can_triage": work_request.status == WorkRequest.Status.NEW
        and has_perm(request.user, Perm.TRIAGE_REQUEST, work_request.site_id),
        "log": change_log(work_request),
        "attachments": list(work_request.attachments.select_related("uploaded_by")),
        "attach_url": reverse("work-request-attach", args=[work_request.pk]),
        "can_attach": services.may_attach(request.user, work_request=work_request),
        **forms,
    }
    return render(request, "maintenance/work_request_detail.html", context, status=status)


@login_required
@require_POST
def work_request_triage(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    work_request = selectors.get_work_request(request.user, request_id)
    forms = _triage_forms(request, work_request, request.POST, action)
    if action not in ("approve", "reject", "duplicate"):
        raise Http404("No such action.")
    form = forms.get(f"{action}_form")
    if form is None:
        return redirect("work-request-detail", request_id)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "approve":
                work_order = services.approve_work_request(
                    request.user,
                    work_request,
                    type=data["type"],
                    priority=data["priority"],
                    due_date=data["due_date"],
                    assigned_to=[u.pk for u in data["assigned_to"]],
                    note=data["note"],
                )
                messages.success(request, _("Approved: {work_order} created.").format(work_order=work_order.number))
                return redirect("work-order-detail", work_order.pk)
            if action == "reject":
                services.reject_work_request(request.user, work_request, reason=data["reason"])
                messages.success(request, _("{work_request} rejected.").format(work_request=work_request.number))
            else:
                services.mark_work_request_duplicate(request.user, work_request, work_order_id=data["work_order"].pk)
                messages.success(
                    request, _("{work_request} marked as a duplicate.").format(work_request=work_request.number)
                )
            return redirect("work-request-list")
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
    return _render_request(request, work_request, forms, status=status)


# --- work orders -----------------------------------------------------------------------------
