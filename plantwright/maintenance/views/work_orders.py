"""Work order pages: the list and its downloads, a new WO, the WO page and its moves, edits, the
printed WO, an asset's cost ledger."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm, Role
from plantwright.accounts.selectors import has_perm, list_users_at_sites, restrict_to_sites, site_ids_with
from plantwright.assets.selectors import list_assets
from plantwright.core.db.history import change_log
from plantwright.core.errors import DomainError
from plantwright.core.files import spreadsheets
from plantwright.core.http.pages import add_domain_error, paginate
from plantwright.core.http.paging import KeysFirstPaginator
from plantwright.core.panels import render_context
from plantwright.maintenance import exports, selectors, services
from plantwright.maintenance.forms import (
    CompleteForm,
    ContractorForm,
    ExecutionForm,
    LaborForm,
    TransitionForm,
    WorkOrderForm,
)
from plantwright.maintenance.lifecycle import NOTE_REQUIRED, allowed_targets, verb
from plantwright.maintenance.models import (
    Craft,
    Vendor,
    WorkOrder,
    WorkOrderStatus,
)
from plantwright.maintenance.services.labor import TIME_BOOKING_STATUSES
from plantwright.maintenance.views.plan import _plan_context


def _technicians(site_ids: set[int] | None):
    """People a planner can assign: those who may execute work at these sites."""
    return list_users_at_sites(site_ids, [Role.TECHNICIAN, Role.PLANNER])


@login_required
def work_order_list(request: HttpRequest) -> HttpResponse:
    form, work_orders = exports.filtered_work_orders(request.user, request.GET)
    if request.GET.get("format") == "csv":  # the WO history as filtered, with failure data, hours and cost
        name = f"work-orders-{timezone.localdate()}"
        return spreadsheets.download("csv", name, exports.WORK_ORDER_COLUMNS, exports.work_order_rows(work_orders))
    context = {"form": form, "page": paginate(request, work_orders, paginator=KeysFirstPaginator)}
    if request.htmx and not request.htmx.boosted:
        return render(request, "maintenance/partials/work_order_table.html", context)
    context["can_import"] = site_ids_with(request.user, Perm.MANAGE_WORK_ORDERS) != set()
    return render(request, "maintenance/work_order_list.html", context)


@login_required
def work_order_new(request: HttpRequest) -> HttpResponse:
    assets = restrict_to_sites(list_assets(request.user), request.user, Perm.MANAGE_WORK_ORDERS)
    asset_id = request.GET.get("asset", "")
    initial_asset = assets.filter(pk=int(asset_id)).first() if asset_id.isdigit() else None
    site_ids = {initial_asset.site_id} if initial_asset else site_ids_with(request.user, Perm.MANAGE_WORK_ORDERS)
    form = WorkOrderForm(
        request.POST or None,
        assets=assets,
        technicians=_technicians(site_ids),
        initial={"asset": initial_asset, "type": "corrective"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            work_order = services.create_work_order(
                request.user, asset_id=form.cleaned_data["asset"].pk, **form.service_fields()
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("{work_order} created.").format(work_order=work_order.number))
            return redirect("work-order-detail", work_order.pk)
    return render(request, "maintenance/work_order_form.html", {"form": form, "work_order": None})


@login_required
def work_order_detail(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order = selectors.get_work_order(request.user, work_order_id)
    return _render_work_order(request, work_order)


def _initial_failure(work_order: WorkOrder) -> dict:
    return {
        "is_failure": work_order.is_failure,
        "down_since": work_order.down_since,
        "restored_at": work_order.restored_at,
        "problem": work_order.problem_code.code if work_order.problem_code else "",
        "cause": work_order.cause_code.code if work_order.cause_code else "",
        "remedy": work_order.remedy_code.code if work_order.remedy_code else "",
    }


# What a failure WO lacks before it is complete, in the words the Complete step asks for it.
GAPS = {
    "down_since": gettext_lazy("when it stopped"),
    "restored_at": gettext_lazy("when it ran again"),
    "failure.problem": gettext_lazy("the problem"),
    "failure.cause": gettext_lazy("the cause"),
    "failure.remedy": gettext_lazy("the remedy"),
}


def _complete_form(gaps: list[str]) -> CompleteForm | None:
    """The Complete step's questions, one per gap; the restore time starts at now."""
    if not gaps:
        return None
    form = CompleteForm(initial={"restored_at": timezone.localtime().replace(second=0, microsecond=0)})
    asked = {gap.removeprefix("failure.") for gap in gaps}
    for name in list(form.fields):
        if name not in asked:
            del form.fields[name]
    return form


