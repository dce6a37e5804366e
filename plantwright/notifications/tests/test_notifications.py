"""People are told what concerns them, in the app and by e-mail (through the outbox), as they chose."""

import pytest
from django.core import mail

from plantwright.maintenance import services as maintenance
from plantwright.notifications.models import Kind, Notification, Preference
from plantwright.outbox import services as outbox
from plantwright.outbox.models import OutboxMessage
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


def deliver_all() -> None:
    outbox.run_once(100, worker="test")  # what the outbox worker does


def test_the_requester_hears_of_approval_in_the_app_and_by_email(requester, planner, asset):
    requester.email = "ayse@plant.example"
    requester.save()
    request = maintenance.raise_work_request(requester, asset_id=asset.pk, title="Leak at the pump")
    work_order = maintenance.approve_work_request(planner, request)
    (note,) = Notification.objects.filter(user=requester)
    assert note.kind == "request_triaged"
    assert note.title == f"{planner.display_name} approved {request.number}: {work_order.number}"  # in words
    assert note.link == f"/work-orders/{work_order.pk}/"
    assert mail.outbox == []  # not before the worker sends it (the change committed first)
    deliver_all()
    (sent,) = mail.outbox
    assert sent.to == ["ayse@plant.example"] and work_order.number in sent.subject
    assert f"/work-orders/{work_order.pk}/" in sent.body


def test_a_rejection_says_why_and_nobody_hears_twice(requester, planner, asset):
    request = maintenance.raise_work_request(requester, asset_id=asset.pk, title="Paint the wall")
    maintenance.reject_work_request(planner, request, reason="Not maintenance work: ask facilities.")
    (note,) = Notification.objects.filter(user=requester)
    assert note.title == f"{planner.display_name} rejected {request.number}" and "ask facilities" in note.body


def test_technicians_hear_when_a_wo_is_assigned_to_them_not_the_planner(planner, technician, asset):
    work_order = maintenance.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Fix it",
                                               assigned_to=[technician.pk, planner.pk])  # fmt: skip
    assert list(Notification.objects.values_list("user__username", "kind")) == [(technician.username, "wo_assigned")]
    other = factories.UserFactory(username="tech-2", roles=[(asset.site, "technician")])
    maintenance.update_work_order(planner, work_order, {"assigned_to": [technician.pk, other.pk]})
    assert Notification.objects.filter(user=other, kind="wo_assigned").count() == 1
    assert Notification.objects.filter(user=technician).count() == 1  # already assigned: not told again
    told = Notification.objects.get(user=other).title
    assert told == f"{planner.display_name} assigned you {work_order.number}: Fix it"


def test_preferences_turn_a_channel_off(as_user, technician, planner, asset):
    technician.email = "tech@plant.example"
    technician.save()
    client = as_user(technician)
    client.post("/notifications/preferences/", {"wo_assigned:app": "on"})  # e-mail off
    assert Preference.objects.get(user=technician, kind="wo_assigned").email is False
    maintenance.create_work_order(
        planner, asset_id=asset.pk, type="corrective", title="Fix", assigned_to=[technician.pk]
    )
    assert Notification.objects.filter(user=technician).count() == 1
    assert not OutboxMessage.objects.filter(topic="notifications.email").exists()


def test_a_channel_turned_back_on_is_the_default_again_and_saving_unchanged_stores_nothing(as_user, technician):
    client = as_user(technician)
    client.post("/notifications/preferences/", {"wo_assigned:app": "on"})
    everything_on = {f"{kind}:{channel}": "on" for kind in Kind.values for channel in ("app", "email")}
    client.post("/notifications/preferences/", everything_on)
    assert not Preference.objects.filter(user=technician).exists()


def test_the_inbox_shows_unread_and_opening_one_goes_to_its_record(as_user, technician, planner, asset):
    work_order = maintenance.create_work_order(planner, asset_id=asset.pk, type="corrective", title="Fix",
                                               assigned_to=[technician.pk])  # fmt: skip
    client = as_user(technician)
    page = client.get("/notifications/").content.decode()
    assert 'class="pw-unread"' in page
    assert 'aria-label="1 unread notification"' in client.get("/notifications/bell/").content.decode()
    note = Notification.objects.get()
    response = client.post("/notifications/read/", {"id": note.pk})
    assert response.status_code == 302 and response["Location"] == f"/work-orders/{work_order.pk}/"
    assert 'class="pw-unread"' not in client.get("/notifications/").content.decode()


def test_admins_hear_of_a_dead_letter(admin_user, site, settings):
    from plantwright.accounts.models import Membership

    site_admin = factories.UserFactory(username="site-admin")
    Membership.objects.create(user=site_admin, site=site, role="admin")
    message = outbox.enqueue("no.such.topic", {}, idempotency_key="dl-1", site=site)
    deliver_all()
    message.refresh_from_db()
    assert message.status == "dead"
    told = set(Notification.objects.filter(kind="dead_letter").values_list("user__username", flat=True))
    assert told == {admin_user.username, "site-admin"}


def test_the_wo_owner_hears_when_its_parts_arrive(planner, asset):
    from decimal import Decimal

    from plantwright.procurement import services as procurement
    from plantwright.procurement.events import ingest_one
    from plantwright.testing.erp_events import po_created, receipt

    work_order = factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)
    request = procurement.create_parts_request(
        planner, work_order, lines=[{"part": factories.part().pk, "quantity": Decimal(2), "estimated_unit_cost": 5}]
    )
    request = procurement.submit_parts_request(planner, request)
    ingest_one(asset.site, "api:test", po_created(request, po="4500077", prices=("6.00",)))
    assert not Notification.objects.filter(kind="parts_received").exists()
    event = receipt({10: "2"}, po="4500077")
    ingest_one(asset.site, "api:test", event)
    ingest_one(asset.site, "api:test", event)  # the same event again: nobody hears twice
    (note,) = Notification.objects.filter(kind="parts_received")
    assert note.user == planner and work_order.number in note.title and "4500077/10" in note.body
