"""The webhook connector against a real ERP stand-in process: delivery with retries and
dead-letter, the ERP's signed answers through the live HTTP API, and a worker killed mid-delivery."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from plantwright.maintenance.models import CostLine
from plantwright.outbox import services as outbox
from plantwright.outbox.models import OutboxMessage
from plantwright.procurement.models import PartsRequest
from plantwright.testing.processes import kill, start_outbox_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _due_now():
    OutboxMessage.objects.update(next_attempt_at=timezone.now())


def _events(request, po="4500777"):
    lines = list(request.lines.order_by("line_no"))
    return [
        {
            "event_id": "e-1",
            "type": "po.created",
            "occurred_at": "2026-11-20T09:00:00+00:00",
            "po_number": po,
            "currency": "EUR",
            "vendor": {"code": "SKF", "name": "SKF GmbH"},
            "lines": [
                {"po_line": 10, "request_line": lines[0].pk, "quantity": "2", "unit_price": "28.00"},
                {"po_line": 20, "request_line": lines[1].pk, "quantity": "1", "unit_price": "1250.00"},
            ],
        },
        {
            "event_id": "e-2",
            "type": "receipt.posted",
            "occurred_at": "2026-11-21T09:00:00+00:00",
            "po_number": po,
            "receipt_number": "5000001",
            "lines": [{"po_line": 10, "quantity": "2"}, {"po_line": 20, "quantity": "1"}],
        },
        {
            "event_id": "e-3",
            "type": "invoice.posted",
            "occurred_at": "2026-11-22T09:00:00+00:00",
            "po_number": po,
            "invoice_number": "RE-889",
            "currency": "EUR",
            "lines": [
                {"po_line": 10, "quantity": "2", "amount": "58.00"},
                {"po_line": 20, "quantity": "1", "amount": "1250.00"},
            ],
        },
    ]


def _ledger(work_order, category):
    return CostLine.objects.filter(work_order=work_order, category=category).aggregate(s=Sum("amount"))["s"]


def test_full_flow_through_a_flaky_erp(webhook_site, fake_erp, submit, work_order, live_server):
    request = submit()
    message = OutboxMessage.objects.get()

    fake_erp.mode("fail")  # 500s
    assert outbox.run_once() == 0
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    assert "HTTP 500" in message.last_error
    assert message.next_attempt_at > timezone.now()  # backing off

    _due_now()
    fake_erp.mode("slow", delay=3)  # longer than the endpoint's 1 s timeout
    assert outbox.run_once() == 0
    message.refresh_from_db()
    assert message.attempts == 2 and "unreachable" in message.last_error

    fake_erp.stop()  # down for a while
    _due_now()
    assert outbox.run_once() == 0
    message.refresh_from_db()
    assert message.attempts == 3 and message.status == "pending"

    fake_erp.start()  # back on the same port
    _due_now()
    assert outbox.run_once() == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("delivered", 4)
    [delivery] = fake_erp.received()
    assert delivery["key"] == f"parts_request:{request.pk}:submit"
    body = delivery["body"]
    assert body["type"] == "parts_request.submitted"
    assert body["parts_request"]["number"] == request.number
    assert [line["quantity"] for line in body["parts_request"]["lines"]] == ["2.0000", "1.0000"]

    # The ERP answers through the live API, signed with the shared secret.
    answer = fake_erp.send(f"{live_server.url}/api/v1/erp/events?site={webhook_site.code}", _events(request))
    assert answer["status"] == 200, answer
    assert [r["status"] for r in answer["body"]["results"]] == ["applied", "applied", "applied"]
    request.refresh_from_db()
    assert request.status == PartsRequest.Status.ORDERED
    assert _ledger(work_order, "parts") == Decimal("58.0000")
    assert _ledger(work_order, "contractor") == Decimal("1250.0000")

    # The same batch again (the ERP did not see our answer): nothing doubles.
    again = fake_erp.send(f"{live_server.url}/api/v1/erp/events?site={webhook_site.code}", _events(request))
    assert [r["replayed"] for r in again["body"]["results"]] == [True, True, True]
    assert _ledger(work_order, "parts") == Decimal("58.0000")

    # Signed with another secret: refused.
    forged = fake_erp.send(
        f"{live_server.url}/api/v1/erp/events?site={webhook_site.code}", _events(request), secret="whsec_wrong"
    )
    assert forged["status"] == 401 and forged["body"]["error"]["code"] == "signature_invalid"


def test_a_refusing_erp_dead_letters_at_once_and_a_person_retries(webhook_site, fake_erp, submit):
    submit()
    fake_erp.mode("reject")  # 400: content refused, retrying will not help
    outbox.run_once()
    message = OutboxMessage.objects.get()
    assert message.status == "dead" and "HTTP 400" in message.last_error
    fake_erp.mode("ok")
    from plantwright.testing import factories

    admin = factories.UserFactory(username="root", is_superuser=True)
    outbox.retry(admin, message)
    assert outbox.run_once() == 1
    assert OutboxMessage.objects.get().status == "delivered"


def test_retries_end_in_dead_letter_after_the_last_attempt(webhook_site, fake_erp, submit):
    submit()
    OutboxMessage.objects.update(max_attempts=3)
    fake_erp.mode("fail")
    for _ in range(3):
        _due_now()
        outbox.run_once()
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("dead", 3)


def test_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(
    webhook_site, fake_erp, submit, work_order, live_server
):
    from plantwright.erp.models import WebhookEndpoint

    WebhookEndpoint.objects.filter(site=webhook_site).update(timeout_seconds=30)
    request = submit()
    fake_erp.mode("slow", delay=2)
    worker = start_outbox_worker(env={"OUTBOX_LEASE_SECONDS": "3"})
    try:
        wait_for(lambda: OutboxMessage.objects.filter(status="delivering").exists(), what="the worker to claim")
        kill(worker)  # in the middle of the HTTP call
    finally:
        if worker.poll() is None:
            kill(worker)
    message = OutboxMessage.objects.get()
    assert message.status == "delivering"  # claimed, never finished
    assert outbox.run_once() == 0  # still leased to the dead worker: nobody else takes it yet
    fake_erp.mode("ok")
    wait_for(lambda: message.__class__.objects.get().leased_until < timezone.now(), what="the lease to run out")
    assert outbox.run_once() == 1
    message.refresh_from_db()
    assert message.status == "delivered"
    deliveries = fake_erp.received()
    assert len(deliveries) == 1  # one request at the ERP, however many attempts reached it
    assert deliveries[0]["attempts"] in (1, 2)

    events = _events(request)
    url = f"{live_server.url}/api/v1/erp/events?site={webhook_site.code}"
    fake_erp.send(url, events[:2])
    fake_erp.send(url, events[:2])
    assert CostLine.objects.filter(work_order=work_order).count() == 2  # one per PO line, once
    assert OutboxMessage.objects.filter(leased_until__gt=timezone.now() + timedelta(minutes=5)).count() == 0
