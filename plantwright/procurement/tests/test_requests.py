from decimal import Decimal

import pytest

from plantwright.core.errors import Conflict, PermissionDenied, ValidationFailed
from plantwright.outbox.models import OutboxMessage
from plantwright.procurement import selectors, services
from plantwright.procurement.models import PartsRequest, PartsRequestLine
from plantwright.testing import factories


def test_submitting_commits_the_request_and_its_outbox_message_together(submitted):
    assert submitted.status == PartsRequest.Status.SUBMITTED
    message = OutboxMessage.objects.get()
    assert message.topic == "erp.submit_parts_request"
    assert message.payload == {"parts_request": submitted.pk}
    assert message.idempotency_key == f"parts_request:{submitted.pk}:submit"


def test_the_estimate_shows_as_committed_until_it_is_ordered(submitted, work_order):
    assert selectors.work_order_committed(work_order) == Decimal("850.0000")  # 4 × 12.50 + 800


def test_a_draft_is_not_committed(planner, work_order, bearing):
    services.create_parts_request(planner, work_order, lines=[{"part": bearing.pk, "quantity": Decimal(2)}])
    assert selectors.work_order_committed(work_order) == 0
    assert not OutboxMessage.objects.exists()


def test_lines_take_the_assets_cost_centre(planner, work_order, bearing):
    work_order.asset.erp_cost_center = "CC-4711"
    work_order.asset.save()
    request = services.create_parts_request(planner, work_order, lines=[{"part": bearing.pk, "quantity": Decimal(1)}])
    line = request.lines.get()
    assert (line.cost_center, line.description, line.unit) == ("CC-4711", "Ball bearing 6205", "ea")


def test_over_the_threshold_a_manager_must_approve_first(site, planner, manager, work_order, bearing):
    services.settings_for(site).__class__.objects.filter(site=site).update(approval_threshold=Decimal(100))
    request = services.create_parts_request(
        planner, work_order, lines=[{"part": bearing.pk, "quantity": Decimal(10), "estimated_unit_cost": Decimal(20)}]
    )
    request = services.submit_parts_request(planner, request)
    assert request.status == PartsRequest.Status.PENDING_APPROVAL
    assert not OutboxMessage.objects.exists()
    with pytest.raises(PermissionDenied):
        services.approve_parts_request(planner, request)
    request = services.approve_parts_request(manager, request)
    assert request.status == PartsRequest.Status.SUBMITTED
    assert request.approved_by == manager
    assert OutboxMessage.objects.count() == 1


def test_a_manager_rejects_with_a_reason(site, planner, manager, work_order, bearing):
    services.settings_for(site).__class__.objects.filter(site=site).update(approval_threshold=Decimal(1))
    request = services.create_parts_request(
        planner, work_order, lines=[{"part": bearing.pk, "quantity": Decimal(1), "estimated_unit_cost": Decimal(5)}]
    )
    services.submit_parts_request(planner, request)
    with pytest.raises(ValidationFailed):
        services.reject_parts_request(manager, request, reason="  ")
    request = services.reject_parts_request(manager, request, reason="Use the spare from line 3")
    assert request.status == PartsRequest.Status.REJECTED
    assert "Use the spare" in request.note
    assert set(request.lines.values_list("status", flat=True)) == {"rejected"}


def test_cancelling_a_submitted_line_tells_the_erp(submitted, planner):
    line = submitted.lines.get(line_no=2)
    services.cancel_request_line(planner, line)
    message = OutboxMessage.objects.get(topic="erp.cancel_request_line")
    assert message.payload == {"request_line": line.pk}
    with pytest.raises(Conflict):
        services.cancel_request_line(planner, line)


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"quantity": Decimal(1)}, "description"),
        ({"description": "x", "quantity": Decimal(0)}, "quantity"),
        ({"description": "x", "quantity": Decimal(1), "estimated_unit_cost": Decimal(-1)}, "estimated_unit_cost"),
        ({"part": 999999, "quantity": Decimal(1)}, "part"),
        ({"description": "x", "quantity": Decimal(1), "for_stock": True}, "for_stock"),
        ({"description": "x", "quantity": Decimal(1), "kind": "magic"}, "kind"),
        ({"description": "x", "quantity": Decimal(1), "suggested_vendor": 999999}, "suggested_vendor"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(planner, work_order, line, field):
    with pytest.raises(ValidationFailed) as caught:
        services.create_parts_request(planner, work_order, lines=[line])
    assert caught.value.details["field"] == f"lines.0.{field}"
    assert not PartsRequest.objects.exists() and not PartsRequestLine.objects.exists()


def test_no_parts_requests_on_a_closed_wo(planner, asset, bearing):
    closed = factories.WorkOrderFactory(asset=asset, status="closed")
    with pytest.raises(Conflict):
        services.create_parts_request(planner, closed, lines=[{"part": bearing.pk, "quantity": Decimal(1)}])


def test_a_technician_cannot_request_parts(technician, work_order, bearing):
    with pytest.raises(PermissionDenied):
        services.create_parts_request(technician, work_order, lines=[{"part": bearing.pk, "quantity": Decimal(1)}])


def test_a_request_entered_late_says_when_the_need_arose(planner, work_order, bearing, api_as):
    from datetime import timedelta

    from django.utils import timezone

    from plantwright.maintenance.models import WorkOrder

    WorkOrder.objects.filter(pk=work_order.pk).update(created_at=timezone.now() - timedelta(days=10))
    day = work_order.site.local_date() - timedelta(days=3)
    lines = [{"part": bearing.pk, "quantity": Decimal(1)}]
    request = services.create_parts_request(planner, work_order, lines=lines, need_arose_on=day)
    assert PartsRequest.objects.get(pk=request.pk).need_arose_on == day
    for wrong in (work_order.site.local_date() + timedelta(days=1), day - timedelta(days=30)):
        with pytest.raises(ValidationFailed) as refused:
            services.create_parts_request(planner, work_order, lines=lines, need_arose_on=wrong)
        assert refused.value.code == "need_arose_implausible"
    body = {"lines": [{"part": bearing.pk, "quantity": "1"}], "need_arose_on": day.isoformat()}
    status, answer = api_as(planner).post(f"/work-orders/{work_order.pk}/parts-requests", body)
    assert status == 201 and answer["need_arose_on"] == day.isoformat()
    assert PartsRequest.objects.count() == 2
