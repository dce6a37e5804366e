"""What the history files after the WOs share (labor, contractor hours, parts used, downtime stops, PM
occurrences): the WO a row names, the day an entry happened, its numbers, and which rows are already
there — so importing the same file twice writes nothing the second time."""

from collections import Counter
from collections.abc import Hashable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from plantwright.accounts.models import Site
from plantwright.maintenance.models import WorkOrder


def work_order_ids(site: Site) -> dict[str, int]:
    """WO number or external_ref (the old system's number) → the WO's id, at the site."""
    found = {}
    for pk, number, ref in WorkOrder.objects.filter(site=site).values_list("pk", "number", "external_ref"):
        found[number] = pk
        if ref:
            found[ref] = pk
    return found


def number(text: str) -> Decimal:
    """A decimal cell; the comma of a Turkish or German spreadsheet reads as the point."""
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not value.is_finite():
        raise ValueError("not a number")
    return value


def entry_day(text: str, *, today: date, closed_through: date | None) -> date:
    """A YYYY-MM-DD day an entry happened: not in the future, not before 1990, not in a closed month."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date (YYYY-MM-DD)") from None
    if day > today or day.year < 1990:
        raise ValueError("in the future or before 1990")
    if closed_through is not None and day <= closed_through:
        raise ValueError(f"in a closed period (closed through {closed_through.isoformat()})")
    return day


def already_there(keys: list[Hashable], existing: Iterable[Hashable]) -> list[bool]:
    """For each row's key, whether an entry with that key is already there: a file imported twice is
    all there; a file with a row twice (two identical bookings) finds one of them per entry there."""
    left = Counter(existing)
    there = []
    for key in keys:
        there.append(left[key] > 0)
        left[key] -= 1
    return there
