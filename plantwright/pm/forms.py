from django import forms
from django.utils.translation import gettext_lazy as _

from plantwright.assets.models import Asset, Meter
from plantwright.core.http.widgets import DateInput
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
