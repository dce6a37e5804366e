"""Reads of hours and money: a WO's ledger and totals, and cost rolled up the asset tree (all in SQL)."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth

from plantwright.assets.models import Asset, Location
from plantwright.maintenance.models import ContractorEntry, CostCategory, CostLine, LaborEntry, WorkOrder

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=4))


MONEY_STEP = Decimal("0.0001")
HOURS_STEP = Decimal("0.01")


def _money(totals: dict[str, Any]) -> dict[str, Any]:
    """Sums come back from SQLite as floats made Decimal; round them to the ledger's 4 places so both
    databases answer the same figures (exact to 0.0001 for totals below 10^11)."""
    return {key: value.quantize(MONEY_STEP) if isinstance(value, Decimal) else value for key, value in totals.items()}


def _category_sums() -> dict[str, Any]:
    sums = {category: Coalesce(Sum("amount", filter=Q(category=category)), ZERO) for category in CostCategory.values}
    sums["total"] = Coalesce(Sum("amount"), ZERO)
    return sums


def cost_lines(work_order: WorkOrder) -> list[CostLine]:
    """The ledger in posting order, each line with the running total after it (a window sum in SQL)."""
    lines = list(
        CostLine.objects.filter(work_order=work_order)
        .select_related("posted_by")
        .annotate(running_total=Window(Sum("amount"), order_by=[F("posted_at").asc(), F("id").asc()]))
        .order_by("posted_at", "id")
    )
    for line in lines:
        line.running_total = line.running_total.quantize(MONEY_STEP)
    return lines


def work_order_cost(work_order: WorkOrder) -> dict[str, Any]:
    totals = _money(CostLine.objects.filter(work_order=work_order).aggregate(**_category_sums()))
    totals["after_close"] = CostLine.objects.filter(work_order=work_order, after_close=True).exists()
    totals["estimated"] = work_order.estimated_cost
    totals["currency"] = work_order.site.currency
    return totals


def work_order_hours(work_order: WorkOrder) -> dict[str, Decimal]:
    labor = LaborEntry.objects.filter(work_order=work_order).aggregate(h=Coalesce(Sum("hours"), ZERO))["h"]
    contractor = ContractorEntry.objects.filter(work_order=work_order).aggregate(h=Coalesce(Sum("hours"), ZERO))["h"]
    labor, contractor = labor.quantize(HOURS_STEP), contractor.quantize(HOURS_STEP)
    return {"labor": labor, "contractor": contractor, "total": labor + contractor}


def list_labor_entries(work_order: WorkOrder) -> QuerySet[LaborEntry]:
    return work_order.labor_entries.select_related("technician", "craft", "entered_by", "reversed_by").order_by(
        "work_date", "id"
    )


def list_contractor_entries(work_order: WorkOrder) -> QuerySet[ContractorEntry]:
    return work_order.contractor_entries.select_related("vendor", "entered_by", "reversed_by").order_by(
        "work_date", "id"
    )


def _asset_table() -> str:
    return Asset._meta.db_table


def per_work_order_sum(model, field: str, **filters) -> Subquery:
    """Σ `field` of a WO's rows of `model` (labor, contractor hours, ledger lines), as a subquery to
    annotate WOs with: a join per table would multiply the sums."""
    rows = model.objects.filter(work_order=OuterRef("pk"), **filters).order_by().values("work_order")
    return Subquery(rows.annotate(total=Sum(field)).values("total"), output_field=DecimalField())


def descendants_sql(asset_id: int) -> RawSQL:
    """The asset and everything below it in the asset tree (recursive CTE, SQLite and PostgreSQL)."""
    table = _asset_table()
    return RawSQL(
        f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id = %s "
        f"UNION ALL SELECT a.id FROM {table} a JOIN tree t ON a.parent_id = t.id) SELECT id FROM tree",
        [asset_id],
    )


def location_assets_sql(location_id: int) -> RawSQL:
    """Every asset in the location or its sub-locations, with all their components."""
    assets, locations = _asset_table(), Location._meta.db_table
    return RawSQL(
        f"WITH RECURSIVE locs(id) AS (SELECT id FROM {locations} WHERE id = %s "
        f"UNION ALL SELECT l.id FROM {locations} l JOIN locs ON l.parent_id = locs.id), "
        f"tree(id) AS (SELECT id FROM {assets} WHERE location_id IN (SELECT id FROM locs) "
        f"UNION SELECT a.id FROM {assets} a JOIN tree t ON a.parent_id = t.id) SELECT id FROM tree",
        [location_id],
    )


def _period_lines(date_from: date | None, date_to: date | None) -> QuerySet[CostLine]:
    lines = CostLine.objects.all()
    if date_from is not None:
        lines = lines.filter(cost_date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(cost_date__lt=date_to)
    return lines


def asset_tree_ids(asset_id: int) -> list[int]:
    """The asset and its components, all levels down."""
    return _tree_ids(descendants_sql(asset_id))


def _tree_ids(sql: RawSQL) -> list[int]:
    # The tree's ids are fetched first (one small query): with them as a literal IN list both
    # databases walk the WO and ledger indexes, where a subquery made PostgreSQL scan every WO.
    return list(Asset.objects.filter(id__in=sql).values_list("id", flat=True))


def _asset_lines(asset_id: int, date_from: date | None, date_to: date | None, rollup: bool) -> QuerySet[CostLine]:
    lines = _period_lines(date_from, date_to)
    if rollup:
        return lines.filter(work_order__asset_id__in=_tree_ids(descendants_sql(asset_id)))
    return lines.filter(work_order__asset_id=asset_id)


def asset_cost(
    asset_id: int, *, date_from: date | None = None, date_to: date | None = None, rollup: bool = True
) -> dict[str, Decimal]:
    """Maintenance cost of an asset in [from, to) by category; with `rollup`, its components' too."""
    return _money(_asset_lines(asset_id, date_from, date_to, rollup).aggregate(**_category_sums()))


def location_cost(location_id: int, *, date_from: date | None = None, date_to: date | None = None) -> dict:
    return _money(
        _period_lines(date_from, date_to)
        .filter(work_order__asset_id__in=_tree_ids(location_assets_sql(location_id)))
        .aggregate(**_category_sums())
    )


def asset_cost_by_month(
    asset_id: int, *, date_from: date | None = None, date_to: date | None = None, rollup: bool = True
) -> list[dict[str, Any]]:
    """One row per month with labor / parts / contractor / total, for the asset page."""
    lines = _asset_lines(asset_id, date_from, date_to, rollup)
    rows = lines.annotate(month=TruncMonth("cost_date")).values("month").annotate(**_category_sums()).order_by("month")
    return [_money(row) for row in rows]
