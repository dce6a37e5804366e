"""HTML forms: they parse and present; the services decide."""

from django import forms

from plantwright.maintenance.models import FailureCodeKind, Priority, WorkOrderStatus, WorkOrderType
from plantwright.maintenance.selectors import list_failure_codes


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"


class WorkRequestForm(forms.Form):
    asset = forms.ModelChoiceField(queryset=None, empty_label="Choose the machine…")
    title = forms.CharField(max_length=200, label="What is wrong?")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000, label="Details"
    )
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)

    def __init__(self, *args, assets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = assets
        self.fields["asset"].label_from_instance = lambda a: f"{a.code} · {a.name} ({a.site.code})"


class ApproveForm(forms.Form):
    type = forms.ChoiceField(choices=WorkOrderType.choices, initial=WorkOrderType.CORRECTIVE)
    priority = forms.ChoiceField(choices=Priority.choices)
    assigned_to = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Assign technicians")
    due_date = forms.DateField(required=False, widget=DateInput)
    note = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, technicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = technicians
        self.fields["assigned_to"].label_from_instance = lambda u: u.display_name


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), label="Reason (the requester sees it)"
    )


class DuplicateForm(forms.Form):
    work_order = forms.ModelChoiceField(queryset=None, label="Duplicate of open work order")

    def __init__(self, *args, open_work_orders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_order"].queryset = open_work_orders
        self.fields["work_order"].label_from_instance = lambda wo: f"{wo.number} · {wo.title} ({wo.asset.code})"


class FailureFieldsMixin(forms.Form):
    """Failure flag, times and problem / cause / remedy codes from the managed list."""

    is_failure = forms.BooleanField(required=False, label="This is a failure (counts in MTBF/MTTR)")
    down_since = forms.DateTimeField(required=False, widget=DateTimeLocalInput, label="Down since")
    restored_at = forms.DateTimeField(required=False, widget=DateTimeLocalInput, label="Restored at")
    problem = forms.ChoiceField(required=False, label="Problem")
    cause = forms.ChoiceField(required=False, label="Cause")
    remedy = forms.ChoiceField(required=False, label="Remedy")

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
    asset = forms.ModelChoiceField(queryset=None)
    type = forms.ChoiceField(choices=WorkOrderType.choices)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.MEDIUM)
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10000)
    due_date = forms.DateField(required=False, widget=DateInput)
    assigned_to = forms.ModelMultipleChoiceField(queryset=None, required=False, label="Assigned technicians")

    field_order = ["asset", "type", "priority", "title", "description", "due_date", "assigned_to"]

    def __init__(self, *args, assets=None, technicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_codes()
        self.fields["asset"].queryset = assets
        self.fields["asset"].label_from_instance = lambda a: f"{a.code} · {a.name} ({a.site.code})"
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


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=WorkOrderStatus.choices)
    note = forms.CharField(required=False, max_length=2000)
    completed_at = forms.DateTimeField(required=False, widget=DateTimeLocalInput)


class WorkOrderFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *WorkOrderStatus.choices])
    type = forms.ChoiceField(required=False, choices=[("", "Any type"), *WorkOrderType.choices])
    site = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    mine = forms.BooleanField(required=False, label="Assigned to me")
    open = forms.BooleanField(required=False, label="Open only")
    overdue = forms.BooleanField(required=False, label="Overdue")

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "All sites"), *[(s.pk, s.name) for s in sites]]
        self.fields["q"].widget.attrs["placeholder"] = "Number, title, asset code"


class LaborForm(forms.Form):
    technician = forms.ModelChoiceField(queryset=None)
    work_date = forms.DateField(widget=DateInput)
    hours = forms.DecimalField(min_value=0, max_digits=7, decimal_places=2)
    craft = forms.ModelChoiceField(queryset=None, required=False, to_field_name="code")
    overtime_multiplier = forms.DecimalField(min_value=1, max_value=3, decimal_places=2, initial=1, label="Overtime ×")
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, technicians=None, crafts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = technicians
        self.fields["technician"].label_from_instance = lambda u: u.display_name
        self.fields["craft"].queryset = crafts


class ContractorForm(forms.Form):
    contractor = forms.ModelChoiceField(queryset=None)
    person = forms.CharField(max_length=200)
    work_date = forms.DateField(widget=DateInput)
    hours = forms.DecimalField(min_value=0, max_digits=7, decimal_places=2)
    po_number = forms.CharField(required=False, max_length=64, label="PO number (if a PO pays)")
    po_line = forms.IntegerField(required=False, min_value=1, label="PO line")
    agreed_rate = forms.DecimalField(
        required=False, min_value=0, max_digits=14, decimal_places=4, label="Agreed rate (no PO)"
    )

    def __init__(self, *args, vendors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contractor"].queryset = vendors


class ReverseForm(forms.Form):
    reason = forms.CharField(max_length=500)
