from django import forms

from plantwright.downtime.models import Category, DowntimeRule


class RuleForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        choices=Category.choices, required=False, widget=forms.CheckboxSelectMultiple, help_text="None ticked: any"
    )
    reason_codes = forms.CharField(required=False, help_text="Comma separated; empty: any reason")

    class Meta:
        model = DowntimeRule
        fields = [
            "position", "name", "active", "categories", "reason_codes", "action", "min_duration_minutes",
            "repeat_count", "repeat_window_hours", "work_order_type", "priority", "is_failure",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["reason_codes"] = ", ".join(self.instance.reason_codes)

    def clean_reason_codes(self) -> list[str]:
        return [code.strip() for code in self.cleaned_data["reason_codes"].split(",") if code.strip()]


class StopFilterForm(forms.Form):
    asset = forms.CharField(required=False, max_length=60, label="Asset code")
    category = forms.ChoiceField(choices=[("", "Any category"), *Category.choices], required=False)
    with_wo = forms.ChoiceField(
        choices=[("", "With or without a WO"), ("yes", "Opened/attached to a WO"), ("no", "Without a WO")],
        required=False,
        label="WO",
    )


class OeeWebhookForm(forms.Form):
    url = forms.URLField(label="OEE platform URL", max_length=500, assume_scheme="https")
    active = forms.BooleanField(required=False, initial=True, label="Send WO status here")
    timeout_seconds = forms.IntegerField(min_value=1, max_value=120, initial=10, label="Timeout (s)")
