from django import forms

from plantwright.assets.models import Criticality


class AssetFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    site = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    criticality = forms.ChoiceField(required=False, choices=[("", "Any criticality"), *Criticality.choices])

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "All sites"), *[(s.pk, s.name) for s in sites]]
        self.fields["q"].widget.attrs["placeholder"] = "Code, name, OEE id, cost centre"
