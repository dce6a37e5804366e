from django import forms
from django.utils.translation import gettext_lazy as _

from plantwright.assets.models import Criticality

# The button that reads an asset's QR label with the camera (plantwright-scan-*.js).
SCAN_LABEL = _("Scan QR label")


class AssetFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    site = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Site"))
    criticality = forms.ChoiceField(
        required=False, choices=[("", _("Any criticality")), *Criticality.choices], label=_("Criticality")
    )

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("All sites")), *[(s.pk, s.name) for s in sites]]
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Code, name, OEE id, cost centre"), "data-scan": SCAN_LABEL}
        )


class AssetImportForm(forms.Form):
    site = forms.TypedChoiceField(coerce=int, label=_("Site"))
    file = forms.FileField(label=_("CSV file"), widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [(s.pk, s.name) for s in sites]
