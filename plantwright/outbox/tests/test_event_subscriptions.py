"""Outbound event subscriptions: a site's integrator subscribes a URL to event types; every event is
its own signed delivery through the outbox, once, in order per WO, also across a receiver outage —
checked by a receiver in its own process that verifies the signature itself (docs/webhooks.md)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from plantwright.accounts.roles import Role
from plantwright.maintenance import services
from plantwright.outbox.events import TOPIC
from plantwright.outbox.models import EventSubscription, OutboxMessage, OutboxStatus
from plantwright.outbox.services import run_once
from plantwright.testing import factories
from plantwright.testing.processes import FakeErp

pytestmark = pytest.mark.django_db
SECRET = "whsec_the_receivers_own_secret_for_events"
EVERYTHING = ["work_order.created", "work_order.status_changed", "work_order.completed", "work_request.triaged",
              "cost.posted", "parts_request.ordered", "parts_request.received", "outbox.dead_letter"]  # fmt: skip


@pytest.fixture
def integrator(site):
    return factories.UserFactory(username="integrator", roles=[(site, Role.ADMIN)])


@pytest.fixture
def receiver():
    other_side = FakeErp(SECRET).start()
    yield other_side
    other_side.stop()


def _subscribe(api_as, integrator, site, url, types=EVERYTHING):
    status, body = api_as(integrator).post("/event-subscriptions", {"site": site.pk, "name": "MES", "url": url,
                                                                    "event_types": types})  # fmt: skip
    assert status == 201, body
    assert body["secret"].startswith("whsec_")
    EventSubscription.objects.filter(pk=body["id"]).update(secret=SECRET)
    return body


def _deliver_all(rounds: int = 30) -> None:
    """Run the outbox until nothing is due (waiting messages look again at once here)."""
    for _ in range(rounds):
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING).update(next_attempt_at=timezone.now())
        run_once(batch=50)
        if not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
            return


def _life_of_a_wo(planner, technician, asset):
    wo = services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Belt slips")
    for status in ("approved", "scheduled", "in_progress"):
        services.transition_work_order(planner, wo, to=status)
    factories.labor_rate(asset.site, technician=technician, rate="40")
    services.log_labor(technician, wo, technician_id=technician.pk, hours=Decimal("1.5"), work_date=date.today())
    services.transition_work_order(technician, wo, to="completed")
    return wo


def test_every_event_of_a_wo_arrives_once_signed_and_in_order(
    api_as, integrator, site, planner, technician, asset, receiver
):
    _subscribe(api_as, integrator, site, receiver.url)
    wo = _life_of_a_wo(planner, technician, asset)
    _deliver_all()
    received = [entry["body"] for entry in receiver.received()]  # in the order they arrived
    assert [event["type"] for event in received] == [
        "work_order.created", "work_order.status_changed", "work_order.status_changed",
        "work_order.status_changed", "cost.posted", "work_order.status_changed", "work_order.completed",
    ]  # fmt: skip
    moves = [(e["data"]["from"], e["data"]["to"]) for e in received if e["type"] == "work_order.status_changed"]
    assert moves == [("draft", "approved"), ("approved", "scheduled"), ("scheduled", "in_progress"),
                     ("in_progress", "completed")]  # fmt: skip
    assert all(e["subject"] == f"work_order:{wo.pk}" and e["site"] == site.code for e in received)
    assert received[4]["data"]["amount"] == "60.0000" and received[4]["data"]["category"] == "labor"
    assert all(entry["attempts"] == 1 for entry in receiver.received())  # once each
    assert len({e["id"] for e in received}) == 7


def test_every_event_type_is_delivered_once_signed_on_its_subject(
    api_as, integrator, site, planner, requester, technician, asset, receiver
):
    """Request → WO → parts request → ERP PO, receipt → complete, and a dead letter: each type heard."""
    from plantwright.procurement.events import ingest
    from plantwright.procurement.services import create_parts_request, submit_parts_request
    from plantwright.testing.erp_events import po_created, receipt

    _subscribe(api_as, integrator, site, receiver.url)
    request = services.raise_work_request(requester, asset_id=asset.pk, title="Pump leaks")
    wo = services.approve_work_request(planner, request)
    services.transition_work_order(planner, wo, to="in_progress")
    bearing = factories.part("BRG-6205", "Ball bearing 6205")
    parts = create_parts_request(planner, wo, lines=[{"part": bearing.pk, "quantity": Decimal(4),
                                                      "estimated_unit_cost": Decimal("12.50")}])  # fmt: skip
    submit_parts_request(planner, parts)
    ingest(site, "api:north", [po_created(parts, prices=("12.00",)), receipt({10: "4"})])
    services.transition_work_order(technician, wo, to="completed")
    from plantwright.outbox.services import enqueue

    enqueue("no.such.topic", {}, idempotency_key="lost-2", site=site)
    _deliver_all()
    received = [entry["body"] for entry in receiver.received()]
    by_type: dict[str, list[dict]] = {}
    for event in received:
        by_type.setdefault(event["type"], []).append(event)
    assert sorted(by_type) == sorted(EVERYTHING)
    assert len({e["id"] for e in received}) == len(received)  # none twice
    assert all(entry["attempts"] == 1 for entry in receiver.received())  # the receiver checks each signature
    triaged = by_type["work_request.triaged"]
    assert [(e["data"]["number"], e["data"]["status"], e["data"]["work_order"]) for e in triaged] == [
        (request.number, "approved", wo.number)
    ]
    assert [e["data"]["number"] for e in by_type["parts_request.ordered"]] == [parts.number]
    got = by_type["parts_request.received"]
    assert [(e["data"]["po_number"], e["data"]["received"]) for e in got] == [("4500001", "4.0000")]
    assert {e["subject"] for e in received if e["type"] != "outbox.dead_letter"} == {
        f"work_order:{wo.pk}",
        f"work_request:{request.pk}",
    }
    wo_events = [e["type"] for e in received if e["subject"] == f"work_order:{wo.pk}"]
    assert wo_events.index("parts_request.ordered") < wo_events.index("parts_request.received")
    assert wo_events.index("parts_request.received") < wo_events.index("work_order.completed")
    assert [e["data"]["kind"] for e in by_type["cost.posted"]] == ["po_receipt"]


def test_a_receiver_outage_delays_but_never_reorders_or_loses_events(
    api_as, integrator, site, planner, technician, asset, receiver
):
    subscription = _subscribe(api_as, integrator, site, receiver.url, ["work_order.status_changed"])
    receiver.mode("fail")
    wo = _life_of_a_wo(planner, technician, asset)
    for _ in range(3):
        _deliver_all(rounds=1)
    first, *later = OutboxMessage.objects.filter(topic=TOPIC).order_by("pk")
    assert first.attempts >= 1 and first.status == OutboxStatus.PENDING and "500" in first.last_error
    assert all(m.attempts == 0 and "Waiting for message" in m.last_error for m in later)  # held back, not tried
    receiver.mode("ok")
    _deliver_all()
    received = [entry["body"]["data"]["to"] for entry in receiver.received()]
    assert received == ["approved", "scheduled", "in_progress", "completed"]
    status, log = api_as(integrator).get(f"/event-subscriptions/{subscription['id']}/deliveries")
    log = log["items"]
    assert status == 200 and [row["status"] for row in log] == ["delivered"] * 4
    assert log[-1]["attempts"] > 1 and log[0]["subject"] == f"work_order:{wo.pk}"


def test_a_dead_letter_is_an_event_and_a_refusing_receiver_is_not_told_of_itself(
    api_as, integrator, site, planner, asset, receiver
):
    _subscribe(api_as, integrator, site, receiver.url, ["outbox.dead_letter", "work_order.created"])
    from plantwright.outbox.services import enqueue

    enqueue("no.such.topic", {}, idempotency_key="lost-1", site=site)
    _deliver_all()  # dead at once (no handler): its dead letter is told
    receiver.mode("reject")
    services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Refused")
    _deliver_all()
    refused = OutboxMessage.objects.get(topic=TOPIC, status=OutboxStatus.DEAD)
    assert refused.payload["event"]["type"] == "work_order.created"
    assert OutboxMessage.objects.filter(topic=TOPIC).count() == 2  # no event of the refused event
    told = [entry["body"] for entry in receiver.received()]
    assert [event["type"] for event in told] == ["outbox.dead_letter"]
    assert told[0]["data"]["topic"] == "no.such.topic"


def test_only_chosen_types_only_the_site_and_only_integrators(api_as, integrator, site, other_site, planner, asset):
    status, body = api_as(planner).post("/event-subscriptions", {"site": site.pk, "name": "X",
                                        "url": "http://127.0.0.1:9/", "event_types": ["cost.posted"]})  # fmt: skip
    assert status == 403
    status, body = api_as(integrator).post("/event-subscriptions", {"site": site.pk, "name": "X",
                                           "url": "http://127.0.0.1:9/", "event_types": ["wo.exploded"]})  # fmt: skip
    assert status == 422
    sub = _subscribe(api_as, integrator, site, "http://127.0.0.1:9/", ["work_order.completed"])
    services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Not heard")
    assert not OutboxMessage.objects.filter(topic=TOPIC).exists()
    status, body = api_as(integrator).patch(f"/event-subscriptions/{sub['id']}", {"active": False})
    assert status == 200 and body["active"] is False and "secret" not in body
    status, body = api_as(integrator).post(f"/event-subscriptions/{sub['id']}/rotate-secret", {})
    assert status == 200 and body["secret"] != SECRET
    status, types = api_as(integrator).get("/event-types")
    assert status == 200 and [t["type"] for t in types] == EVERYTHING
    assert api_as(integrator).delete(f"/event-subscriptions/{sub['id']}")[0] == 204


def test_each_downtime_status_change_is_its_own_status_message_in_order(site, planner, asset):
    from plantwright.downtime.loopback import status_payload
    from plantwright.maintenance.services.work import WORK_ORDER_STATUS_TOPIC

    wo = services.open_work_order_by_rule(planner, asset=asset, type="emergency", title="Stop", note="rule")
    for status in ("approved", "in_progress"):
        services.transition_work_order(planner, wo, to=status)
    messages = list(OutboxMessage.objects.filter(topic=WORK_ORDER_STATUS_TOPIC).order_by("pk"))
    assert [m.payload["status"] for m in messages] == ["draft", "approved", "in_progress"]
    assert len({m.ordering_key for m in messages}) == 1
    wo.refresh_from_db()
    assert status_payload(wo, messages[0].payload["status"])["status"] == "draft"  # not the current one


def test_the_page_subscribes_shows_the_secret_once_pauses_rotates_and_unsubscribes(as_user, integrator, site, planner):
    url = f"/sites/{site.pk}/event-subscriptions/"
    assert as_user(planner).get(url).status_code == 403
    page = as_user(integrator)
    refused = page.post(url, {"name": "MES", "url": "not a url", "event_types": ["cost.posted"]})
    assert refused.status_code == 422 and not EventSubscription.objects.exists()
    made = page.post(url, {"name": "MES", "url": "http://127.0.0.1:9/hook",
                           "event_types": ["cost.posted", "work_order.created"]})  # fmt: skip
    subscription = EventSubscription.objects.get()
    assert made.status_code == 201 and subscription.secret in made.content.decode()
    assert subscription.event_types == ["work_order.created", "cost.posted"]  # in the catalogue's order
    listed = page.get(url).content.decode()
    assert "MES" in listed and subscription.secret not in listed  # shown once
    page.post(f"/event-subscriptions/{subscription.pk}/active/")
    subscription.refresh_from_db()
    assert subscription.active is False
    old = subscription.secret
    rotated = page.post(f"/event-subscriptions/{subscription.pk}/rotate/")
    subscription.refresh_from_db()
    assert subscription.secret != old and subscription.secret in rotated.content.decode()
    assert page.get(f"/event-subscriptions/{subscription.pk}/").status_code == 200
    page.post(f"/event-subscriptions/{subscription.pk}/delete/")
    assert not EventSubscription.objects.exists()
