from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from plantwright.accounts.selectors import list_sites
from plantwright.assets import selectors
from plantwright.assets.forms import AssetFilterForm
from plantwright.errors import NotFound
from plantwright.history import change_log
from plantwright.panels import render_context
from plantwright.web import paginate


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
    context = {"form": form, "page": paginate(request, assets)}
    template = (
        "assets/partials/asset_rows.html" if request.htmx and not request.htmx.boosted else "assets/asset_list.html"
    )
    return render(request, template, context)


@login_required
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = selectors.get_asset(request.user, asset_id)
    context = {
        "asset": asset,
        "children": selectors.list_assets(request.user, parent_id=asset.pk),
        "panels": render_context("asset", request, asset),
        "log": change_log(asset),
    }
    return render(request, "assets/asset_detail.html", context)
