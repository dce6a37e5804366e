import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import has_perm, list_sites, site_ids_with
from plantwright.assets import imports, meters, selectors
from plantwright.assets.forms import AssetFilterForm, AssetImportForm
from plantwright.core.db.history import change_log
from plantwright.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from plantwright.core.files.spreadsheets import download
from plantwright.core.files.uploads import read_limited
from plantwright.core.formatting import plain
from plantwright.core.http.pages import paginate
from plantwright.core.panels import render_context


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    return render(request, "assets/site_list.html", {"sites": selectors.list_sites_with_counts(request.user)})


@login_required
def site_tree(request: HttpRequest, site_id: int) -> HttpResponse:
    site = list_sites(request.user).filter(pk=site_id).first()
    if site is None:
        raise NotFound(f"Site {site_id} does not exist.")
    return render(request, "assets/site_tree.html", {"site": site, "tree": selectors.site_tree(site.pk)})


@login_required
def asset_list(request: HttpRequest) -> HttpResponse:
    sites = list(list_sites(request.user))
    form = AssetFilterForm(request.GET or None, sites=sites)
    filters = form.cleaned_data if form.is_valid() else {}
    assets = selectors.list_assets(
        request.user, site_id=filters.get("site"), criticality=filters.get("criticality") or None, q=filters.get("q")
    )
    if request.GET.get("format") == "csv":  # the register in the import's columns: edit it, import it back
        return download("csv", "assets", list(imports.COLUMNS), imports.register_rows(assets))
    can_import = site_ids_with(request.user, Perm.MANAGE_ASSETS) != set()
    context = {"form": form, "page": paginate(request, assets), "can_import": can_import}
    template = (
        "assets/partials/asset_rows.html" if request.htmx and not request.htmx.boosted else "assets/asset_list.html"
    )
    return render(request, template, context)


PENDING_IMPORT = "pw_asset_import"  # session key: the checked file, until confirmed


@login_required
def asset_import(request: HttpRequest) -> HttpResponse:
    """Upload a register → see what it would do (a check-only run) → confirm: the checked file is kept in the
    session under a one-time token, so the confirmation applies exactly the file that was checked."""
    allowed = site_ids_with(request.user, Perm.MANAGE_ASSETS)
    sites = [site for site in list_sites(request.user) if allowed is None or site.pk in allowed]
    if not sites:
        raise PermissionDenied("Importing assets needs the right to manage assets at a site.")
    confirming = request.method == "POST" and "confirm" in request.POST
    form = AssetImportForm(None if confirming else request.POST or None, request.FILES or None, sites=sites)
    context = {"form": form, "columns": imports.COLUMNS, "required": imports.REQUIRED}
    if confirming:
        pending = request.session.pop(PENDING_IMPORT, None)
        if not pending or pending["token"] != request.POST["confirm"]:
            context["error"] = ValidationFailed(
                _("This check has expired or was already applied: upload the file again."), code="import_expired"
            )
            return render(request, "assets/asset_import.html", context)
        site = next((site for site in sites if site.pk == pending["site"]), None)
        if site is None:
            raise PermissionDenied("You may no longer manage assets at that site.")
        try:
            report = imports.import_assets(request.user, site, pending["text"].encode(), apply=True)
        except ValidationFailed as error:  # the records changed since the check
            context["error"] = error
            return render(request, "assets/asset_import.html", context)
        counts = {"created": len(report.created), "updated": len(report.updated), "unchanged": report.unchanged}
        text = _("Imported into %(site)s: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.")
        messages.success(request, text % {"site": site.name, **counts})
        return redirect("asset-list")
    if request.method == "POST" and form.is_valid():
        site = next(site for site in sites if site.pk == form.cleaned_data["site"])
        data = read_limited(form.cleaned_data["file"], imports.MAX_BYTES)
        try:
            report = imports.import_assets(request.user, site, data, apply=False)
        except ValidationFailed as error:
            context["error"] = error
            return render(request, "assets/asset_import.html", context)
        token = secrets.token_urlsafe(16)
        request.session[PENDING_IMPORT] = {"token": token, "site": site.pk, "text": data.decode("utf-8-sig")}
        context.update(report=report, token=token, site=site)
    return render(request, "assets/asset_import.html", context)


@login_required
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset(request.user, asset_id)
    meters = list(selectors.list_meters(asset))
    context = {
        "asset": asset,
        "meters": meters,
        "can_read_meters": bool(meters) and has_perm(request.user, Perm.RECORD_READINGS, asset.site_id),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "children": selectors.list_assets(request.user, parent_id=asset.pk),
        "panels": render_context("asset", request, asset),
        "log": change_log(asset),
    }
    return render(request, "assets/asset_detail.html", context)


@login_required
@require_POST
def meter_reading(request: HttpRequest, asset_id: int) -> HttpResponse:
    """A reading typed on the asset page (the time in the viewer's time zone, as the form shows it)."""
    asset = selectors.get_asset(request.user, asset_id)
    try:
        value = Decimal(request.POST.get("value", "").strip().replace(",", "."))
        read_at = timezone.make_aware(datetime.strptime(request.POST.get("read_at", ""), "%Y-%m-%dT%H:%M"))
    except (InvalidOperation, ValueError):
        messages.error(request, _("Give the reading as a number and the time it was read."))
        return redirect("asset-detail", asset.pk)
    try:
        recorded = meters.record_meter_reading(
            request.user,
            asset,
            meter_code=request.POST.get("meter", ""),
            value=value,
            read_at=read_at,
            source=f"ui:{request.user.username}",
        )
    except PermissionDenied:
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        meter = recorded.reading.meter
        messages.success(
            request,
            _("{meter}: {reading} {unit} recorded.").format(
                meter=meter.name, reading=plain(recorded.reading.value), unit=meter.unit
            ),
        )
    return redirect("asset-detail", asset.pk)
