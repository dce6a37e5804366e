"""The request portal behind an asset's QR label, and the labels themselves (SVG, PDF sheets)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm
from plantwright.assets.selectors import get_asset, list_locations
from plantwright.core.errors import DomainError, NotFound
from plantwright.core.http.client import client_address
from plantwright.portal import labels, services


@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, code: str) -> HttpResponse:
    """Scanning a label: people who may see the asset get its page; anyone else on the plant
    network gets the form to report a problem with it."""
    asset = services.asset_for_code(code)
    user = request.user
    if request.method == "GET" and user.is_authenticated and has_perm(user, Perm.VIEW, asset.site_id):
        return redirect("asset-detail", asset.pk)
    services.check_network(client_address(request))
    context = {"asset": asset, "stamp": services.form_stamp(asset), "values": {}}
    if request.method == "GET":
        return render(request, "portal/form.html", context)
    try:
        work_request = services.submit(
            asset,
            address=client_address(request),
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            stamp=request.POST.get("stamp", ""),
            trap=request.POST.get("website", ""),
            photo=request.FILES.get("photo"),
        )
    except DomainError as exc:
        context.update(error=exc, values=request.POST)
        return render(request, "portal/form.html", context, status=exc.status)
    return render(request, "portal/thanks.html", {"asset": asset, "work_request": work_request}, status=201)


@login_required
def asset_label(request: HttpRequest, asset_id: int) -> HttpResponse:
    """The asset's QR code as SVG (for its page and for printing one label)."""
    asset = get_asset(request.user, asset_id)
    return HttpResponse(labels.qr_svg(labels.label_url(request, asset)), content_type="image/svg+xml")


@login_required
def location_labels(request: HttpRequest, location_id: int) -> HttpResponse:
    """A printable A4 sheet of QR labels: every asset in the location and its sub-locations."""
    location = list_locations(request.user).filter(pk=location_id).first()
    if location is None:
        raise NotFound(f"Location {location_id} does not exist.")
    try:
        part = int(request.GET.get("part", "1"))
    except ValueError:
        part = 0
    if not 1 <= part <= labels.label_parts(location):
        raise NotFound(f"The labels of {location.code} have no part {request.GET.get('part')!r}.")
    pdf = labels.label_sheet(request, location, part)
    response = HttpResponse(pdf, content_type="application/pdf")
    suffix = f"-{part}" if part > 1 else ""
    response["Content-Disposition"] = content_disposition_header(False, f"labels-{location.code}{suffix}.pdf")
    return response
