"""The words of domain errors, keyed by their code: what `DomainError(code=..., **values)` says,
translated (docs/shop-floor.md §Languages). A code is stable, its words may change; `%(name)s` is a
value given where the error is raised. A code raised without its own words keeps the English message
it was raised with."""

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    # Company sign-in (accounts/services.py, docs/sign-in.md)
    "local_passwords_off": _("Local passwords are off here: people sign in with the company account."),
    # Idempotency-Key (accounts/idempotency.py)
    "idempotency_key_invalid": _("An Idempotency-Key is 8 to 100 letters, digits or . _ : -"),
    "idempotency_key_reused": _("This Idempotency-Key was already used for a different request."),
    # Booking time (maintenance/services/labor.py)
    "work_order_not_bookable": _("%(number)s is %(status)s: time cannot be booked on it."),
    "hours_out_of_range": _("Hours must be more than 0 and at most 24."),
    "hours_too_precise": _("Hours are booked to the hundredth (0.01 h)."),
    "work_date_implausible": _("The work date is in the future or implausibly old."),
    # Parts requests (procurement/services.py)
    "need_arose_implausible": _("The day the need arose is in the future or before the WO was made."),
    # Closed periods (maintenance/services/periods.py)
    "period_closed": _("%(day)s is in a closed period (the books are closed through %(through)s)."),
    "period_not_ended": _("%(month)s has not ended yet: a month is closed after its last day."),
    "period_already_closed": _("The books are already closed through %(through)s."),
    # Parts used (inventory/services.py)
    "used_on_implausible": _("The day the parts were used is in the future or implausibly old."),
    "returned_before_issued": _("Parts cannot be returned before the day they were issued (%(day)s)."),
    "daily_hours_exceeded": _("%(who)s would have %(total)s h on that day; a day has 24."),
    "no_labor_rate": _("No labor rate for %(who)s on %(day)s."),
    "books_own_time": _("Technicians book their own time; planners book for others."),
    "not_a_technician": _("Only technicians (or planners) of this site can have time booked."),
    "unknown_craft": _("Unknown craft %(craft)s."),
    "end_before_start": _("The end is before the start."),
    "hours_beyond_span": _("More hours than between start and end."),
    "overtime_out_of_range": _("The overtime multiplier is between 1 and 3."),
    "reversal_of_reversal": _("This entry is itself a correction."),
    "already_reversed": _("This entry is already reversed."),
    "reason_required": _("Say why the entry is reversed."),
    "person_required": _("Name the person who did the work."),
    "timer_running": _("Your clock is already running on %(number)s: stop it first."),
    "timer_not_running": _("Your clock is not running."),
    "timer_too_long": _("The clock ran for more than 24 hours: book the time by hand."),
    # A WO's status (maintenance/services/work.py)
    "invalid_transition": _("%(number)s cannot go from %(from_label)s to %(to_label)s."),
    "note_required": _("Moving from %(from_label)s to %(to_label)s needs a note saying why."),
    "title_required": _("A work order needs a title."),
    "completion_requirements_unmet": _(
        "A failure WO needs its down since, restored at and problem, cause and remedy codes to be completed."
    ),
    # Photos and documents (maintenance/services/attachments.py)
    "attachments_closed": _(
        "Files can be added to a request only while it is new, and by technicians to a WO only while it is open."
    ),
    "unsupported_file_type": _("Only photos (JPEG, PNG, WebP, GIF) and PDF documents can be attached."),
    "image_too_large": _("The photo has more than %(megapixels)s million pixels: send a smaller one."),
    # The request portal (portal/services.py)
    "unknown_label": _("This label is unknown or was replaced."),
}
