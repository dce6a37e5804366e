from django import forms
from django.utils.translation import gettext_lazy as _

from plantwright.erp.connectors import connector_types
from plantwright.maintenance.models import Vendor


class NewPurchaseOrderForm(forms.Form):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.filter(active=True), empty_label=_("Vendor…"), label=_("Vendor")
    )
    request_lines = forms.TypedMultipleChoiceField(coerce=int, choices=[], label=_("Request lines"))

    def __init__(self, *args, line_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["request_lines"].choices = [(line_id, line_id) for line_id in line_ids]


class SiteConnectorForm(forms.Form):
    connector = forms.ChoiceField(
        choices=lambda: [(kind, entry.label) for kind, entry in connector_types().items()], label=_("Connector")
    )
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
    invoice_without_receipt_days = forms.IntegerField(
        required=False,  # empty: as it was
        min_value=1,
        max_value=365,
        initial=30,
        help_text=_("An invoice still without its receipt after this many days is an audit finding."),
        label=_("Days an invoice waits for its receipt"),
    )
    webhook_url = forms.URLField(required=False, max_length=500, label=_("ERP webhook URL"), assume_scheme="https")
    timeout_seconds = forms.IntegerField(min_value=1, max_value=120, initial=10, label=_("Timeout seconds"))
    tryton_url = forms.URLField(required=False, max_length=500, label=_("Tryton server URL"), assume_scheme="https")
    tryton_database = forms.CharField(required=False, max_length=100, label=_("Tryton database"))
    tryton_username = forms.CharField(required=False, max_length=100, label=_("Tryton user"))
    tryton_password = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the stored one. PLANTWRIGHT_TRYTON_PASSWORD_<SITE> overrides it."),
        label=_("Tryton password"),
    )
    tryton_warehouse_code = forms.CharField(
        required=False, max_length=60, initial="WH", label=_("Tryton warehouse code")
    )
    tryton_service_product_code = forms.CharField(
        required=False,
        max_length=60,
        help_text=_("The Tryton service product contractor lines are ordered as (empty: description only)."),
        label=_("Tryton service product code"),
    )
    tryton_poll_every_seconds = forms.IntegerField(
        required=False, min_value=5, max_value=3600, initial=60, label=_("Ask Tryton for changes every (s)")
    )

    def __init__(self, *args, storerooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_storeroom"].queryset = storerooms
