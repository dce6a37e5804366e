"""The authorization matrix's rules: for every operation of the API, the permission it needs and how
to call it (plantwright/tests/test_authorization_matrix.py reads them)."""

from dataclasses import dataclass, field
from typing import Any

from plantwright.accounts.roles import Perm

SECRET = "matrix-secret"  # in the owning site's data only: a leak shows in a response body
ANY = None  # any signed-in user
SUPERUSER = "superuser"


@dataclass
class Rule:
    perm: Perm | str | None
    body: Any = None  # a dict, or a function of (world, user) giving one
    shared: bool = False  # a catalogue shared by every site, or the caller's own
    multipart: bool = False
    query: Any = field(default_factory=dict)  # a dict, or a function of the world giving one
    hidden: bool = False  # without the permission the data is not there: 404, or an empty list
    fresh: Any = None  # a function of the world giving path ids made anew for each call (what a call deletes)


def _labor(world, user):
    return {"technician": user.pk, "hours": "1.5", "work_date": "2026-11-20"}


RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/me"): Rule(ANY),
    ("GET", "/sites"): Rule(Perm.VIEW),
    ("POST", "/sites"): Rule(SUPERUSER, {"code": "new", "name": "New site"}),
    ("GET", "/locations"): Rule(Perm.VIEW),
    ("POST", "/locations"): Rule(Perm.MANAGE_LOCATIONS, lambda w, u: {"site": w.site.pk, "code": "L2", "name": "L"}),
    ("GET", "/asset-classes"): Rule(ANY, shared=True),
    ("GET", "/assets"): Rule(Perm.VIEW),
    ("POST", "/assets"): Rule(Perm.MANAGE_ASSETS, lambda w, u: {"site": w.site.pk, "code": f"N-{u.pk}", "name": "N"}),
    ("POST", "/asset-imports"): Rule(Perm.MANAGE_ASSETS, multipart=True, query=lambda w: {"site": w.site.pk}),
    ("POST", "/labor-imports"): Rule(
        Perm.MANAGE_WORK_ORDERS, multipart=True, query=lambda w: {"site": w.site.pk, "dry_run": "true"}
    ),
    ("POST", "/work-order-imports"): Rule(
        Perm.MANAGE_WORK_ORDERS, multipart=True, query=lambda w: {"site": w.site.pk, "dry_run": "true"}
    ),
    ("POST", "/contractor-hour-imports"): Rule(
        Perm.MANAGE_WORK_ORDERS, multipart=True, query=lambda w: {"site": w.site.pk, "dry_run": "true"}
    ),
    ("POST", "/parts-used-imports"): Rule(
        Perm.MANAGE_WORK_ORDERS, multipart=True, query=lambda w: {"site": w.site.pk, "dry_run": "true"}
    ),
    ("POST", "/stop-imports"): Rule(
        Perm.MANAGE_WORK_ORDERS, multipart=True, query=lambda w: {"site": w.site.pk, "dry_run": "true"}
    ),
    ("POST", "/pm-history-imports"): Rule(
        Perm.MANAGE_WORK_ORDERS, multipart=True, query=lambda w: {"site": w.site.pk, "dry_run": "true"}
    ),
    ("POST", "/location-imports"): Rule(
        Perm.MANAGE_LOCATIONS, multipart=True, query=lambda w: {"site": w.site.pk, "dry_run": "true"}
    ),
    ("GET", "/assets/{asset_id}"): Rule(Perm.VIEW),
    ("PATCH", "/assets/{asset_id}"): Rule(Perm.MANAGE_ASSETS, {"name": "Renamed"}),
    ("GET", "/assets/{asset_id}/meters"): Rule(Perm.VIEW),
    ("POST", "/assets/{asset_id}/meters"): Rule(Perm.MANAGE_ASSETS, {"code": "m2", "name": "Meter", "unit": "h"}),
    ("GET", "/assets/{asset_id}/meter-readings"): Rule(Perm.VIEW),
    ("POST", "/assets/{asset_id}/meter-readings"): Rule(
        Perm.RECORD_READINGS, {"meter": "run-h", "value": "10", "read_at": "2026-11-20T06:00:00Z"}
    ),
    ("GET", "/work-requests"): Rule(Perm.VIEW),
    ("POST", "/work-requests"): Rule(Perm.RAISE_REQUEST, lambda w, u: {"asset": w.asset.pk, "title": "Leak"}),
    ("GET", "/work-requests/{request_id}"): Rule(Perm.VIEW),
    ("POST", "/work-requests/{request_id}/approve"): Rule(Perm.TRIAGE_REQUEST, {}),
    ("POST", "/work-requests/{request_id}/reject"): Rule(Perm.TRIAGE_REQUEST, {"reason": "no"}),
    ("POST", "/work-requests/{request_id}/mark-duplicate"): Rule(
        Perm.TRIAGE_REQUEST, lambda w, u: {"work_order": w.work_order.pk}
    ),
    ("GET", "/work-orders"): Rule(Perm.VIEW),
    ("POST", "/work-orders"): Rule(
        Perm.MANAGE_WORK_ORDERS, lambda w, u: {"asset": w.asset.pk, "type": "corrective", "title": "Fix"}
    ),
    ("GET", "/work-orders/{work_order_id}"): Rule(Perm.VIEW),
    ("PATCH", "/work-orders/{work_order_id}"): Rule(Perm.MANAGE_WORK_ORDERS, {"title": "New title"}),
    ("POST", "/work-orders/{work_order_id}/transition"): Rule(Perm.EXECUTE_WORK, {"to": "on_hold"}),
    ("GET", "/work-orders/{work_order_id}/transitions"): Rule(Perm.VIEW),
    ("GET", "/failure-codes"): Rule(ANY, shared=True),
    ("POST", "/work-requests/{request_id}/attachments"): Rule(Perm.RAISE_REQUEST, multipart=True),
    ("GET", "/work-requests/{request_id}/attachments"): Rule(Perm.VIEW),
    ("POST", "/work-orders/{work_order_id}/attachments"): Rule(Perm.EXECUTE_WORK, multipart=True),
    ("GET", "/work-orders/{work_order_id}/attachments"): Rule(Perm.VIEW),
    ("GET", "/attachments/{attachment_id}"): Rule(Perm.VIEW),
    ("GET", "/work-orders/{work_order_id}/labor"): Rule(Perm.VIEW),
    ("POST", "/work-orders/{work_order_id}/labor"): Rule(Perm.EXECUTE_WORK, _labor),
    ("POST", "/labor/{entry_id}/reverse"): Rule(Perm.MANAGE_WORK_ORDERS, {"reason": "wrong WO"}),
    ("GET", "/work-orders/{work_order_id}/contractor-hours"): Rule(Perm.VIEW),
    ("POST", "/work-orders/{work_order_id}/contractor-hours"): Rule(
        Perm.EXECUTE_WORK,
        lambda w, u: {"contractor": w.vendor.pk, "person": "Ali", "hours": "2", "work_date": "2026-11-20"},
    ),
    ("POST", "/contractor-hours/{entry_id}/reverse"): Rule(Perm.MANAGE_WORK_ORDERS, {"reason": "wrong WO"}),
    ("GET", "/work-orders/{work_order_id}/cost"): Rule(Perm.VIEW),
    ("GET", "/assets/{asset_id}/cost"): Rule(Perm.VIEW),
    ("GET", "/locations/{location_id}/cost"): Rule(Perm.VIEW),
    ("GET", "/vendors"): Rule(ANY, shared=True),
    ("POST", "/vendors"): Rule(Perm.MANAGE_VENDORS, lambda w, u: {"code": f"V{u.pk}", "name": "V"}, shared=True),
    ("GET", "/labor-rates"): Rule(Perm.MANAGE_WORK_ORDERS),
    ("POST", "/labor-rates"): Rule(
        Perm.MANAGE_RATES, lambda w, u: {"site": w.site.pk, "hourly_rate": "55", "effective_from": "2026-01-01"}
    ),
    ("POST", "/me/timer"): Rule(Perm.EXECUTE_WORK, lambda w, u: {"work_order": w.work_order.pk}),
    ("POST", "/me/timer/stop"): Rule(ANY, shared=True),  # one's own clock: 409 without one
    ("GET", "/parts"): Rule(ANY, shared=True),
    ("POST", "/parts"): Rule(
        Perm.MANAGE_INVENTORY, lambda w, u: {"part_number": f"P-{u.pk}", "description": "Part"}, shared=True
    ),
    ("GET", "/parts/{part_id}"): Rule(ANY, shared=True),
    ("GET", "/storerooms"): Rule(Perm.VIEW),
    ("POST", "/storerooms"): Rule(
        Perm.MANAGE_INVENTORY, lambda w, u: {"site": w.site.pk, "code": f"S{u.pk}", "name": "S"}
    ),
    ("GET", "/stock"): Rule(Perm.VIEW),
    ("GET", "/stock/reorder"): Rule(Perm.VIEW),
    ("POST", "/stock/receipts"): Rule(
        Perm.MANAGE_INVENTORY,
        lambda w, u: {"part": w.part.pk, "storeroom": w.storeroom.pk, "quantity": "5", "unit_cost": "2"},
    ),
    ("POST", "/stock/adjustments"): Rule(
        Perm.MANAGE_INVENTORY,
        lambda w, u: {"part": w.part.pk, "storeroom": w.storeroom.pk, "quantity_delta": "1", "reason": "count"},
    ),
    ("POST", "/stock/transfers"): Rule(
        Perm.MANAGE_INVENTORY,
        lambda w, u: {
            "part": w.part.pk,
            "from_storeroom": w.storeroom.pk,
            "to_storeroom": w.storeroom2.pk,
            "quantity": "1",
        },
    ),
    ("POST", "/stock/limits"): Rule(
        Perm.MANAGE_INVENTORY,
        lambda w, u: {"part": w.part.pk, "storeroom": w.storeroom.pk, "min_quantity": "1", "max_quantity": "9"},
    ),
    ("GET", "/work-orders/{work_order_id}/issues"): Rule(Perm.VIEW),
    ("POST", "/work-orders/{work_order_id}/issues"): Rule(
        Perm.ISSUE_PARTS, lambda w, u: {"part": w.part.pk, "storeroom": w.storeroom.pk, "quantity": "1"}
    ),
    ("POST", "/work-orders/{work_order_id}/returns"): Rule(
        Perm.ISSUE_PARTS, lambda w, u: {"issue": w.issue.pk, "quantity": "1"}
    ),
    ("POST", "/work-orders/{work_order_id}/parts-requests"): Rule(
        Perm.REQUEST_PARTS, lambda w, u: {"lines": [{"part": w.part.pk, "quantity": "2"}]}
    ),
    ("GET", "/parts-requests"): Rule(Perm.VIEW),
    ("GET", "/parts-requests/{request_id}"): Rule(Perm.VIEW),
    ("POST", "/parts-requests/{request_id}/submit"): Rule(Perm.REQUEST_PARTS),
    ("POST", "/parts-requests/{request_id}/approve"): Rule(Perm.APPROVE_PARTS_REQUESTS),
    ("POST", "/parts-requests/{request_id}/reject"): Rule(Perm.APPROVE_PARTS_REQUESTS, {"reason": "no"}),
    ("POST", "/request-lines/{line_id}/cancel"): Rule(Perm.REQUEST_PARTS),
    ("GET", "/purchase-orders"): Rule(Perm.VIEW),
    ("GET", "/purchase-orders/{po_number}"): Rule(Perm.VIEW),
    ("POST", "/erp/events"): Rule(Perm.MANAGE_INTEGRATIONS, {"events": []}, query=lambda w: {"site": w.site.code}),
    ("GET", "/erp/events"): Rule(Perm.MANAGE_INTEGRATIONS, hidden=True),
    ("GET", "/outbox"): Rule(Perm.MANAGE_INTEGRATIONS, hidden=True),
    ("POST", "/outbox/{message_id}/retry"): Rule(Perm.MANAGE_INTEGRATIONS, hidden=True),
    ("POST", "/outbox/{message_id}/cancel"): Rule(Perm.MANAGE_INTEGRATIONS, hidden=True),
    ("POST", "/downtime-events"): Rule(
        Perm.INGEST_DOWNTIME,
        lambda w, u: {
            "event_id": f"e-{u.pk}",
            "machine_id": "matrix-m1",
            "started_at": "2026-11-20T06:00:00Z",
            "category": "breakdown",
        },
    ),
    ("GET", "/downtime-stops"): Rule(Perm.VIEW),
    ("GET", "/pm/schedules"): Rule(Perm.VIEW),
    ("GET", "/pm/forecast"): Rule(Perm.VIEW, query=lambda w: {"site": w.site.pk}),
    ("POST", "/pm/generate"): Rule(Perm.MANAGE_PM, lambda w, u: {"site": w.site.pk}),
    ("GET", "/pm/compliance"): Rule(
        Perm.VIEW, query=lambda w: {"site": w.site.pk, "from": "2026-01-01", "to": "2026-02-01"}
    ),
    ("GET", "/reliability/kpis"): Rule(
        Perm.VIEW, query=lambda w: {"site": w.site.pk, "from": "2026-01-01", "to": "2026-02-01"}
    ),
    ("GET", "/audit/integrity"): Rule(Perm.VIEW),
    ("GET", "/pm/job-plans"): Rule(Perm.VIEW, hidden=False),
    ("GET", "/pm/job-plans/{plan_id}"): Rule(Perm.VIEW),
    ("POST", "/pm/job-plans"): Rule(
        Perm.MANAGE_PM, lambda w, u: {"site": w.site.pk, "code": f"JP-{u.pk}", "name": "N"}
    ),
    ("PATCH", "/pm/job-plans/{plan_id}"): Rule(Perm.MANAGE_PM, {"name": "Renamed"}),
    ("GET", "/pm/schedules/{schedule_id}"): Rule(Perm.VIEW),
    ("POST", "/pm/schedules"): Rule(
        Perm.MANAGE_PM,
        lambda w, u: {
            "site": w.site.pk,
            "asset": w.asset.pk,
            "name": "Check",
            "starts_on": "2026-12-01",
            "interval": 1,
        },
    ),
    ("PATCH", "/pm/schedules/{schedule_id}"): Rule(Perm.MANAGE_PM, {"lead_days": 3}),
    ("GET", "/sites/{site_id}/closed-periods"): Rule(Perm.VIEW),
    ("GET", "/downtime-events"): Rule(Perm.MANAGE_DOWNTIME_RULES, hidden=True),
    ("POST", "/sites/{site_id}/closed-periods"): Rule(Perm.CLOSE_PERIODS, {"month": "2026-01-01"}),
    ("GET", "/users"): Rule(Perm.MANAGE_PEOPLE, hidden=True),
    ("POST", "/users"): Rule(
        Perm.MANAGE_PEOPLE,
        lambda w, u: {"username": f"new-{u.pk}", "roles": [{"site": w.site.pk, "role": "technician"}]},
    ),
    ("GET", "/users/{user_id}"): Rule(Perm.MANAGE_PEOPLE, hidden=True),
    ("PATCH", "/users/{user_id}"): Rule(Perm.MANAGE_PEOPLE, {"first_name": "Renamed"}, hidden=True),
    ("POST", "/memberships"): Rule(
        Perm.MANAGE_PEOPLE, lambda w, u: {"user": w.bystander.pk, "site": w.site.pk, "role": "storeroom"}
    ),
    ("DELETE", "/memberships/{membership_id}"): Rule(Perm.MANAGE_PEOPLE, hidden=True),
    ("GET", "/downtime-rules"): Rule(Perm.VIEW, query=lambda w: {"site": w.site.pk}),
    ("POST", "/downtime-rules"): Rule(
        Perm.MANAGE_DOWNTIME_RULES, lambda w, u: {"site": w.site.pk, "name": "R", "action": "ignore"}
    ),
    ("GET", "/downtime-rules/{rule_id}"): Rule(Perm.VIEW),
    ("PATCH", "/downtime-rules/{rule_id}"): Rule(Perm.MANAGE_DOWNTIME_RULES, {"active": False}),
    ("DELETE", "/downtime-rules/{rule_id}"): Rule(
        Perm.MANAGE_DOWNTIME_RULES, fresh=lambda w: {"rule_id": w.new_rule().pk}
    ),
    ("GET", "/sites/{site_id}/oee-webhook"): Rule(Perm.MANAGE_INTEGRATIONS, fresh=lambda w: w.with_oee_webhook()),
    ("PUT", "/sites/{site_id}/oee-webhook"): Rule(Perm.MANAGE_INTEGRATIONS, {"url": "http://127.0.0.1:9/oee"}),
    ("POST", "/sites/{site_id}/oee-webhook/rotate-secret"): Rule(
        Perm.MANAGE_INTEGRATIONS, fresh=lambda w: w.with_oee_webhook()
    ),
    ("GET", "/sites/{site_id}/connector"): Rule(Perm.MANAGE_INTEGRATIONS),
    ("PUT", "/sites/{site_id}/connector"): Rule(Perm.MANAGE_INTEGRATIONS, {"connector": "builtin"}),
    ("POST", "/sites/{site_id}/connector/rotate-secret"): Rule(Perm.MANAGE_INTEGRATIONS),
    ("POST", "/failure-codes"): Rule(
        Perm.MANAGE_FAILURE_CODES, lambda w, u: {"kind": "cause", "code": f"C{u.pk}", "description": "C"}, shared=True
    ),
    ("PATCH", "/failure-codes/{code_id}"): Rule(Perm.MANAGE_FAILURE_CODES, {"description": "Renamed"}, shared=True),
    ("GET", "/event-types"): Rule(ANY, shared=True),
    ("GET", "/event-subscriptions"): Rule(Perm.MANAGE_INTEGRATIONS, hidden=True),
    ("POST", "/event-subscriptions"): Rule(
        Perm.MANAGE_INTEGRATIONS,
        lambda w, u: {
            "site": w.site.pk,
            "name": f"S-{u.pk}",
            "url": "http://127.0.0.1:9/",
            "event_types": ["cost.posted"],
        },
    ),
    ("GET", "/event-subscriptions/{subscription_id}"): Rule(Perm.MANAGE_INTEGRATIONS, hidden=True),
    ("PATCH", "/event-subscriptions/{subscription_id}"): Rule(Perm.MANAGE_INTEGRATIONS, {"active": False}, hidden=True),
    ("DELETE", "/event-subscriptions/{subscription_id}"): Rule(Perm.MANAGE_INTEGRATIONS, hidden=True),
    ("POST", "/event-subscriptions/{subscription_id}/rotate-secret"): Rule(Perm.MANAGE_INTEGRATIONS, hidden=True),
    ("GET", "/event-subscriptions/{subscription_id}/deliveries"): Rule(Perm.MANAGE_INTEGRATIONS, hidden=True),
}
