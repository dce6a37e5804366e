from decimal import Decimal

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from plantwright.core.formatting import plain
from plantwright.core.http.widgets import DateInput
from plantwright.inventory.models import Part


class IssueForm(forms.Form):
    part = forms.ModelChoiceField(queryset=Part.objects.filter(active=True), empty_label=_("Part…"), label=_("Part"))
    storeroom = forms.ModelChoiceField(queryset=None, empty_label=_("Storeroom…"), label=_("Storeroom"))
    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4, initial=1, label=_("Quantity"))
    used_on = forms.DateField(required=False, widget=DateInput(), label=_("Used on"))

    def __init__(self, *args, storerooms=None, on_hand=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["storeroom"].queryset = storerooms
        rooms = list(storerooms) if storerooms is not None else []
        if len(rooms) == 1:  # the only storeroom is the one to issue from
            self.fields["storeroom"].initial = rooms[0].pk
            self.fields["storeroom"].empty_label = None
        if on_hand is not None:  # the picker says what is on the shelf here
            self.fields["part"].label_from_instance = lambda part: (
                _("%(part)s · %(count)s on hand")
                % {
                    "part": part,
                    "count": number_format(Decimal(plain(on_hand.get(part.pk) or Decimal(0)))),
                }
            )
        self.fields["part"].widget.attrs["data-searchable"] = _("Search: part number or name")
        if today is not None:  # the site's today, changed when the part was fitted earlier
            self.fields["used_on"].initial = today
            self.fields["used_on"].widget.attrs["max"] = today.isoformat()


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
