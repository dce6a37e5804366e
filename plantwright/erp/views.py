"""Purchasing pages: the queue, POs (builtin actions), connector settings, inbound events, the outbox."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.accounts.models import Site
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, list_sites, site_ids_with
from plantwright.core.errors import DomainError, PermissionDenied
from plantwright.core.http.pages import paginate
from plantwright.erp import builtin, services
from plantwright.erp.forms import NewPurchaseOrderForm, SiteConnectorForm
from plantwright.erp.models import TrytonConnection, WebhookEndpoint
from plantwright.erp.tryton.mapping import check as check_tryton
from plantwright.erp.tryton.rpc import TrytonError, TrytonUnreachable
from plantwright.inventory.selectors import list_storerooms
from plantwright.procurement import selectors
from plantwright.procurement.models import ConnectorKind, PartsRequest, ProcurementSettings, PurchaseOrder
from plantwright.procurement.services import site_settings


def _purchasing_sites(user) -> set[int] | None:
    allowed = site_ids_with(user, Perm.PURCHASE)
    if allowed is not None and not allowed:
        raise PermissionDenied("The purchasing queue is for purchasing staff and managers.")
    return allowed


@login_required
def purchasing_queue(request: HttpRequest) -> HttpResponse:
    allowed = _purchasing_sites(request.user)
    lines = list(builtin.queued_lines(allowed))
    connectors = dict(ProcurementSettings.objects.values_list("site_id", "connector"))
    sites = list_sites(request.user) if allowed is None else Site.objects.filter(pk__in=allowed)
    groups = [
        {
            "site": site,
            "lines": [line for line in lines if line.request.site_id == site.pk],
            # A site without settings yet runs the builtin connector (the default).
            "builtin": connectors.get(site.pk, ConnectorKind.BUILTIN) == ConnectorKind.BUILTIN,
        }
        for site in sites.order_by("code")
    ]
    approvable = site_ids_with(request.user, Perm.APPROVE_PARTS_REQUESTS)
    awaiting = selectors.list_parts_requests(request.user, status=PartsRequest.Status.PENDING_APPROVAL)
    if approvable is not None:
        awaiting = awaiting.filter(site_id__in=approvable)
    return render(
        request,
        "erp/purchasing_queue.html",
        {
            "groups": groups,
            "awaiting_approval": awaiting.select_related("work_order__asset")[:50],
            "form": NewPurchaseOrderForm(),
            "orders": selectors.list_purchase_orders(request.user)[:20],
        },
    )


@login_required
@require_POST
def purchase_order_create(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    form = NewPurchaseOrderForm(
        request.POST, line_ids=[int(v) for v in request.POST.getlist("request_lines") if v.isdigit()]
    )
    if not form.is_valid():
        messages.error(request, _("Pick a vendor and at least one line."))
        return redirect("purchasing-queue")
    try:
        po = builtin.create_purchase_order(
            request.user, site, vendor=form.cleaned_data["vendor"], request_line_ids=form.cleaned_data["request_lines"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("purchasing-queue")
    messages.success(request, _("Draft {po} created; check prices and send it.").format(po=po.po_number))
    return redirect("purchase-order-detail", po.pk)


def _purchase_order(request: HttpRequest, po_id: int) -> PurchaseOrder:
    return get_object_or_404(selectors.list_purchase_orders(request.user), pk=po_id)


def _document_lines(request: HttpRequest, po: PurchaseOrder, *, with_amount: bool) -> list[builtin.DocumentLine]:
    lines = []
    for line in po.lines.filter(cancelled=False):
        try:
            quantity = Decimal(request.POST.get(f"quantity_{line.line_number}") or 0)
            amount = Decimal(request.POST.get(f"amount_{line.line_number}") or 0) if with_amount else None
        except InvalidOperation:
            raise DomainError("Quantities and amounts are numbers.", code="validation_failed") from None
        lines.append(builtin.DocumentLine(line.line_number, quantity, amount))
    return lines


def _po_action(request: HttpRequest, po_id: int, action, done: str) -> HttpResponse:
    po = _purchase_order(request, po_id)
    try:
        action(po)
        messages.success(request, done.format(po=po))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("purchase-order-detail", po.pk)


@login_required
@require_POST
def purchase_order_send(request: HttpRequest, po_id: int) -> HttpResponse:
    return _po_action(request, po_id, lambda po: builtin.send_purchase_order(request.user, po), "{po.po_number} sent.")


@login_required
@require_POST
def purchase_order_line_update(request: HttpRequest, po_id: int, line_number: int) -> HttpResponse:
    def update(po):
        line = get_object_or_404(po.lines, line_number=line_number)
        try:
            quantity, price = Decimal(request.POST["quantity"]), Decimal(request.POST["unit_price"])
        except (KeyError, InvalidOperation):
            raise DomainError("Quantity and price are numbers.", code="validation_failed") from None
        builtin.update_draft_line(request.user, line, quantity=quantity, unit_price=price)

    return _po_action(request, po_id, update, _("Line updated."))


@login_required
@require_POST
def purchase_order_receive(request: HttpRequest, po_id: int) -> HttpResponse:
    return _po_action(
        request,
        po_id,
        lambda po: builtin.receive(
            request.user,
            po,
            _document_lines(request, po, with_amount=False),
            receipt_number=request.POST.get("receipt_number", "")[:64],
        ),
        _("Receipt posted on {po.po_number}."),
    )


@login_required
@require_POST
def purchase_order_invoice(request: HttpRequest, po_id: int) -> HttpResponse:
    return _po_action(
        request,
        po_id,
        lambda po: builtin.enter_invoice(
            request.user,
            po,
            _document_lines(request, po, with_amount=True),
            invoice_number=request.POST.get("invoice_number", "")[:64],
        ),
        _("Invoice entered on {po.po_number}."),
    )


@login_required
@require_POST
def purchase_order_cancel(request: HttpRequest, po_id: int) -> HttpResponse:
    return _po_action(
        request,
        po_id,
        lambda po: builtin.cancel_purchase_order(request.user, po, reason=request.POST.get("reason", "")),
        "{po.po_number} cancelled.",
    )


@login_required
def site_connector(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    authorize(request.user, Perm.MANAGE_INTEGRATIONS, site.pk)
    settings = site_settings(site)
    endpoint = WebhookEndpoint.objects.filter(site=site).first()
    tryton = TrytonConnection.objects.filter(site=site).first()
    initial = {
        "connector": settings.connector,
        "approval_threshold": settings.approval_threshold,
        "receiving_storeroom": settings.receiving_storeroom,
        "invoice_without_receipt_days": settings.invoice_without_receipt_days,
        "webhook_url": endpoint.url if endpoint else "",
        "timeout_seconds": endpoint.timeout_seconds if endpoint else 10,
        **(
            {
                "tryton_url": tryton.url,
                "tryton_database": tryton.database,
                "tryton_username": tryton.username,
                "tryton_warehouse_code": tryton.warehouse_code,
                "tryton_service_product_code": tryton.service_product_code,
                "tryton_poll_every_seconds": tryton.poll_every_seconds,
            }
            if tryton
            else {}
        ),
    }
    storerooms = list_storerooms(request.user, site_id=site.pk)
    form = SiteConnectorForm(request.POST or None, initial=initial, storerooms=storerooms)
    status = 200
    report, report_error = None, ""
    if request.method == "POST" and "check_tryton" in request.POST and tryton is not None:
        try:
            report = check_tryton(tryton)
        except TrytonUnreachable as exc:  # our own words: the address and the kind of failure, no answer
            report_error = _("Tryton cannot be reached: %(why)s") % {"why": exc}
        except TrytonError as exc:
            report_error = _("Tryton answered and refused (%(kind)s).") % {"kind": exc.kind[:60]}
        form = SiteConnectorForm(initial=initial, storerooms=storerooms)
    elif request.method == "POST" and "rotate" in request.POST:
        try:
            services.rotate_secret(request.user, site)
            messages.success(request, _("New secret issued; the old one works for 24 hours more."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("site-connector", site.pk)
    elif request.method == "POST":
        if form.is_valid():
            try:
                services.configure_site(request.user, site, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Connector settings saved."))
                return redirect("site-connector", site.pk)
        else:
            status = 422
    return render(
        request,
        "erp/site_connector.html",
        {
            "site": site,
            "form": form,
            "endpoint": endpoint,
            "settings": settings,
            "tryton": tryton,
            "report": report,
            "report_error": report_error,
        },
        status=status,
    )


@login_required
def erp_events(request: HttpRequest) -> HttpResponse:
    allowed = site_ids_with(request.user, Perm.MANAGE_INTEGRATIONS)
    if allowed is not None and not allowed:
        raise PermissionDenied("Inbound ERP events are for administrators.")
    status = request.GET.get("status") or None
    events = selectors.list_erp_events(request.user, status=status)
    return render(request, "erp/events.html", {"page": paginate(request, events), "status": status})
