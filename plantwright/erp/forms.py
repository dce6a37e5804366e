from django import forms
from django.utils.translation import gettext_lazy as _

from plantwright.maintenance.models import Vendor
from plantwright.procurement.models import ConnectorKind


class NewPurchaseOrderForm(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.filter(active=True), empty_label=_("Vendor…"), label=_("Vendor")
    )
    request_lines = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("Request lines"))

    def __init__(self, *args, line_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request_lines"].choices = [(line_id, line_id) for line_id in line_ids]


class SiteConnectorForm(forms.Form):
    connector = forms.ChoiceField(choices=ConnectorKind.choices, label=_("Connector"))
    approval_threshold = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=4,
        help_text=_("Requests estimated above this need a manager's approval (empty: never)."),
        label=_("Approval threshold"),
    )
    receiving_storeroom = forms.ModelChoiceField(
        queryset=None, required=False, empty_label=_("First storeroom"), label=_("Receiving storeroom")
    )
    webhook_url = forms.URLField(required=False, max_length=500, label=_("ERP webhook URL"), assume_scheme="https")
    timeout_seconds = forms.IntegerField(min_value=1, max_value=120, initial=10, label=_("Timeout seconds"))

    def __init__(self, *args, storerooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_storeroom"].queryset = storerooms
