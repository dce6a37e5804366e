from django import forms
from django.utils.translation import gettext_lazy as _

from plantwright.assets.models import Asset, Meter
from plantwright.core.http.widgets import DateInput
from plantwright.inventory.models import Part
from plantwright.maintenance.models import CheckKind, Craft
from plantwright.pm.models import JobPlan, PmSchedule
from plantwright.pm.services import SCHEDULE_FIELDS

MONTHS = [(None, "—")] + [(n, f"{n:02d}") for n in range(1, 13)]


class ScheduleForm(forms.ModelForm):
    """Parses; the rules (an asset of the site, a meter of the asset ...) are `save_schedule`'s."""

    class Meta:
        model = PmSchedule
        fields = list(SCHEDULE_FIELDS)
        widgets = {
            "starts_on": DateInput(),
            "season_start_month": forms.Select(choices=MONTHS),
            "season_end_month": forms.Select(choices=MONTHS),
        }
        labels = {
            "name": _("Name"),
            "asset": _("Asset"),
            "job_plan": _("Job plan"),
            "trigger": _("Trigger"),
            "mode": _("Mode"),
            "interval": _("Interval"),
            "interval_unit": _("Interval unit"),
            "starts_on": _("Starts on"),
            "meter": _("Meter"),
            "meter_interval": _("Meter interval"),
            "meter_start": _("Meter start"),
            "lead_days": _("Lead days"),
            "season_start_month": _("Season start month"),
            "season_end_month": _("Season end month"),
            "priority": _("Priority"),
            "work_order_type": _("WO type"),
            "active": _("Active"),
        }

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = Asset.objects.filter(site=site).order_by("code")
        self.fields["job_plan"].queryset = JobPlan.objects.filter(site=site, active=True)
        self.fields["meter"].queryset = Meter.objects.filter(asset__site=site).select_related("asset")
        self.fields["asset"].required = True

    def _post_clean(self):
        # The model's own checks run in the service, with the site's context and one error format.
        pass


class JobPlanForm(forms.Form):
    code = forms.CharField(max_length=40, label=_("Code"))
    name = forms.CharField(max_length=200, label=_("Name"))
    description = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                                  label=_("What the work is"))  # fmt: skip
    safety_notes = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                                   label=_("Safety (isolation, PPE, permits)"))  # fmt: skip
    active = forms.BooleanField(required=False, initial=True, label=_("In use"))


class PlanTaskForm(forms.Form):
    description = forms.CharField(max_length=500, required=False, label=_("Task"))
    craft = forms.ModelChoiceField(queryset=Craft.objects.all(), required=False, to_field_name="code",
                                   empty_label=_("Any craft"), label=_("Craft"))  # fmt: skip
    estimated_hours = forms.DecimalField(required=False, min_value=0, max_digits=7, decimal_places=2,
                                         label=_("Est. h"))  # fmt: skip

    def row(self) -> dict | None:
        data = self.cleaned_data
        if data.get("DELETE") or not data.get("description"):
            return None
        return {"description": data["description"], "craft": data["craft"].code if data["craft"] else None,
                "estimated_hours": data.get("estimated_hours") or 0}  # fmt: skip


class PlanCheckForm(forms.Form):
    text = forms.CharField(max_length=300, required=False, label=_("Check"))
    kind = forms.ChoiceField(choices=CheckKind.choices, initial=CheckKind.PASS_FAIL, label=_("Kind"))
    lower_limit = forms.DecimalField(required=False, max_digits=14, decimal_places=4, label=_("Lower limit"))
    upper_limit = forms.DecimalField(required=False, max_digits=14, decimal_places=4, label=_("Upper limit"))
    unit = forms.CharField(max_length=20, required=False, label=_("Unit"))

    def row(self) -> dict | None:
        data = self.cleaned_data
        if data.get("DELETE") or not data.get("text"):
            return None
        return {key: data.get(key) for key in ("text", "kind", "lower_limit", "upper_limit", "unit")}


class PlanPartForm(forms.Form):
    part = forms.ModelChoiceField(queryset=Part.objects.filter(active=True), required=False,
                                  empty_label=_("Part…"), label=_("Part"))  # fmt: skip
    quantity = forms.DecimalField(required=False, min_value=0, max_digits=14, decimal_places=4, label=_("Quantity"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].widget.attrs["data-searchable"] = _("Search: part number or name")

    def row(self) -> dict | None:
        data = self.cleaned_data
        if data.get("DELETE") or not data.get("part"):
            return None
        return {"part": data["part"].pk, "quantity": data.get("quantity") or 0}


PlanTaskFormSet = forms.formset_factory(PlanTaskForm, extra=1, max_num=200, can_delete=True)
PlanCheckFormSet = forms.formset_factory(PlanCheckForm, extra=1, max_num=200, can_delete=True)
PlanPartFormSet = forms.formset_factory(PlanPartForm, extra=1, max_num=200, can_delete=True)
