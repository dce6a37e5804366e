"""Form inputs whose values are locale-neutral whatever the reader's language.

A browser's `<input type="date">` takes only `2026-12-09` and `type="datetime-local"` only
`2026-12-09T14:30`. Django renders a date in the active language's first input format (Turkish:
`09/12/2026`), which the browser refuses and shows empty — and the next save then erases the date.
These widgets always write the ISO form; what the browser shows is its own, localised."""

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATETIME_LOCAL)
