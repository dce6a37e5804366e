from django import forms

from plantwright.inventory.models import Part


class IssueForm(forms.Form):
    part = forms.ModelChoiceField(queryset=Part.objects.filter(active=True), empty_label="Part…")
    storeroom = forms.ModelChoiceField(queryset=None, empty_label="Storeroom…")
    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4, initial=1)

    def __init__(self, *args, storerooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["storeroom"].queryset = storerooms


class ReturnForm(forms.Form):
    issue = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4)


class ReceiptForm(forms.Form):
    storeroom = forms.ModelChoiceField(queryset=None)
    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4)
    unit_cost = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4)
    reference = forms.CharField(required=False, max_length=120, label="Delivery note / reference")

    def __init__(self, *args, storerooms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["storeroom"].queryset = storerooms
