"""The per-asset KPI table as rows for `plantwright.core.files.spreadsheets` (CSV, XLSX)."""

from collections.abc import Iterator
from typing import Any

KPI_COLUMNS = [
    "asset", "name", "location", "failures", "downtime_hours", "time_in_service_hours", "mtbf_hours", "mttr_hours",
    "restored_failures", "mean_active_repair_hours", "availability", "planned_hours_ratio", "planned_count_ratio",
    "pm_compliance", "labor_cost", "parts_cost", "contractor_cost", "total_cost", "currency",
]  # fmt: skip


def kpi_rows(rows, figures, site) -> Iterator[list[Any]]:
    """The per-asset KPI table, then the roll-up of the scope (added parts, divided once)."""

    def line(code, name, location, k):
        return [
            code, name, location, k.failures, k.downtime_hours, k.time_in_service_hours, k.mtbf_hours, k.mttr_hours,
            k.restored_failures, k.mean_active_repair_hours, k.availability, k.planned_hours_ratio,
            k.planned_count_ratio, k.pm_compliance, k.cost["labor"], k.cost["parts"], k.cost["contractor"],
            k.cost["total"], site.currency,
        ]  # fmt: skip

    for row in rows:
        location = row.asset.location.code if row.asset.location else ""
        yield line(row.asset.code, row.asset.name, location, row.kpis)
    yield line("ALL", f"{len(rows)} assets (roll-up)", "", figures)
