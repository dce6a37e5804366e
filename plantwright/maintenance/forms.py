"""HTML forms: they parse and present; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from plantwright.assets.forms import SCAN_LABEL
from plantwright.core.http.widgets import DateInput, DateTimeLocalInput
from plantwright.maintenance.models import FailureCodeKind, Priority, WorkOrderStatus, WorkOrderType
from plantwright.maintenance.selectors import list_failure_codes


class WorkRequestForm(forms.Form):
    asset = forms.ModelChoiceField(queryset=None, empty_label=_("Choose the machine…"), label=_("Asset"))
    title = forms.CharField(max_length=200, label=_("What is wrong?"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000, label=_("Details")
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM, label=_("Priority"))
    # On a phone the file picker offers the camera; the service checks and shrinks each photo.
    photo = forms.FileField(
        required=False,
        label=_("A photo (optional)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args, assets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = assets
        self.fields["asset"].label_from_instance = asset_label
        self.fields["asset"].widget.attrs.update({"data-searchable": SEARCH_ASSETS, "data-scan": SCAN_LABEL})


SEARCH_ASSETS = _("Search: code, name or place")


def asset_label(asset) -> str:
    """How an asset reads in a picker: code, name and where it stands, so typing any of them finds it."""
    where = f" · {asset.location.name}" if asset.location_id and asset.location else ""
    return f"{asset.code} · {asset.name}{where} ({asset.site.code})"


class ApproveForm(forms.Form):
    type = forms.ChoiceField(choices=WorkOrderType.choices, initial=WorkOrderType.CORRECTIVE, label=_("Type"))
    priority = forms.ChoiceField(choices=Priority.choices, label=_("Priority"))
    # One tap per technician (a multi-select needs a long press or Ctrl on a phone).
    assigned_to = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label=_("Assign technicians")
    )
    due_date = forms.DateField(required=False, widget=DateInput, label=_("Due date"))
    note = forms.CharField(required=False, max_length=2000, label=_("Note"))

    def __init__(self, *args, technicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = technicians
        self.fields["assigned_to"].label_from_instance = lambda u: u.display_name


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason (the requester sees it)")
    )


class DuplicateForm(forms.Form):
    work_order = forms.ModelChoiceField(queryset=None, label=_("Duplicate of open work order"))

    def __init__(self, *args, open_work_orders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_order"].queryset = open_work_orders
        self.fields["work_order"].label_from_instance = lambda wo: f"{wo.number} · {wo.title} ({wo.asset.code})"


class FailureFieldsMixin(forms.Form):
    """Failure flag, times and problem / cause / remedy codes from the managed list."""

    is_failure = forms.BooleanField(required=False, label=_("This is a failure (counts in MTBF/MTTR)"))
    down_since = forms.DateTimeField(required=False, widget=DateTimeLocalInput, label=_("Down since"))
    restored_at = forms.DateTimeField(required=False, widget=DateTimeLocalInput, label=_("Restored at"))
    problem = forms.ChoiceField(required=False, label=_("Problem"))
    cause = forms.ChoiceField(required=False, label=_("Cause"))
    remedy = forms.ChoiceField(required=False, label=_("Remedy"))

    def _load_codes(self) -> None:
        by_kind: dict[str, list] = {kind: [("", "—")] for kind in FailureCodeKind.values}
        for code in list_failure_codes():
            by_kind[code.kind].append((code.code, f"{code.code} · {code.description}"))
        for kind, choices in by_kind.items():
            self.fields[kind].choices = choices

    def failure_changes(self) -> dict:
        data = self.cleaned_data
        return {
            "is_failure": data["is_failure"],
            "down_since": data["down_since"],
            "restored_at": data["restored_at"],
            "failure": {kind: data[kind] or None for kind in FailureCodeKind.values},
        }


class ExecutionForm(FailureFieldsMixin):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_codes()


class WorkOrderForm(FailureFieldsMixin):
    asset = forms.ModelChoiceField(queryset=None, label=_("Asset"))
    type = forms.ChoiceField(choices=WorkOrderType.choices, label=_("Type"))
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM, label=_("Priority"))
    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000, label=_("Description")
    )
    due_date = forms.DateField(required=False, widget=DateInput, label=_("Due date"))
    assigned_to = forms.ModelMultipleChoiceField(queryset=None, required=False, label=_("Assigned technicians"))

    field_order = ["asset", "type", "priority", "title", "description", "due_date", "assigned_to"]

    def __init__(self, *args, assets=None, technicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_codes()
        self.fields["asset"].queryset = assets
        self.fields["asset"].label_from_instance = asset_label
        self.fields["asset"].widget.attrs.update({"data-searchable": SEARCH_ASSETS, "data-scan": SCAN_LABEL})
        self.fields["assigned_to"].queryset = technicians
        self.fields["assigned_to"].label_from_instance = lambda u: u.display_name

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "type": data["type"],
            "priority": data["priority"],
            "title": data["title"],
            "description": data["description"],
            "due_date": data["due_date"],
            "assigned_to": [u.pk for u in data["assigned_to"]],
            **self.failure_changes(),
        }


class CompleteForm(forms.Form):
    """What a failure WO may still lack, given with the Complete button (all in one step): when it
    stopped, when it ran again, and the problem / cause / remedy codes, typed or picked from a list
    ("BRG · Bearing" or just "BRG")."""

    down_since = forms.DateTimeField(required=False, widget=DateTimeLocalInput, label=_("It stopped at"))
    restored_at = forms.DateTimeField(required=False, widget=DateTimeLocalInput, label=_("It ran again at"))
    problem = forms.CharField(required=False, max_length=120, label=_("What was wrong (problem)"))
    cause = forms.CharField(required=False, max_length=120, label=_("Why (cause)"))
    remedy = forms.CharField(required=False, max_length=120, label=_("What you did (remedy)"))

    def failure_changes(self) -> dict:
        """Only what was given: a field left out keeps what the WO holds."""
        data = self.cleaned_data
        changes: dict = {field: data[field] for field in ("down_since", "restored_at") if data[field]}
        codes = {kind: data[kind].split(" · ", 1)[0].strip() for kind in FailureCodeKind.values if data[kind]}
        if codes:
            changes["failure"] = codes
        return changes


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=WorkOrderStatus.choices, label=_("To"))
    # The status the person saw: a move decided on an old page (kept offline) is refused, not guessed.
    from_status = forms.ChoiceField(required=False, choices=WorkOrderStatus.choices, label=_("From"))
    note = forms.CharField(required=False, max_length=2000, label=_("Note"))
    completed_at = forms.DateTimeField(required=False, widget=DateTimeLocalInput, label=_("Completed at"))


class WorkOrderFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    status = forms.ChoiceField(
        required=False, choices=[("", _("Any status")), *WorkOrderStatus.choices], label=_("Status")
    )
    type = forms.ChoiceField(required=False, choices=[("", _("Any type")), *WorkOrderType.choices], label=_("Type"))
    site = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Site"))
    mine = forms.BooleanField(required=False, label=_("Assigned to me"))
    open = forms.BooleanField(required=False, label=_("Open only"))
    overdue = forms.BooleanField(required=False, label=_("Overdue"))

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("All sites")), *[(s.pk, s.name) for s in sites]]
        self.fields["q"].widget.attrs["placeholder"] = _("Number, title, asset code")


class LaborForm(forms.Form):
    technician = forms.ModelChoiceField(queryset=None, label=_("Technician"))
    work_date = forms.DateField(widget=DateInput, label=_("Work date"))
    hours = forms.DecimalField(min_value=0, max_digits=7, decimal_places=2, label=_("Hours"))
    craft = forms.ModelChoiceField(queryset=None, required=False, to_field_name="code", label=_("Craft"))
    overtime_multiplier = forms.DecimalField(
        min_value=1, max_value=3, decimal_places=2, initial=1, label=_("Overtime ×")
    )
    note = forms.CharField(required=False, max_length=500, label=_("Note"))

    def __init__(self, *args, technicians=None, crafts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians
        self.fields["technician"].label_from_instance = lambda u: u.display_name
        self.fields["craft"].queryset = crafts


class ContractorForm(forms.Form):
    contractor = forms.ModelChoiceField(queryset=None, label=_("Contractor"))
    person = forms.CharField(max_length=200, label=_("Person"))
    work_date = forms.DateField(widget=DateInput, label=_("Work date"))
    hours = forms.DecimalField(min_value=0, max_digits=7, decimal_places=2, label=_("Hours"))
    po_number = forms.CharField(required=False, max_length=64, label=_("PO number (if a PO pays)"))
    po_line = forms.IntegerField(required=False, min_value=1, label=_("PO line"))
    agreed_rate = forms.DecimalField(
        required=False, min_value=0, max_digits=14, decimal_places=4, label=_("Agreed rate (no PO)")
    )

    def __init__(self, *args, vendors=None, **kwargs):
        # Its own ids: it sits on the WO page beside the labor form, which has hours and a date too.
        kwargs.setdefault("auto_id", "contractor_%s")
        super().__init__(*args, **kwargs)
        self.fields["contractor"].queryset = vendors


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=500, label=_("Reason"))
