from django import forms
from django.utils.translation import gettext_lazy as _

from plantwright.inventory.models import Part


class IssueForm(forms.Form):
    part = forms.ModelChoiceField(queryset=Part.objects.filter(active=True), empty_label=_("Part…"), label=_("Part"))
    storeroom = forms.ModelChoiceField(queryset=None, empty_label=_("Storeroom…"), label=_("Storeroom"))
    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4, initial=1, label=_("Quantity"))

    def __init__(self, *args, storerooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["storeroom"].queryset = storerooms


class ReturnForm(forms.Form):
    issue = forms.IntegerField(widget=forms.HiddenInput, label=_("Issue"))
    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4, label=_("Quantity"))


class ReceiptForm(forms.Form):
    storeroom = forms.ModelChoiceField(queryset=None, label=_("Storeroom"))
    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4, label=_("Quantity"))
    unit_cost = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4, label=_("Unit cost"))
    reference = forms.CharField(required=False, max_length=120, label=_("Delivery note / reference"))

    def __init__(self, *args, storerooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["storeroom"].queryset = storerooms
