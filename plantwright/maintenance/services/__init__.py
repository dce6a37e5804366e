"""Every write of the maintenance app, one function per business action (split by topic)."""

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
from plantwright.maintenance.services.work import (
    approve_work_request,
    completion_gaps,
    create_work_order,
    mark_work_request_duplicate,
    next_number,
    raise_work_request,
    reject_work_request,
    transition_work_order,
    update_work_order,
)

__all__ = [
    "approve_work_request",
    "build_cost_line",
    "completion_gaps",
    "cost_line_for",
    "create_vendor",
    "create_work_order",
    "log_contractor_hours",
    "log_labor",
    "mark_work_request_duplicate",
    "money",
    "next_number",
    "post_cost_line",
    "raise_work_request",
    "rate_for",
    "reject_work_request",
    "reverse_contractor_hours",
    "reverse_cost_line",
    "reverse_labor",
    "set_labor_rate",
    "start_timer",
    "stop_timer",
    "transition_work_order",
    "update_work_order",
]
