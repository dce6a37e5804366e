from django import forms
from django.utils.translation import gettext_lazy as _

from plantwright.downtime.models import Category, DowntimeRule


class RuleForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any"),
        label=_("Categories"),
    )
    reason_codes = forms.CharField(
        required=False, help_text=_("Comma separated; empty: any reason"), label=_("Reason codes")
    )

    class Meta:
        model = DowntimeRule
        fields = [
            "position", "name", "active", "categories", "reason_codes", "action", "min_duration_minutes",
            "repeat_count", "repeat_window_hours", "work_order_type", "priority", "is_failure",
        ]  # fmt: skip
        labels = {
            "position": _("Position"),
            "name": _("Name"),
            "active": _("Active"),
            "action": _("Action"),
            "min_duration_minutes": _("Minimum duration (min)"),
            "repeat_count": _("Repeat count"),
            "repeat_window_hours": _("Repeat window (h)"),
            "work_order_type": _("WO type"),
            "priority": _("Priority"),
            "is_failure": _("Counts as a failure"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["reason_codes"] = ", ".join(self.instance.reason_codes)

    def clean_reason_codes(self) -> list[str]:
        return [code.strip() for code in self.cleaned_data["reason_codes"].split(",") if code.strip()]


class StopFilterForm(forms.Form):
    asset = forms.CharField(required=False, max_length=60, label=_("Asset code"))
    category = forms.ChoiceField(
        choices=[("", _("Any category")), *Category.choices], required=False, label=_("Category")
    )
    with_wo = forms.ChoiceField(
        choices=[("", _("With or without a WO")), ("yes", _("Opened/attached to a WO")), ("no", _("Without a WO"))],
        required=False,
        label=_("WO"),
    )


class OeeWebhookForm(forms.Form):
    url = forms.URLField(label=_("OEE platform URL"), max_length=500, assume_scheme="https")
    active = forms.BooleanField(required=False, initial=True, label=_("Send WO status here"))
    timeout_seconds = forms.IntegerField(min_value=1, max_value=120, initial=10, label=_("Timeout (s)"))
