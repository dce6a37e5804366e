"""Every non-trivial read of the maintenance app (split by topic)."""

from plantwright.maintenance.selectors.costs import (
    asset_cost,
    asset_cost_by_month,
    asset_tree_ids,
    cost_lines,
    descendants_sql,
    list_contractor_entries,
    list_labor_entries,
    location_assets_sql,
    location_cost,
    per_work_order_sum,
    work_order_cost,
    work_order_hours,
)
from plantwright.maintenance.selectors.work import (
    dashboard_counts,
    get_work_order,
    get_work_request,
    list_failure_codes,
    list_transitions,
    list_work_orders,
    list_work_requests,
    open_work_orders_for_duplicate,
)

__all__ = [
    "asset_cost",
    "asset_cost_by_month",
    "asset_tree_ids",
    "cost_lines",
    "dashboard_counts",
    "descendants_sql",
    "get_work_order",
    "get_work_request",
    "list_contractor_entries",
    "list_failure_codes",
    "list_labor_entries",
    "list_transitions",
    "list_work_orders",
    "list_work_requests",
    "location_assets_sql",
    "location_cost",
    "open_work_orders_for_duplicate",
    "per_work_order_sum",
    "work_order_cost",
    "work_order_hours",
]