def _failure_codes() -> dict[str, list[str]]:
    """The managed failure codes by kind, as the pickers offer them ("BRG · Bearing")."""
    codes: dict[str, list[str]] = {}
    for code in selectors.list_failure_codes():
        codes.setdefault(code.kind, []).append(f"{code.code} · {code.description}")
    return codes


def _render_work_order(
    request: HttpRequest,
    work_order: WorkOrder,
    execution_form=None,
    transition_error: str = "",
    status: int = 200,
    labor_form=None,
    contractor_form=None,
    complete_form=None,
) -> HttpResponse:
    user = request.user
    moves = [
        {"to": to, "label": verb(work_order.status, to), "needs_note": (work_order.status, to) in NOTE_REQUIRED}
        for to, perm in allowed_targets(work_order.status).items()
        if has_perm(user, perm, work_order.site_id)
    ]
    gaps = services.completion_gaps(work_order)
    can_execute = work_order.is_open and has_perm(user, Perm.EXECUTE_WORK, work_order.site_id)
    can_book = work_order.status in TIME_BOOKING_STATUSES and has_perm(user, Perm.EXECUTE_WORK, work_order.site_id)
    can_plan = has_perm(user, Perm.MANAGE_WORK_ORDERS, work_order.site_id)
    today = work_order.site.local_date()
    technicians = _technicians({work_order.site_id}) if can_plan else User.objects.filter(pk=user.pk)
    context = {
        "work_order": work_order,
        "attachments": list(work_order.attachments.select_related("uploaded_by")),
        "attach_url": reverse("work-order-attach", args=[work_order.pk]),
        "can_attach": services.may_attach(user, work_order=work_order),
        "moves": moves,
        "labor_entries": selectors.list_labor_entries(work_order),
        "contractor_entries": selectors.list_contractor_entries(work_order),
        "cost": selectors.work_order_cost(work_order),
        "hours": selectors.work_order_hours(work_order),
        "ledger": selectors.cost_lines(work_order),
        "can_reverse": can_plan,
        "labor_form": labor_form
        or (
            LaborForm(
                technicians=technicians,
                crafts=Craft.objects.all(),
                initial={"technician": user.pk, "work_date": today},
            )
            if can_book
            else None
        ),
        "contractor_form": contractor_form
        or (
            ContractorForm(vendors=Vendor.objects.filter(active=True, is_contractor=True), initial={"work_date": today})
            if can_book
            else None
        ),
        "panels": render_context("work_order", request, work_order),
        **_plan_context(request, work_order),
        "can_edit": work_order.is_open and has_perm(user, Perm.MANAGE_WORK_ORDERS, work_order.site_id),
        "execution_form": execution_form
        or (ExecutionForm(initial=_initial_failure(work_order)) if can_execute else None),
        "completion_gaps": [GAPS.get(gap, gap) for gap in gaps],
        "complete_form": complete_form or _complete_form(gaps),
        "failure_codes": _failure_codes() if gaps else {},
        "transition_error": transition_error,
        "transitions": selectors.list_transitions(work_order),
        "requests": work_order.work_requests.select_related("requested_by"),
        "log": change_log(work_order, limit=50),
    }
    return render(request, "maintenance/work_order_detail.html", context, status=status)


