"""Due-date arithmetic of PM schedules: plain functions of dates, no database.

Dates are the site's local calendar dates. A fixed schedule's n-th due date is computed from its
anchor (`starts_on`), never from the previous due date, so month ends do not drift: monthly from
31 January gives 28/29 February, then 31 March again.
"""

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def after(anchor: date, count: int, interval: int, unit: str) -> date:
    """`count` intervals after `anchor`."""
    if unit == "days":
        return anchor + timedelta(days=count * interval)
    if unit == "weeks":
        return anchor + timedelta(weeks=count * interval)
    if unit == "months":
        return add_months(anchor, count * interval)
    raise ValueError(f"unknown interval unit {unit!r}")


def in_season(day: date, start_month: int | None, end_month: int | None) -> bool:
    """Within the months start..end inclusive (a window may wrap the year: November to February)."""
    if start_month is None or end_month is None:
        return True
    if start_month <= end_month:
        return start_month <= day.month <= end_month
    return day.month >= start_month or day.month <= end_month
