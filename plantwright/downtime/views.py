"""Downtime pages: the stop list, the rules of a site, the refused events."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, has_perm, list_sites
from plantwright.downtime import selectors, services
from plantwright.downtime.forms import RuleForm, StopFilterForm
from plantwright.downtime.models import DowntimeRule
from plantwright.errors import DomainError
from plantwright.web import add_domain_error, paginate


@login_required
def stop_list(request: HttpRequest) -> HttpResponse:
    form = StopFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    stops = selectors.list_stops(
        request.user,
        asset_code=data.get("asset", ""),
        category=data.get("category", ""),
        with_work_order={"yes": True, "no": False}.get(data.get("with_wo", "")),
    )
    template = "downtime/partials/stop_table.html" if request.htmx else "downtime/stop_list.html"
    return render(request, template, {"page": paginate(request, stops), "form": form})


@login_required
def rejected_events(request: HttpRequest) -> HttpResponse:
    events = selectors.list_rejected_events(request.user)
    return render(request, "downtime/rejected.html", {"page": paginate(request, events)})


@login_required
def rules(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    can_edit = has_perm(request.user, Perm.MANAGE_DOWNTIME_RULES, site.pk)
    rule_id = request.POST.get("rule") if request.method == "POST" else None
    editing = get_object_or_404(DowntimeRule, pk=rule_id, site=site) if rule_id else None
    status = 200
    if request.method == "POST":
        authorize(request.user, Perm.MANAGE_DOWNTIME_RULES, site.pk)
        form = RuleForm(request.POST, instance=editing, prefix=f"r{rule_id or 'new'}")
        if form.is_valid():
            try:
                fields = {name: form.cleaned_data[name] for name in RuleForm.Meta.fields}
                services.save_rule(request.user, site, editing or None, **fields)
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, f"Rule '{fields['name']}' saved.")
                return redirect("downtime-rules", site.pk)
        else:
            status = 422
        failed = form
    else:
        failed = None
    forms = []
    for rule in selectors.list_rules(request.user, site.pk):
        forms.append(
            failed
            if failed is not None and editing and editing.pk == rule.pk
            else RuleForm(instance=rule, prefix=f"r{rule.pk}")
        )
    new = failed if failed is not None and editing is None else RuleForm(prefix="rnew")
    return render(
        request, "downtime/rules.html", {"site": site, "forms": forms, "new": new, "can_edit": can_edit}, status=status
    )


@login_required
@require_POST
def rule_delete(request: HttpRequest, site_id: int, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(DowntimeRule, pk=rule_id, site_id=site_id)
    try:
        services.delete_rule(request.user, rule)
        messages.success(request, f"Rule '{rule.name}' deleted.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("downtime-rules", site_id)
