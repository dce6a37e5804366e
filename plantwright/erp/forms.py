from django import forms

from plantwright.maintenance.models import Vendor
from plantwright.procurement.models import ConnectorKind


class NewPurchaseOrderForm(forms.Form):
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.filter(active=True), empty_label="Vendor…")
    request_lines = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args, line_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request_lines"].choices = [(line_id, line_id) for line_id in line_ids]


class SiteConnectorForm(forms.Form):
    connector = forms.ChoiceField(choices=ConnectorKind.choices)
    approval_threshold = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=4,
        help_text="Requests estimated above this need a manager's approval (empty: never).",
    )
    receiving_storeroom = forms.ModelChoiceField(queryset=None, required=False, empty_label="First storeroom")
    webhook_url = forms.URLField(required=False, max_length=500, label="ERP webhook URL", assume_scheme="https")
    timeout_seconds = forms.IntegerField(min_value=1, max_value=120, initial=10)

    def __init__(self, *args, storerooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_storeroom"].queryset = storerooms