@login_required
@require_POST
def work_order_transition(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order = selectors.get_work_order(request.user, work_order_id)
    form, complete = TransitionForm(request.POST), CompleteForm(request.POST)
    if not form.is_valid():
        return _render_work_order(request, work_order, transition_error=_("Choose a valid next status."), status=422)
    if not complete.is_valid():
        wrong = ", ".join(str(complete.fields[name].label) for name in complete.errors)
        return _render_work_order(request, work_order, transition_error=_("Check: %(fields)s.") % {"fields": wrong},
                                  status=422, complete_form=complete)  # fmt: skip
    to, seen = form.cleaned_data["to"], form.cleaned_data["from_status"]
    if seen and seen != work_order.status:
        changed = _("%(number)s was changed meanwhile: it is %(status)s now. Nothing was done.") % {
            "number": work_order.number, "status": work_order.get_status_display().lower()}  # fmt: skip
        return _render_work_order(request, work_order, transition_error=changed, status=409)
    try:
        note, completed_at = form.cleaned_data["note"], form.cleaned_data["completed_at"]
        if to == WorkOrderStatus.COMPLETED:  # with what the failure lacked, in one step
            services.complete_work_order(request.user, work_order, answers=complete.failure_changes(), note=note,
                                         completed_at=completed_at)  # fmt: skip
        else:
            services.transition_work_order(request.user, work_order, to=to, note=note, completed_at=completed_at)
    except DomainError as exc:
        work_order = selectors.get_work_order(request.user, work_order_id)
        missing = exc.details.get("missing")
        message = (
            _("To complete this failure, say %(what)s.") % {"what": ", ".join(str(GAPS.get(m, m)) for m in missing)}
            if missing
            else exc.message
        )
        return _render_work_order(request, work_order, transition_error=message, status=exc.status)
    messages.success(
        request,
        _("{work_order} is now {status}.").format(
            work_order=work_order.number, status=WorkOrderStatus(form.cleaned_data["to"]).label.lower()
        ),
    )
    return redirect("work-order-detail", work_order_id)


@login_required
@require_POST
def work_order_execution(request: HttpRequest, work_order_id: int) -> HttpResponse:
    """A technician records the failure: times and problem / cause / remedy."""
    work_order = selectors.get_work_order(request.user, work_order_id)
    form = ExecutionForm(request.POST)
    if form.is_valid():
        try:
            services.update_work_order(request.user, work_order, form.failure_changes())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Failure details saved."))
            return redirect("work-order-detail", work_order_id)
    return _render_work_order(request, work_order, execution_form=form, status=422)


@login_required
def work_order_edit(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order = selectors.get_work_order(request.user, work_order_id)
    assets = list_assets(request.user, site_id=work_order.site_id)
    initial = {
        "asset": work_order.asset,
        "type": work_order.type,
        "priority": work_order.priority,
        "title": work_order.title,
        "description": work_order.description,
        "due_date": work_order.due_date,
        "assigned_to": list(work_order.assigned_to.all()),
        **_initial_failure(work_order),
    }
    form = WorkOrderForm(
        request.POST or None, assets=assets, technicians=_technicians({work_order.site_id}), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        changes = {"asset": form.cleaned_data["asset"].pk, **form.service_fields()}
        try:
            services.update_work_order(request.user, work_order, changes)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("{work_order} saved.").format(work_order=work_order.number))
            return redirect("work-order-detail", work_order.pk)
    return render(request, "maintenance/work_order_form.html", {"form": form, "work_order": work_order})


# --- hours -----------------------------------------------------------------------------------


@login_required
def work_order_print(request: HttpRequest, work_order_id: int) -> HttpResponse:
    """The WO on paper: header, asset, work and safety, tasks, checklist, parts, lines to write the
    findings and hours on, signatures (HTML with a print stylesheet)."""
    work_order = selectors.get_work_order(request.user, work_order_id)
    context = {
        "work_order": work_order,
        "tasks": list(work_order.tasks.select_related("craft")),
        "checks": list(work_order.checks.all()),
        "panels": render_context("work_order_print", request, work_order),
    }
    return render(request, "maintenance/work_order_print.html", context)


@login_required
def asset_ledger(request: HttpRequest, asset_id: int) -> HttpResponse:
    """An asset's cost ledger (with its components' unless ?rollup=0) as CSV, [from, to)."""
    asset, rows = exports.asset_ledger(request.user, asset_id, request.GET)
    return spreadsheets.download("csv", f"cost-ledger-{asset.code}", exports.LEDGER_COLUMNS, rows)
