"""Numbers in messages and descriptions people read."""

from decimal import Decimal


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros and never in exponent form: 80.0000 → "80", 1.5000 → "1.5"."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
