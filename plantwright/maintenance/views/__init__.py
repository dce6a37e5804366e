"""HTML pages for requests and work orders, by subject. Parse a form, call a service, render or redirect."""

from plantwright.maintenance.views.files import attachment_file, work_order_attach, work_request_attach
from plantwright.maintenance.views.hours import entry_reverse, my_time, work_order_contractor, work_order_labor
from plantwright.maintenance.views.imports import history_import, history_import_apply, history_import_job
from plantwright.maintenance.views.periods import closed_periods
from plantwright.maintenance.views.plan import work_order_check, work_order_task
from plantwright.maintenance.views.requests import (
    home,
    work_request_detail,
    work_request_list,
    work_request_new,
    work_request_triage,
)
from plantwright.maintenance.views.work_orders import (
    asset_ledger,
    work_order_detail,
    work_order_edit,
    work_order_execution,
    work_order_list,
    work_order_new,
    work_order_print,
    work_order_transition,
)

__all__ = [
    "asset_ledger",
    "attachment_file",
    "closed_periods",
    "entry_reverse",
    "history_import",
    "history_import_apply",
    "history_import_job",
    "home",
    "my_time",
    "work_order_attach",
    "work_order_check",
    "work_order_contractor",
    "work_order_detail",
    "work_order_edit",
    "work_order_execution",
    "work_order_labor",
    "work_order_list",
    "work_order_new",
    "work_order_print",
    "work_order_task",
    "work_order_transition",
    "work_request_attach",
    "work_request_detail",
    "work_request_list",
    "work_request_new",
    "work_request_triage",
]
