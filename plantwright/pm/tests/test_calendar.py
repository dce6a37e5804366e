"""Due-date arithmetic: month ends, leap years, seasons that wrap the year."""

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plantwright.pm.calendar import add_months, after, in_season


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),  # from the anchor: no drift to the 28th
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_after_counts_whole_intervals_from_the_anchor():
    anchor = date(2026, 1, 31)
    assert [after(anchor, n, 1, "months") for n in range(4)] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
    ]  # fmt: skip
    assert after(date(2026, 12, 28), 1, 2, "weeks") == date(2027, 1, 11)
    assert after(date(2028, 2, 28), 2, 1, "days") == date(2028, 3, 1)


def test_a_season_may_wrap_the_year():
    assert in_season(date(2026, 12, 1), 11, 2) and in_season(date(2027, 1, 20), 11, 2)
    assert not in_season(date(2026, 6, 1), 11, 2)
    assert in_season(date(2026, 6, 1), 4, 9) and not in_season(date(2026, 10, 1), 4, 9)
    assert in_season(date(2026, 6, 1), None, None)


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.integers(0, 400))
def test_months_added_from_the_anchor_never_drift(anchor, months):
    result = add_months(anchor, months)
    assert (result.year * 12 + result.month) - (anchor.year * 12 + anchor.month) == months
    assert result.day == min(anchor.day, calendar.monthrange(result.year, result.month)[1])
