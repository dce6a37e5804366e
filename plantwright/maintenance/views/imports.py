"""The page where a planner brings a plant's history: choose the kind of file and the site, upload,
see what it would do (checked whole in the worker), confirm, watch it being written."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from plantwright.accounts.selectors import list_sites, site_ids_with
from plantwright.core.errors import DomainError, PermissionDenied
from plantwright.core.files.spreadsheets import download
from plantwright.maintenance.import_jobs import apply_import, start_import
from plantwright.maintenance.import_kinds import import_kind, import_kinds
from plantwright.maintenance.models import ImportJob

# Words for the figures of the reports (their fields), in the reader's language.
FIGURES = {
    "rows": _("rows in the file"), "created": _("new"), "updated": _("changed"), "unchanged": _("unchanged"),
    "already_there": _("already there, left as they are"), "hours": _("hours"), "amount": _("cost"),
    "minutes": _("minutes down"), "done": _("done on time"), "late": _("done late"), "missed": _("missed"),
}  # fmt: skip


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    site = forms.TypedChoiceField(label=_("Site"), coerce=int)
    file = forms.FileField(label=_("File (CSV UTF-8 or XLSX)"))

    def __init__(self, *args, kinds, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.name, kind.label) for kind in kinds]
        self.fields["site"].choices = [(site.pk, site.name) for site in sites]


def _allowed(request: HttpRequest):
    """(the kinds this person may bring somewhere, the sites where they may bring any)."""
    sites = list(list_sites(request.user))
    kinds, where = [], set()
    for kind in import_kinds():
        ids = site_ids_with(request.user, kind.perm)
        here = {site.pk for site in sites if ids is None or site.pk in ids}
        if here:
            kinds.append(kind)
            where |= here
    if not kinds:
        raise PermissionDenied("Importing history needs the right to manage WOs at a site.")
    return kinds, [site for site in sites if site.pk in where]


@login_required
def history_import(request: HttpRequest) -> HttpResponse:
    kinds, sites = _allowed(request)
    if "template" in request.GET:  # an empty file with the columns, to fill in
        kind = import_kind(request.GET["template"])
        if kind is None or kind not in kinds:
            raise PermissionDenied("No such kind of file.")
        return download("csv", f"{kind.name}-template", list(kind.columns), [])
    form = ImportForm(request.POST or None, request.FILES or None, kinds=kinds, sites=sites,
                      initial={"kind": request.GET.get("kind")})  # fmt: skip
    status = 200
    if request.method == "POST" and form.is_valid():
        site = next(site for site in sites if site.pk == form.cleaned_data["site"])
        try:
            job = start_import(request.user, site, form.cleaned_data["kind"], form.cleaned_data["file"])
        except DomainError as error:
            form.add_error("file", error.message)
            status = error.status
        else:
            return redirect("history-import-job", job.pk)
    elif request.method == "POST":
        status = 422
    jobs = ImportJob.objects.filter(requested_by=request.user).select_related("site")[:20]
    context = {"form": form, "kinds": kinds, "jobs": jobs}
    return render(request, "maintenance/history_import.html", context, status=status)


@login_required
def history_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A file's check, preview and import; htmx polls the status part while the worker is at it."""
    job = own_job(request, job_id)
    context = {"job": job, "kind": import_kind(job.kind), "figures": _figures(job.report)}
    template = "maintenance/partials/import_status.html" if request.htmx else "maintenance/history_import_job.html"
    return render(request, template, context)


@login_required
@require_POST
def history_import_apply(request: HttpRequest, job_id: int) -> HttpResponse:
    apply_import(request.user, own_job(request, job_id))
    return redirect("history-import-job", job_id)


def own_job(request: HttpRequest, job_id: int) -> ImportJob:
    """A file the signed-in person brought (nobody else's: theirs is their business)."""
    job = ImportJob.objects.filter(pk=job_id, requested_by=request.user).select_related("site").first()
    if job is None:
        raise Http404("No such import.")
    return job


def _figures(report: dict) -> list[tuple[str, object]]:
    figures = []
    for name, label in FIGURES.items():
        if name in report and name != "applied":
            value = report[name]
            figures.append((label, len(value) if isinstance(value, list) else value))
    return figures
