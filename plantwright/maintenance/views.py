"""HTML pages for requests and work orders. Parse a form, call a service, render or redirect."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm, Role
from plantwright.accounts.selectors import has_perm, list_users_at_sites, restrict_to_sites, site_ids_with
from plantwright.assets.selectors import list_assets
from plantwright.core.db.history import change_log
from plantwright.core.errors import DomainError, NotFound, ValidationFailed
from plantwright.core.files import spreadsheets
from plantwright.core.http.pages import add_domain_error, paginate
from plantwright.core.http.paging import KeysFirstPaginator
from plantwright.core.panels import render_context
from plantwright.maintenance import exports, selectors, services
from plantwright.maintenance.downloads import attachment_response
from plantwright.maintenance.forms import (
    ApproveForm,
    ContractorForm,
    DuplicateForm,
    ExecutionForm,
    LaborForm,
    RejectForm,
    ReverseForm,
    TransitionForm,
    WorkOrderForm,
    WorkRequestForm,
)
from plantwright.maintenance.lifecycle import NOTE_REQUIRED, allowed_targets
from plantwright.maintenance.models import (
    ContractorEntry,
    Craft,
    LaborEntry,
    LaborTimer,
    Vendor,
    WorkOrder,
    WorkOrderCheck,
    WorkOrderStatus,
    WorkOrderTask,
    WorkRequest,
)
from plantwright.maintenance.services.labor import TIME_BOOKING_STATUSES


def _technicians(site_ids: set[int] | None):
    """People a planner can assign: those who may execute work at these sites."""
    return list_users_at_sites(site_ids, [Role.TECHNICIAN, Role.PLANNER])


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "counts": selectors.dashboard_counts(request.user),
        "my_work_orders": selectors.list_work_orders(request.user, assigned_to=request.user, open_only=True)[:10],
        "my_requests": selectors.list_work_requests(request.user, requested_by=request.user)[:10],
    }
    return render(request, "maintenance/home.html", context)


# --- work requests ---------------------------------------------------------------------------


@login_required
def work_request_new(request: HttpRequest) -> HttpResponse:
    assets = list_assets(request.user)
    form = WorkRequestForm(request.POST or None, assets=assets, initial={"asset": request.GET.get("asset")})
    if request.method == "POST" and form.is_valid():
        try:
            work_request = services.raise_work_request(
                request.user,
                asset_id=form.cleaned_data["asset"].pk,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                priority=form.cleaned_data["priority"],
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


@login_required
def work_order_list(request: HttpRequest) -> HttpResponse:
    form, work_orders = exports.filtered_work_orders(request.user, request.GET)
    if request.GET.get("format") == "csv":  # the WO history as filtered, with failure data, hours and cost
        name = f"work-orders-{timezone.localdate()}"
        return spreadsheets.download("csv", name, exports.WORK_ORDER_COLUMNS, exports.work_order_rows(work_orders))
    context = {"form": form, "page": paginate(request, work_orders, paginator=KeysFirstPaginator)}
    if request.htmx and not request.htmx.boosted:
        return render(request, "maintenance/partials/work_order_table.html", context)
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


def _render_work_order(
    request: HttpRequest,
    work_order: WorkOrder,
    execution_form=None,
    transition_error: str = "",
    status: int = 200,
    labor_form=None,
    contractor_form=None,
) -> HttpResponse:
    user = request.user
    moves = [
        {"to": to, "label": WorkOrderStatus(to).label, "needs_note": (work_order.status, to) in NOTE_REQUIRED}
        for to, perm in allowed_targets(work_order.status).items()
        if has_perm(user, perm, work_order.site_id)
    ]
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
        "completion_gaps": services.completion_gaps(work_order),
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
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _render_work_order(request, work_order, transition_error=_("Choose a valid next status."), status=422)
    try:
        services.transition_work_order(
            request.user,
            work_order,
            to=form.cleaned_data["to"],
            note=form.cleaned_data["note"],
            completed_at=form.cleaned_data["completed_at"],
        )
    except DomainError as exc:
        work_order = selectors.get_work_order(request.user, work_order_id)
        missing = exc.details.get("missing")
        message = exc.message + (f" Missing: {', '.join(missing)}." if missing else "")
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


def _plan_context(request: HttpRequest, work_order: WorkOrder, check_error: str = "") -> dict:
    tasks = list(work_order.tasks.select_related("craft"))
    return {
        "work_order": work_order,
        "tasks": tasks,
        "planned_hours": sum((t.estimated_hours for t in tasks), Decimal(0)),
        "checks": list(work_order.checks.select_related("follow_up")),
        "can_record": work_order.is_open and has_perm(request.user, Perm.EXECUTE_WORK, work_order.site_id),
        "check_error": check_error,
    }


def _plan_answer(request: HttpRequest, work_order: WorkOrder, error: DomainError | None = None) -> HttpResponse:
    """The plan section again (htmx), or back to the WO page."""
    if request.htmx:
        context = _plan_context(request, work_order, error.message if error else "")
        return render(
            request, "maintenance/partials/work_order_plan.html", context, status=error.status if error else 200
        )
    if error:
        messages.error(request, error.message)
    return redirect("work-order-detail", work_order.pk)


@login_required
@require_POST
def work_order_check(request: HttpRequest, work_order_id: int, check_id: int) -> HttpResponse:
    work_order = selectors.get_work_order(request.user, work_order_id)
    check = get_object_or_404(WorkOrderCheck, pk=check_id, work_order=work_order)
    try:
        raw = request.POST.get("value", "").strip().replace(",", ".")
        value = None
        if raw:
            try:
                value = Decimal(raw)
            except InvalidOperation:
                raise ValidationFailed(f"{raw!r} is not a number.", details={"field": "value"}) from None
            if not value.is_finite():
                raise ValidationFailed(f"{raw!r} is not a number.", details={"field": "value"})
        services.record_check(
            request.user, check, result=request.POST.get("result", ""), value=value, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        return _plan_answer(request, work_order, exc)
    return _plan_answer(request, work_order)


@login_required
@require_POST
def work_order_task(request: HttpRequest, work_order_id: int, task_id: int) -> HttpResponse:
    work_order = selectors.get_work_order(request.user, work_order_id)
    task = get_object_or_404(WorkOrderTask, pk=task_id, work_order=work_order)
    try:
        services.set_task_done(request.user, task, done=request.POST.get("done") == "1")
    except DomainError as exc:
        return _plan_answer(request, work_order, exc)
    return _plan_answer(request, work_order)


@login_required
def asset_ledger(request: HttpRequest, asset_id: int) -> HttpResponse:
    """An asset's cost ledger (with its components' unless ?rollup=0) as CSV, [from, to)."""
    asset, rows = exports.asset_ledger(request.user, asset_id, request.GET)
    return spreadsheets.download("csv", f"cost-ledger-{asset.code}", exports.LEDGER_COLUMNS, rows)


def _attach(request: HttpRequest, **target) -> HttpResponse:
    """Store the uploaded files (several at once from a phone) and go back to the record."""
    record = target.get("work_order") or target.get("work_request")
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, _("Choose a photo or a PDF first."))
    for upload in files:
        try:
            services.attach(request.user, upload, source=f"ui:{request.user.username}", **target)
        except DomainError as exc:
            messages.error(request, f"{upload.name}: {exc.message}")
    name = "work-order-detail" if "work_order" in target else "work-request-detail"
    return redirect(name, record.pk)


@login_required
@require_POST
def work_order_attach(request: HttpRequest, work_order_id: int) -> HttpResponse:
    return _attach(request, work_order=selectors.get_work_order(request.user, work_order_id))


@login_required
@require_POST
def work_request_attach(request: HttpRequest, request_id: int) -> HttpResponse:
    return _attach(request, work_request=selectors.get_work_request(request.user, request_id))


@login_required
def attachment_file(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """The file, to those who may see its site; photos inline, documents as downloads."""
    attachment = selectors.get_attachment(request.user, attachment_id)
    return attachment_response(attachment)


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
