"""Downtime pages: the stop list, the rules of a site, the refused events."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, has_perm, list_sites
from plantwright.core.errors import DomainError
from plantwright.core.http.pages import add_domain_error, paginate
from plantwright.downtime import selectors, services
from plantwright.downtime.forms import OeeWebhookForm, RuleForm, StopFilterForm
from plantwright.downtime.models import DowntimeRule, OeeWebhook
from plantwright.downtime.mqtt import status_topic


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
                messages.success(request, _("Rule '{name}' saved.").format(name=fields["name"]))
                return redirect("downtime-rules", site.pk)
        else:
            status = 422
        failed = form
    else:
        failed = None
    return _rules_page(request, site, failed=failed, editing=editing, status=status)


def _rules_page(request, site, *, failed=None, editing=None, webhook_form=None, status=200) -> HttpResponse:
    """The rules of a site, with a rule form that failed (or the webhook form that did) kept as sent."""
    forms = [
        failed
        if failed is not None and editing and editing.pk == rule.pk
        else RuleForm(instance=rule, prefix=f"r{rule.pk}")
        for rule in selectors.list_rules(request.user, site.pk)
    ]
    context = {
        "site": site,
        "forms": forms,
        "new": failed if failed is not None and editing is None else RuleForm(prefix="rnew"),
        "can_edit": has_perm(request.user, Perm.MANAGE_DOWNTIME_RULES, site.pk),
        # The topic as MQTT_TOPIC_PREFIX makes it, not as the default spells it.
        "status_topic": status_topic(site.code, "<number>"),
        **_webhook_context(request, site, webhook_form),
    }
    return render(request, "downtime/rules.html", context, status=status)


def _webhook_context(request: HttpRequest, site, form: OeeWebhookForm | None = None) -> dict:
    if not has_perm(request.user, Perm.MANAGE_INTEGRATIONS, site.pk):
        return {}
    webhook = OeeWebhook.objects.filter(site=site).first()
    initial = (
        {"url": webhook.url, "active": webhook.active, "timeout_seconds": webhook.timeout_seconds} if webhook else {}
    )
    return {"webhook": webhook, "webhook_form": form or OeeWebhookForm(initial=initial)}


@login_required
@require_POST
def oee_webhook(request: HttpRequest, site_id: int) -> HttpResponse:
    """Integrators: the optional signed webhook for WO status (save, or rotate its secret)."""
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    authorize(request.user, Perm.MANAGE_INTEGRATIONS, site.pk)
    if "rotate" in request.POST:
        try:
            services.rotate_oee_secret(request.user, site)
            messages.success(request, _("New secret issued; the old one is sent alongside for 24 hours more."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("downtime-rules", site.pk)
    form = OeeWebhookForm(request.POST)
    if form.is_valid():
        try:
            services.configure_oee_webhook(request.user, site, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("OEE webhook saved."))
            return redirect("downtime-rules", site.pk)
    return _rules_page(request, site, webhook_form=form, status=422)


@login_required
@require_POST
def rule_delete(request: HttpRequest, site_id: int, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(DowntimeRule, pk=rule_id, site_id=site_id)
    try:
        services.delete_rule(request.user, rule)
        messages.success(request, _("Rule '{name}' deleted.").format(name=rule.name))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("downtime-rules", site_id)
