"""The per-asset KPI table as rows for `plantwright.core.files.spreadsheets` (CSV, XLSX): the asset,
then every KPI of the registry (full precision), then the currency."""

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from plantwright.core.files.spreadsheets import Human
from plantwright.reliability.registry import KPIS

EXPORTED = [kpi for kpi in KPIS if kpi.export]
KPI_COLUMNS = ["asset", "name", "location", *(kpi.name for kpi in EXPORTED), "currency"]
KPI_SHEET = Human(
    labels={
        "asset": _("Asset"),
        "name": _("Name"),
        "location": _("Location"),
        "currency": _("Currency"),
        **{kpi.name: kpi.label for kpi in EXPORTED},
    }
)


def kpi_rows(rows, figures, site) -> Iterator[list[Any]]:
    """The per-asset KPI table, then the roll-up of the scope (added parts, divided once)."""

    def line(code, name, location, k):
        return [code, name, location, *(getattr(k, kpi.name) for kpi in EXPORTED), site.currency]

    for row in rows:
        location = row.asset.location.code if row.asset.location else ""
        yield line(row.asset.code, row.asset.name, location, row.kpis)
    yield line("ALL", f"{len(rows)} assets (roll-up)", "", figures)
