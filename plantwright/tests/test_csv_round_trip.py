"""What an export writes, an import reads back: formula-like text is quoted on the way out and the
quote taken off on the way in; empty text stays empty."""

from plantwright.core.files.spreadsheets import _csv_value
from plantwright.core.files.tables import unquote


def test_formula_guard_round_trips_and_empty_text_stays_empty():
    for text in ("=HYPERLINK(1)", "+90 212", "-5 °C", "@home", "plain", "'quoted already", ""):
        written = _csv_value(text)
        assert unquote(written) == text
    assert _csv_value("") == "" and _csv_value("=1") == "'=1"
