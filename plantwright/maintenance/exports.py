"""The WO history and an asset's cost ledger as rows for `plantwright.core.files.spreadsheets` (CSV, XLSX)."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from plantwright.accounts.selectors import list_sites
from plantwright.assets.selectors import get_asset
from plantwright.core.errors import ValidationFailed
from plantwright.core.files.spreadsheets import CHUNK, Human
from plantwright.maintenance.forms import WorkOrderFilterForm
from plantwright.maintenance.models import (
    PLANNED_TYPES,
    ContractorEntry,
    CostCategory,
    CostKind,
    CostLine,
    LaborEntry,
    Priority,
    WorkOrderOrigin,
    WorkOrderStatus,
    WorkOrderType,
)
from plantwright.maintenance.selectors import asset_tree_ids, list_work_orders
from plantwright.maintenance.selectors.costs import per_work_order_sum

WORK_ORDER_COLUMNS = [
    "number", "asset", "type", "planned", "status", "origin", "priority", "title", "is_failure", "problem", "cause",
    "remedy", "down_since", "restored_at", "due_date", "created_at", "completed_at", "labor_hours",
    "contractor_hours", "labor_cost", "parts_cost", "contractor_cost", "total_cost",
]  # fmt: skip
WORK_ORDER_SHEET = Human(
    labels={
        "number": _("Number"), "asset": _("Asset"), "type": _("Type"), "planned": _("Planned"),
        "status": _("Status"), "origin": _("Origin"), "priority": _("Priority"), "title": _("Title"),
        "is_failure": _("Failure"), "problem": _("Problem"), "cause": _("Cause"), "remedy": _("Remedy"),
        "down_since": _("Down since"), "restored_at": _("Restored at"), "due_date": _("Due date"),
        "created_at": _("Created at"), "completed_at": _("Completed at"), "labor_hours": _("Labour hours"),
        "contractor_hours": _("Contractor hours"), "labor_cost": _("Labour cost"), "parts_cost": _("Parts cost"),
        "contractor_cost": _("Contractor cost"), "total_cost": _("Total cost"),
    },
    choices={
        "type": dict(WorkOrderType.choices), "status": dict(WorkOrderStatus.choices),
        "origin": dict(WorkOrderOrigin.choices), "priority": dict(Priority.choices),
    },
)  # fmt: skip


def work_order_rows(work_orders) -> Iterator[list[Any]]:
    """The WO history: each WO with its failure data, hours and cost (one query, read in chunks)."""
    rows = (
        work_orders.order_by("number")
        .annotate(
            labor_hours=per_work_order_sum(LaborEntry, "hours"),
            contractor_hours=per_work_order_sum(ContractorEntry, "hours"),
            **{
                f"{category}_cost": per_work_order_sum(CostLine, "amount", category=category)
                for category in CostCategory.values
            },
        )
        .values_list(
            "number",
            "asset__code",
            "type",
            "status",
            "origin",
            "priority",
            "title",
            "is_failure",
            "problem_code__code",
            "cause_code__code",
            "remedy_code__code",
            "down_since",
            "restored_at",
            "due_date",
            "created_at",
            "completed_at",
            "labor_hours",
            "contractor_hours",
            "labor_cost",
            "parts_cost",
            "contractor_cost",
        )
    )
    for row in rows.iterator(chunk_size=CHUNK):
        values = list(row)
        values.insert(3, values[2] in PLANNED_TYPES)
        costs = [value or Decimal(0) for value in values[-3:]]
        yield [*values, sum(costs, Decimal(0))]


LEDGER_COLUMNS = [
    "cost_date", "work_order", "asset", "kind", "category", "amount", "currency", "quantity", "description",
    "source", "posted_at", "after_close",
]  # fmt: skip
LEDGER_SHEET = Human(
    labels={
        "cost_date": _("Date"), "work_order": _("Work order"), "asset": _("Asset"), "kind": _("Kind"),
        "category": _("Category"), "amount": _("Amount"), "currency": _("Currency"), "quantity": _("Quantity"),
        "description": _("Description"), "source": _("Source"), "posted_at": _("Posted at"),
        "after_close": _("After close"),
    },
    choices={"kind": dict(CostKind.choices), "category": dict(CostCategory.choices)},
)  # fmt: skip


def ledger_rows(asset_ids: list[int], *, day_from: date | None = None, day_to: date | None = None):
    """An asset's cost ledger (with its components' when the ids are the tree), oldest first."""
    lines = CostLine.objects.filter(work_order__asset_id__in=asset_ids)
    if day_from:
        lines = lines.filter(cost_date__gte=day_from)
    if day_to:
        lines = lines.filter(cost_date__lt=day_to)
    rows = lines.order_by("cost_date", "posted_at", "id").values_list(
        "cost_date", "work_order__number", "work_order__asset__code", "kind", "category", "amount", "currency",
        "quantity", "description", "source_type", "source_id", "posted_at", "after_close",
    )  # fmt: skip
    for row in rows.iterator(chunk_size=CHUNK):
        *head, source_type, source_id, posted_at, after_close = row
        yield [*head, f"{source_type}:{source_id}", posted_at, after_close]


def filtered_work_orders(user, params):
    """The WO list's filters (a query dict) → (the bound form, the WOs the user may see that match)."""
    form = WorkOrderFilterForm(params or None, sites=list(list_sites(user)))
    filters = form.cleaned_data if form.is_valid() else {}
    work_orders = list_work_orders(
        user,
        status=filters.get("status") or None,
        type=filters.get("type") or None,
        site_id=filters.get("site"),
        q=filters.get("q"),
        assigned_to=user if filters.get("mine") else None,
        open_only=bool(filters.get("open")),
        overdue=bool(filters.get("overdue")),
    )
    return form, work_orders


def asset_ledger(user, asset_id: int, params):
    """(the asset, its ledger rows) for `from`, `to` and `rollup` (0: the asset alone) in a query dict."""
    asset = get_asset(user, asset_id)
    ids = [asset.pk] if params.get("rollup") == "0" else asset_tree_ids(asset.pk)
    days = {}
    for key in ("from", "to"):
        try:
            days[key] = date.fromisoformat(params[key]) if params.get(key) else None
        except ValueError:
            raise ValidationFailed(f"`{key}` is a date (YYYY-MM-DD).", details={"field": key}) from None
    return asset, ledger_rows(ids, day_from=days["from"], day_to=days["to"])
