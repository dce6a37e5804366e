"""Every write of the maintenance app, one function per business action (split by topic)."""

from plantwright.maintenance.services.attachments import attach, carry_to_work_order, may_attach
from plantwright.maintenance.services.codes import change_failure_code, create_failure_code
from plantwright.maintenance.services.labor import (
    create_vendor,
    log_contractor_hours,
    log_labor,
    rate_for,
    reverse_contractor_hours,
    reverse_labor,
    set_labor_rate,
    start_timer,
    stop_timer,
)
from plantwright.maintenance.services.ledger import (
    build_cost_line,
    cost_line_for,
    money,
    post_cost_line,
    reverse_cost_line,
)
from plantwright.maintenance.services.plan import add_plan, record_check, set_task_done
from plantwright.maintenance.services.requests import (
    approve_work_request,
    mark_work_request_duplicate,
    raise_portal_request,
    raise_work_request,
    reject_work_request,
)
from plantwright.maintenance.services.work import (
    complete_work_order,
    completion_gaps,
    create_work_order,
    next_number,
    open_work_order_by_rule,
    record_downtime_windows,
    transition_work_order,
    update_work_order,
)

__all__ = [
    "add_plan",
    "approve_work_request",
    "attach",
    "build_cost_line",
    "carry_to_work_order",
    "change_failure_code",
    "complete_work_order",
    "completion_gaps",
    "cost_line_for",
    "create_failure_code",
    "create_vendor",
    "create_work_order",
    "log_contractor_hours",
    "log_labor",
    "mark_work_request_duplicate",
    "may_attach",
    "money",
    "next_number",
    "open_work_order_by_rule",
    "post_cost_line",
    "raise_portal_request",
    "raise_work_request",
    "rate_for",
    "record_check",
    "record_downtime_windows",
    "reject_work_request",
    "reverse_contractor_hours",
    "reverse_cost_line",
    "reverse_labor",
    "set_labor_rate",
    "set_task_done",
    "start_timer",
    "stop_timer",
    "transition_work_order",
    "update_work_order",
]
