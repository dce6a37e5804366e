from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import restrict_to_sites
from plantwright.core.errors import DomainError
from plantwright.core.formatting import plain
from plantwright.core.http.pages import add_domain_error, paginate
from plantwright.inventory import selectors, services
from plantwright.inventory.forms import IssueForm, ReceiptForm, ReturnForm
from plantwright.maintenance.selectors import get_work_order


@login_required
def part_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    parts = selectors.list_parts_with_stock(request.user, q)
    return render(request, "inventory/part_list.html", {"page": paginate(request, parts), "q": q})


@login_required
def part_detail(request: HttpRequest, part_id: int) -> HttpResponse:
    part = selectors.get_part(part_id)
    storerooms = restrict_to_sites(selectors.list_storerooms(request.user), request.user, Perm.MANAGE_INVENTORY)
    form = ReceiptForm(request.POST or None, storerooms=storerooms)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.receive_stock(
                request.user,
                part_id=part.pk,
                storeroom_id=form.cleaned_data["storeroom"].pk,
                quantity=form.cleaned_data["quantity"],
                unit_cost=form.cleaned_data["unit_cost"],
                reference=form.cleaned_data["reference"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                _("Received {quantity} {unit} of {part}.").format(
                    quantity=form.cleaned_data["quantity"], unit=part.unit, part=part.part_number
                ),
            )
            return redirect("part-detail", part.pk)
    context = {
        "part": part,
        "levels": selectors.list_stock(request.user, part_id=part.pk),
        "movements": selectors.list_movements(request.user, part_id=part.pk, limit=50),
        "receipt_form": form if storerooms.exists() else None,
    }
    return render(request, "inventory/part_detail.html", context, status=status)


@login_required
def reorder(request: HttpRequest) -> HttpResponse:
    return render(request, "inventory/reorder.html", {"levels": selectors.reorder_list(request.user)})


@login_required
@require_POST
def work_order_issue(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order = get_work_order(request.user, work_order_id)
    form = IssueForm(request.POST, storerooms=selectors.list_storerooms(request.user, site_id=work_order.site_id))
    if form.is_valid():
        try:
            movement = services.issue_part(
                request.user,
                work_order,
                part_id=form.cleaned_data["part"].pk,
                storeroom_id=form.cleaned_data["storeroom"].pk,
                quantity=form.cleaned_data["quantity"],
                used_on=form.cleaned_data["used_on"],
            )
            messages.success(
                request,
                _("Issued {quantity} × {part}.").format(
                    quantity=plain(-movement.quantity), part=movement.part.part_number
                ),
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Choose a part, a storeroom and a positive quantity."))
    return redirect("work-order-detail", work_order.pk)


@login_required
@require_POST
def work_order_return(request: HttpRequest, work_order_id: int) -> HttpResponse:
    work_order = get_work_order(request.user, work_order_id)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.return_part(
                request.user, work_order, issue_id=form.cleaned_data["issue"], quantity=form.cleaned_data["quantity"]
            )
            messages.success(request, _("Parts returned to stock."))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("Give a positive quantity to return."))
    return redirect("work-order-detail", work_order.pk)
