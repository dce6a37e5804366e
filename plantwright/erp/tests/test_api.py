"""POST /api/v1/erp/events: who may send, signatures, single and batch answers, malformed bodies."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from plantwright.accounts.roles import Role
from plantwright.core.errors import Unauthenticated
from plantwright.erp import services as erp_services
from plantwright.erp.models import WebhookEndpoint
from plantwright.outbox.webhooks import sign, verify
from plantwright.procurement.models import ErpEvent, PurchaseOrder
from plantwright.testing import factories

SECRET = "whsec_api_test"


@pytest.fixture
def integrator(site):
    return factories.UserFactory(username="integrator", roles=[(site, Role.ADMIN)])


def _po_created(submitted, event_id="e-1", **changes):
    line = submitted.lines.order_by("line_no").first()
    event = {
        "event_id": event_id,
        "type": "po.created",
        "occurred_at": "2026-11-20T09:00:00+01:00",
        "po_number": "4500100",
        "currency": "EUR",
        "lines": [{"po_line": 10, "request_line": line.pk, "quantity": "2", "unit_price": "30.00"}],
    }
    event.update(changes)
    return event


@pytest.fixture
def submitted(submit):
    return submit()


def test_an_integration_user_posts_events_with_a_bearer_token(api_as, integrator, submitted, site):
    status, body = api_as(integrator).post(f"/erp/events?site={site.code}", _po_created(submitted))
    assert status == 200
    assert (body["status"], body["event_id"], body["replayed"]) == ("applied", "e-1", False)
    assert PurchaseOrder.objects.get().source == f"api:{site.code}"
    status, again = api_as(integrator).post(f"/erp/events?site={site.code}", _po_created(submitted))
    assert status == 200 and again["replayed"] is True and again["id"] == body["id"]


def test_a_planner_may_not_post_events(api_as, planner, submitted, site):
    status, body = api_as(planner).post(f"/erp/events?site={site.code}", _po_created(submitted))
    assert status == 403 and body["error"]["code"] == "forbidden"


def test_no_credentials_and_unknown_site(api_as, submitted, site):
    status, body = api_as(None).post(f"/erp/events?site={site.code}", _po_created(submitted))
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = api_as(None).post("/erp/events?site=nowhere", _po_created(submitted))
    assert status == 404 and body["error"]["code"] == "unknown_site"


def test_a_refused_event_answers_its_error_and_is_stored(api_as, integrator, submitted, site):
    status, body = api_as(integrator).post(f"/erp/events?site={site.code}", _po_created(submitted, currency="USD"))
    assert status == 422
    assert body["error"]["code"] == "currency_mismatch"
    assert body["error"]["details"]["event"]["status"] == "rejected"
    stored = ErpEvent.objects.get()
    assert (stored.status, stored.error["code"]) == ("rejected", "currency_mismatch")


def test_malformed_json_is_refused(api_as, integrator, site):
    status, body = api_as(integrator).post(f"/erp/events?site={site.code}", raw="{not json")
    assert status == 400 and body["error"]["code"] == "malformed_json"


def test_an_event_without_an_id_is_stored_as_malformed(api_as, integrator, site):
    status, body = api_as(integrator).post(f"/erp/events?site={site.code}", {"type": "po.created"})
    assert status == 422 and body["error"]["code"] == "validation_failed"
    assert ErpEvent.objects.get().event_id.startswith("malformed:")


def test_a_batch_answers_every_result_and_keeps_the_good_ones(api_as, integrator, submitted, site):
    batch = [_po_created(submitted), {"event_id": "bad", "type": "receipt.posted"}]
    status, body = api_as(integrator).post(f"/erp/events?site={site.code}", batch)
    assert status == 422 and body["error"]["code"] == "events_rejected"
    assert [r["status"] for r in body["error"]["details"]["results"]] == ["applied", "rejected"]
    assert PurchaseOrder.objects.count() == 1
    status, body = api_as(integrator).post(f"/erp/events?site={site.code}", {"events": [_po_created(submitted)]})
    assert status == 200 and body["results"][0]["replayed"] is True


@pytest.fixture
def signed_site(site, admin):
    erp_services.configure_site(admin, site, connector="webhook", webhook_url="https://erp.example.com/hook")
    WebhookEndpoint.objects.filter(site=site).update(secret=SECRET)
    return site


def _post_signed(client, site, payload, *, secrets=(SECRET,), now=None):
    body = json.dumps(payload).encode()
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in sign(list(secrets), body, now=now).items()}
    response = client.post(f"/api/v1/erp/events?site={site.code}", body, content_type="application/json", **headers)
    return response.status_code, response.json()


def test_a_webhook_site_takes_only_signed_events(client, api_as, integrator, signed_site, submitted):
    status, body = api_as(integrator).post(f"/erp/events?site={signed_site.code}", _po_created(submitted))
    assert status == 401 and body["error"]["code"] == "signature_missing"
    status, body = _post_signed(client, signed_site, _po_created(submitted), secrets=("whsec_other",))
    assert status == 401 and body["error"]["code"] == "signature_invalid"
    status, body = _post_signed(client, signed_site, _po_created(submitted), now=time.time() - 600)
    assert status == 401 and body["error"]["code"] == "signature_expired"
    assert not ErpEvent.objects.exists()
    status, body = _post_signed(client, signed_site, _po_created(submitted))
    assert status == 200 and body["status"] == "applied"
    assert PurchaseOrder.objects.get().source == f"webhook:{signed_site.code}"


def test_after_rotation_the_old_secret_works_until_its_overlap_ends(client, admin, signed_site, submitted):
    endpoint = erp_services.rotate_secret(admin, signed_site)
    assert endpoint.secret != SECRET and endpoint.previous_secret == SECRET
    status, _ = _post_signed(client, signed_site, _po_created(submitted, event_id="old-1"))
    assert status == 200
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_valid_until=timezone.now() - timedelta(seconds=1))
    status, _ = _post_signed(client, signed_site, _po_created(submitted, event_id="old-2"))
    assert status == 401
    status, _ = _post_signed(client, signed_site, _po_created(submitted, event_id="new-1"), secrets=(endpoint.secret,))
    assert status == 200


def test_signature_covers_the_body():
    body = b'{"a":1}'
    headers = sign(["s"], body)
    verify(["s"], headers, body)
    with pytest.raises(Unauthenticated):
        verify(["s"], headers, b'{"a":2}')


def test_parts_request_api_round_trip(api_as, planner, work_order, site):
    part = factories.part("V-BELT", "V-belt SPZ 1250")
    status, body = api_as(planner).post(
        f"/work-orders/{work_order.pk}/parts-requests",
        {
            "lines": [
                {"part": part.pk, "quantity": "3", "estimated_unit_cost": "9.50", "need_by": "2099-01-31"},
                {"kind": "service", "description": "Crane hire", "quantity": "1", "estimated_unit_cost": "400"},
            ],
            "submit": True,
        },
    )
    assert status == 201, body
    assert body["status"] == "submitted"
    assert [line["committed"] for line in body["lines"]] == ["28.5000", "400.0000"]
    status, fetched = api_as(planner).get(f"/parts-requests/{body['id']}")
    assert status == 200 and fetched["number"] == body["number"]


@pytest.mark.parametrize(
    "line",
    [
        {"description": "x", "quantity": 1},  # a number, not a decimal string
        {"description": "x", "quantity": "-1"},
        {"description": "x", "quantity": "1", "for_stock": "yes"},
        {"description": "x", "quantity": "1", "surprise": True},
    ],
)
def test_parts_request_api_refuses_bad_lines(api_as, planner, work_order, line):
    status, body = api_as(planner).post(f"/work-orders/{work_order.pk}/parts-requests", {"lines": [line]})
    assert status == 422 and body["error"]["code"] == "validation_failed"


def test_purchase_order_api_shows_the_link_and_the_money(api_as, integrator, planner, submitted, site, work_order):
    api_as(integrator).post(f"/erp/events?site={site.code}", _po_created(submitted))
    api_as(integrator).post(
        f"/erp/events?site={site.code}",
        {
            "event_id": "r-1",
            "type": "receipt.posted",
            "occurred_at": "2026-11-21T09:00:00Z",
            "po_number": "4500100",
            "receipt_number": "GR-1",
            "lines": [{"po_line": 10, "quantity": "2"}],
        },
    )
    status, body = api_as(planner).get("/purchase-orders", work_order=work_order.pk)
    assert status == 200 and body["count"] == 1
    [line] = body["items"][0]["lines"]
    assert (line["work_order"], line["received_quantity"], line["parts_request"]) == (
        work_order.pk,
        "2.0000",
        submitted.number,
    )
    assert line["postings"][0]["kind"] == "receipt"
    status, po = api_as(planner).get("/purchase-orders/4500100")
    assert status == 200 and po["status"] == "closed"
    status, body = api_as(planner).get("/purchase-orders/nope")
    assert status == 404


def test_outbox_api_lists_retries_and_cancels(api_as, integrator, planner, submitted):
    from plantwright.outbox.models import OutboxMessage

    status, body = api_as(integrator).get("/outbox", status="pending")
    assert status == 200 and body["count"] == 1
    message_id = body["items"][0]["id"]
    status, body = api_as(integrator).post(f"/outbox/{message_id}/retry")
    assert status == 409 and body["error"]["code"] == "not_dead"
    status, body = api_as(integrator).post(f"/outbox/{message_id}/cancel")
    assert status == 200 and body["status"] == "cancelled"
    assert OutboxMessage.objects.get().status == "cancelled"
    status, body = api_as(planner).get("/outbox")
    assert status == 200 and body["count"] == 0  # not an integration manager
    status, _ = api_as(planner).post(f"/outbox/{message_id}/retry")
    assert status == 404


def test_the_site_code_is_found_whatever_its_case(api_as, integrator, site):
    """The docs and many ERPs write site codes in capitals (IST); the site is `ist`."""
    status, body = api_as(integrator).post(f"/erp/events?site={site.code.upper()}", raw="{not json")
    assert status == 400 and body["error"]["code"] == "malformed_json"  # past the site look-up
    status, body = api_as(integrator).post("/erp/events?site=NOWHERE", raw="{}")
    assert status == 404 and body["error"]["code"] == "unknown_site"
