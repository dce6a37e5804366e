from django import forms
from django.utils.translation import gettext_lazy as _

from plantwright.core.http.widgets import DateInput
from plantwright.inventory.models import Part
from plantwright.maintenance.models import Vendor
from plantwright.procurement.models import LineKind


class RequestLineForm(forms.Form):
    kind = forms.ChoiceField(choices=LineKind.choices, initial=LineKind.PART, label=_("Kind"))
    part = forms.ModelChoiceField(
        queryset=Part.objects.filter(active=True),
        required=False,
        empty_label=_("Catalogue part (or describe it)…"),
        label=_("Part"),
    )
    description = forms.CharField(max_length=300, required=False, label=_("Description"))
    quantity = forms.DecimalField(min_value=0, max_digits=14, decimal_places=4, required=False, label=_("Quantity"))
    unit = forms.CharField(max_length=12, required=False, initial="ea", label=_("Unit"))
    estimated_unit_cost = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=4, required=False, label=_("Estimated unit cost")
    )
    need_by = forms.DateField(required=False, widget=DateInput(), label=_("Need by"))
    suggested_vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.filter(active=True),
        required=False,
        empty_label=_("Suggested vendor…"),
        label=_("Suggested vendor"),
    )
    for_stock = forms.BooleanField(required=False, label=_("Buy for stock (issue from the storeroom later)"))

    def has_content(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("part") or data.get("description") or data.get("quantity"))

    def as_line(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "part": data["part"].pk if data.get("part") else None,
            "description": data.get("description") or "",
            "quantity": data.get("quantity") or 0,
            "unit": data.get("unit") or "",
            "estimated_unit_cost": data.get("estimated_unit_cost") or 0,
            "need_by": data.get("need_by"),
            "suggested_vendor": data["suggested_vendor"].pk if data.get("suggested_vendor") else None,
            "for_stock": data.get("for_stock", False),
        }


# One blank line to start with; "Add a line" (plantwright-0.1.js) and "Remove this line" do the rest.
RequestLineFormSet = forms.formset_factory(RequestLineForm, extra=1, max_num=20, can_delete=True)


class RequestNoteForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note"))
    need_arose_on = forms.DateField(required=False, widget=DateInput(), label=_("Needed since (if earlier than today)"))


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=500, label=_("Reason"))
