"""The planner's job plans: a site's list, and one plan with its tasks, checklist and standard parts
(each a list with "+ Add a line" and "Remove this line"). Until this page they were admin-only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, has_perm, list_sites
from plantwright.core.errors import DomainError
from plantwright.pm.forms import JobPlanForm, PlanCheckFormSet, PlanPartFormSet, PlanTaskFormSet
from plantwright.pm.job_plans import PLAN_FIELDS, save_job_plan
from plantwright.pm.models import JobPlan


@login_required
def job_plans(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    plans = JobPlan.objects.filter(site=site).prefetch_related("tasks", "checks", "parts").order_by("code")
    can_manage = has_perm(request.user, Perm.MANAGE_PM, site.pk)
    return render(request, "pm/job_plans.html", {"site": site, "plans": plans, "can_manage": can_manage})


def _initial(plan: JobPlan | None) -> tuple[dict, list, list, list]:
    if plan is None:
        return {}, [], [], []
    tasks = [{"description": t.description, "craft": t.craft, "estimated_hours": t.estimated_hours}
             for t in plan.tasks.select_related("craft")]  # fmt: skip
    checks = [{"text": c.text, "kind": c.kind, "lower_limit": c.lower_limit, "upper_limit": c.upper_limit,
               "unit": c.unit} for c in plan.checks.all()]  # fmt: skip
    parts = [{"part": p.part, "quantity": p.quantity} for p in plan.parts.select_related("part")]
    return {name: getattr(plan, name) for name in PLAN_FIELDS}, tasks, checks, parts


@login_required
def job_plan_edit(request: HttpRequest, site_id: int, plan_id: int | None = None) -> HttpResponse:
    site = get_object_or_404(list_sites(request.user), pk=site_id)
    authorize(request.user, Perm.MANAGE_PM, site.pk)
    plan = get_object_or_404(JobPlan, pk=plan_id, site=site) if plan_id else None
    fields, tasks, checks, parts = _initial(plan)
    data = request.POST or None
    form = JobPlanForm(data, initial=fields)
    lists = {
        "tasks": PlanTaskFormSet(data, prefix="tasks", initial=tasks),
        "checks": PlanCheckFormSet(data, prefix="checks", initial=checks),
        "parts": PlanPartFormSet(data, prefix="parts", initial=parts),
    }
    status = 200
    if request.method == "POST":
        if form.is_valid() and all(formset.is_valid() for formset in lists.values()):
            rows = {name: [r for f in formset if (r := f.row()) is not None] for name, formset in lists.items()}
            try:
                saved = save_job_plan(request.user, site, plan, **rows, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Job plan {code} saved.").format(code=saved.code))
                return redirect("pm-job-plans", site.pk)
        else:
            status = 422
    context = {"site": site, "plan": plan, "form": form, **lists}
    return render(request, "pm/job_plan_form.html", context, status=status)
