"""How the pages show the registry's figures: a tile per KPI (value, formula, drill-down), the cells of
the per-asset table and of a drill-down's WOs. Numbers are formatted in the reader's language."""

from dataclasses import dataclass
from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.translation import pgettext

from plantwright.reliability.periods import Period
from plantwright.reliability.registry import KPIS, Drill, Kpi


def shown(kpi: Kpi, value, currency: str = "", *, units: bool = True) -> str:
    """A figure as a page shows it: rounded, with its unit (a table's header carries hours' and
    money's unit)."""
    if value is None:
        return str(kpi.none or "—")
    if kpi.unit == "count":
        return str(value)
    if kpi.unit == "ratio":
        return f"{floatformat(Decimal(value) * 100, 0)} %"
    text = floatformat(value, kpi.decimals)
    if not units:
        return text
    if kpi.unit == "hours":
        hour = pgettext("unit", "h")
        return f"{text} {hour}"
    return f"{text} {currency}".rstrip()


@dataclass
class Tile:
    kpi: Kpi
    value: str
    help: str
    url: str | None


def tiles(figures, query: str, currency: str) -> list[Tile]:
    """The dashboard's tiles, in the registry's order; each KPI's formula may show other figures."""
    values = {kpi.name: shown(kpi, getattr(figures, kpi.name), currency) for kpi in KPIS}
    result = []
    for kpi in KPIS:
        if not kpi.tile:
            continue
        url = f"{reverse('reliability-behind', args=[kpi.drill])}?{query}" if kpi.drill else None
        help_text = str(kpi.help) % values if "%(" in str(kpi.help) else str(kpi.help)
        result.append(Tile(kpi, values[kpi.name], help_text, url))
    return result


TABLE_KPIS = [kpi for kpi in KPIS if kpi.short is not None]


def table_cells(figures) -> list[tuple[Kpi, str]]:
    """A row of the per-asset table (or its roll-up)."""
    return [(kpi, shown(kpi, getattr(figures, kpi.name), units=False)) for kpi in TABLE_KPIS]


def drill_rows(drill: Drill, work_orders, period: Period) -> list[tuple[object, list[tuple[str, object]]]]:
    """Each WO of a drill-down's page with its cells: (kind, value)."""
    return [(wo, [(column.kind, column.value(wo, period)) for column in drill.columns]) for wo in work_orders]
