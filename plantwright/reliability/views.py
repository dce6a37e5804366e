"""The reliability pages: a scope's KPIs with formulas, trends and Pareto charts, the per-asset
report and its exports, the WOs behind each figure, and the data-integrity audit."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from plantwright.accounts.web import chosen_site
from plantwright.core.files import spreadsheets
from plantwright.core.http.pages import paginate
from plantwright.reliability import charts, display, exports
from plantwright.reliability.audit import integrity_findings
from plantwright.reliability.export_jobs import start_export
from plantwright.reliability.filters import filters_for
from plantwright.reliability.kpis import MEASURES, Period, asset_report, monthly_trend, pareto, parts_by_asset
from plantwright.reliability.models import Export
from plantwright.reliability.monthly import as_of, recent_enough
from plantwright.reliability.registry import DRILLS

PARETO_ASSETS = 15
COST_ASSETS = 10


def _month_label(period: Period) -> str:
    return date_format(period.day_from, "M y")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = filters_for(request.user, request.GET)
    if filters is None:
        return render(request, "reliability/dashboard.html", {"f": None})
    with recent_enough():  # a page: the months as the worker refreshed them seconds ago will do
        parts = parts_by_asset(filters.scope, filters.period)
        months = monthly_trend(filters.scope, filters.period)
    figures = parts.total().kpis()
    labels = [_month_label(m.period) for m in months]
    measure = request.GET.get("pareto") if request.GET.get("pareto") in MEASURES else "downtime"
    worst, whole = pareto(parts, measure, limit=PARETO_ASSETS)
    name, unit, _names, _divisor = MEASURES[measure]
    unit = unit or (f" {filters.site.currency}" if measure == "cost" else "")
    by_cost, _whole = pareto(parts, "cost", limit=COST_ASSETS)
    cost_series = [(_("Labor"), "pw-cost-labor", "labor"), (_("Parts"), "pw-cost-parts", "parts")]
    cost_series.append((_("Contractor"), "pw-cost-contractor", "contractor"))
    context = {
        "f": filters,
        "as_of": as_of(filters.scope.site_ids) if settings.RELIABILITY_STALE_SECONDS > 0 else None,
        "k": figures,
        "tiles": display.tiles(figures, filters.query(), filters.site.currency),
        "assets": len(parts),
        "months": months,
        "measure": measure,
        "measures": {key: value[0] for key, value in MEASURES.items()},
        "worst": worst,
        "whole": whole,
        "unit": unit,
        "by_cost": by_cost,
        "failures_chart": charts.stacked_bars(
            _("Failures per month"), labels, [(_("Failures"), "pw-failures", [m.failures for m in months])]
        ),
        "downtime_chart": charts.stacked_bars(
            _("Failure downtime per month"),
            labels,
            [(_("Downtime"), "pw-downtime", [m.downtime_hours for m in months])],
            unit=" h",
        ),
        "hours_chart": charts.stacked_bars(
            _("Planned and reactive hours per month"),
            labels,
            [
                (_("Planned"), "pw-hours-planned", [m.planned_hours for m in months]),
                (_("Reactive"), "pw-hours-reactive", [m.reactive_hours for m in months]),
            ],
            unit=" h",
        ),
        "cost_chart": charts.stacked_bars(
            _("Maintenance cost per month ({currency})").format(currency=filters.site.currency),
            labels,
            [(label, css, [getattr(m, key) for m in months]) for label, css, key in cost_series],
        ),
        "pareto_chart": charts.pareto(
            _("Worst assets by {measure}").format(measure=str(name).lower()),
            [row.asset.code for row in worst],
            [row.value for row in worst],
            [row.cumulative for row in worst],
            unit=unit,
        ),
        "asset_cost_chart": charts.stacked_bars(
            _("Cost per asset by kind ({currency})").format(currency=filters.site.currency),
            [row.asset.code for row in by_cost],
            [(label, css, [getattr(row.parts, key) for row in by_cost]) for label, css, key in cost_series],
        ),
    }
    return render(request, "reliability/dashboard.html", context)


@login_required
def asset_table(request: HttpRequest) -> HttpResponse:
    """Every asset of the scope with its KPIs; ?format=csv downloads the same table (XLSX: an export job)."""
    filters = filters_for(request.user, request.GET)
    if filters is None:
        return render(request, "reliability/assets.html", {"f": None})
    rows, figures = asset_report(filters.scope, filters.period)
    if request.GET.get("format") == "csv":
        name = f"kpis-{filters.site.code}-{filters.period.day_from}-{filters.period.day_to}"
        return spreadsheets.download("csv", name, exports.KPI_COLUMNS, exports.kpi_rows(rows, figures, filters.site))
    page = paginate(request, rows, 50)
    context = {
        "f": filters,
        "page": page,
        "columns": display.TABLE_KPIS,
        "rows": [(row.asset, display.table_cells(row.kpis)) for row in page],
        "all": display.table_cells(figures),
    }
    return render(request, "reliability/assets.html", context)


@login_required
def behind(request: HttpRequest, figure: str) -> HttpResponse:
    """The exact WOs behind a figure of the dashboard (a drill of the registry), for the same site,
    filters and period."""
    drill = DRILLS.get(figure)
    if drill is None:
        raise Http404("No such figure.")
    filters = filters_for(request.user, request.GET)
    if filters is None:
        return render(request, "reliability/behind.html", {"f": None})
    page = paginate(request, drill.rows(filters.scope, filters.period, filters.site))
    context = {
        "f": filters,
        "drill": drill,
        "note": drill.note(filters.site) if drill.note else "",
        "page": page,
        "rows": display.drill_rows(drill, page, filters.period),
    }
    return render(request, "reliability/behind.html", context)


# The pages a finding's records open (records of kinds without a page are shown as text).
RECORD_PAGES = {
    "work_order": "work-order-detail",
    "purchase_order": "purchase-order-detail",
    "asset": "asset-detail",
}
AUDIT_SHOWN = 50


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    """The data-integrity audit of a site: each rule with its count, how to fix, and its findings."""
    site, sites = chosen_site(request)
    if site is None:
        return render(request, "reliability/audit.html", {"site": None})
    results = integrity_findings([site.pk], limit=AUDIT_SHOWN)
    for result in results:
        for finding in result.findings:
            for record in finding["records"]:
                page = RECORD_PAGES.get(record["type"])
                record["url"] = reverse(page, args=[record["id"]]) if page else None
    groups: dict[str, list] = {}
    for result in results:
        groups.setdefault(result.rule.group, []).append(result)
    return render(
        request,
        "reliability/audit.html",
        {
            "site": site,
            "sites": sites,
            "groups": groups,
            "total": sum(r.count for r in results),
            "errors": sum(r.count for r in results if r.rule.severity == "error"),
            "shown": AUDIT_SHOWN,
        },
    )


# What a manager's home page shows first: the figures people ask about, then what needs fixing.
AT_A_GLANCE = ("mtbf_hours", "mttr_hours", "availability", "planned_hours_ratio", "pm_compliance", "total_cost")


@login_required
def at_a_glance(request: HttpRequest) -> HttpResponse:
    """The manager's home figures (fetched by the home page after it has shown, so the home page
    never waits for them): the last twelve months' headline KPIs and the audit's open findings."""
    filters = filters_for(request.user, request.GET)
    if filters is None:
        return render(request, "reliability/partials/at_a_glance.html", {"f": None})
    figures = parts_by_asset(filters.scope, filters.period).total().kpis()
    tiles = [t for t in display.tiles(figures, filters.query(), filters.site.currency) if t.kpi.name in AT_A_GLANCE]
    results = integrity_findings([filters.site.pk], limit=0)
    context = {
        "f": filters,
        "tiles": tiles,
        "findings": sum(r.count for r in results),
        "errors": sum(r.count for r in results if r.rule.severity == "error"),
    }
    return render(request, "reliability/partials/at_a_glance.html", context)


@login_required
@require_POST
def export_start(request: HttpRequest) -> HttpResponse:
    """Ask for an XLSX export of a page (its filters come as `query`); its job runs in the worker."""
    export = start_export(request.user, request.POST.get("kind", ""), QueryDict(request.POST.get("query", "")))
    return redirect("export-detail", export.pk)


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    exports_ = Export.objects.filter(requested_by=request.user)[:30]
    return render(request, "reliability/export_list.html", {"exports": exports_})


def _own_export(request: HttpRequest, export_id: int) -> Export:
    export = Export.objects.filter(pk=export_id, requested_by=request.user).first()
    if export is None:
        raise Http404("No such export.")
    return export


@login_required
def export_detail(request: HttpRequest, export_id: int) -> HttpResponse:
    """The export's progress; htmx polls the status part until the file is ready."""
    export = _own_export(request, export_id)
    template = "reliability/partials/export_status.html" if request.htmx else "reliability/export_detail.html"
    return render(request, template, {"export": export})


@login_required
def export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    export = _own_export(request, export_id)
    if export.status != Export.Status.DONE or not export.file:
        raise Http404("This export is not ready.")
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=f"{export.name}.xlsx")
