"""The optional signed webhook: downtime WOs also POST their status to the OEE platform."""

import pytest

from plantwright.accounts.roles import Role
from plantwright.core.errors import PermissionDenied, ValidationFailed
from plantwright.downtime.loopback import WEBHOOK_TOPIC
from plantwright.downtime.models import OeeWebhook
from plantwright.downtime.services import configure_oee_webhook, ingest, rotate_oee_secret
from plantwright.downtime.tests.test_services import event
from plantwright.maintenance.models import WorkOrder
from plantwright.maintenance.services import transition_work_order
from plantwright.outbox.models import OutboxMessage, OutboxStatus
from plantwright.outbox.services import run_once
from plantwright.testing import factories
from plantwright.testing.processes import FakeErp

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_secret_of_the_oee_platform"


@pytest.fixture
def integrator(site):
    return factories.UserFactory(username="siteadmin", roles=[(site, Role.ADMIN)])


@pytest.fixture
def receiver():
    """The OEE platform's webhook receiver: a separate process that checks the signature itself."""
    oee_side = FakeErp(SECRET).start()
    yield oee_side
    oee_side.stop()


@pytest.fixture
def downtime_wo(broker, prefix, oee, rules, asset, planner):
    [result] = ingest(oee, [event("wh-1", 0, 40)], source="test")
    work_order = WorkOrder.objects.get(number=result.work_order)
    transition_work_order(planner, work_order, to="approved")
    yield work_order
    from plantwright.downtime import mqtt

    mqtt.publish_retained(mqtt.status_topic(work_order.site.code, work_order.number), b"")  # leave the broker clean


def _webhook_to(receiver, site, integrator, **options):
    configure_oee_webhook(integrator, site, url=receiver.url, active=True, timeout_seconds=2, **options)
    OeeWebhook.objects.filter(site=site).update(secret=SECRET)


def test_each_status_change_is_posted_signed_besides_mqtt(receiver, site, integrator, downtime_wo):
    _webhook_to(receiver, site, integrator)
    assert run_once() == 2  # the two status messages (created, approved) published; each adds a webhook message
    assert run_once() == 2  # ... which are POSTed, signed (the receiver answers 401 to a bad signature)

    received = receiver.received()
    assert len(received) == 2 and {r["type"] for r in received} == {"work_order.status"}
    assert {r["body"]["work_order"] for r in received} == {downtime_wo.number}
    assert [r["body"]["status"] for r in received] == ["draft", "approved"]  # each change its own, in order
    assert all(r["attempts"] == 1 for r in received)
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists()


def test_after_a_rotation_the_old_secret_still_signs_for_a_day(receiver, site, integrator, downtime_wo):
    _webhook_to(receiver, site, integrator)
    webhook = rotate_oee_secret(integrator, site)
    assert webhook.secret != SECRET and webhook.valid_secrets() == [webhook.secret, SECRET]
    run_once(), run_once()
    assert len(receiver.received()) == 2  # the receiver knows only the old secret and still accepts


def test_a_refusing_webhook_is_dead_lettered_and_does_not_hold_back_mqtt(receiver, site, integrator, downtime_wo):
    _webhook_to(receiver, site, integrator)
    receiver.mode("reject")
    run_once(), run_once()
    webhooks = OutboxMessage.objects.filter(topic=WEBHOOK_TOPIC)
    assert webhooks.count() == 2 and set(webhooks.values_list("status", flat=True)) == {OutboxStatus.DEAD}
    assert set(OutboxMessage.objects.exclude(topic=WEBHOOK_TOPIC).values_list("status", flat=True)) == {
        OutboxStatus.DELIVERED
    }


def test_no_webhook_no_message(site, downtime_wo):
    run_once()
    assert not OutboxMessage.objects.filter(topic=WEBHOOK_TOPIC).exists()


def test_only_integrators_configure_it_and_the_url_must_be_http(site, planner, integrator):
    with pytest.raises(PermissionDenied):
        configure_oee_webhook(planner, site, url="https://oee.example.com/hook", active=True)
    with pytest.raises(ValidationFailed):
        configure_oee_webhook(integrator, site, url="ftp://oee.example.com/hook", active=True)
    assert not OeeWebhook.objects.exists()


def test_the_rules_page_shows_the_webhook_to_integrators_only(as_user, site, planner, integrator):
    page = as_user(planner).get(f"/sites/{site.pk}/downtime-rules/")
    assert page.status_code == 200 and b"oee-webhook" not in page.content
    assert as_user(planner).post(f"/sites/{site.pk}/oee-webhook/", {"url": "https://x.example"}).status_code == 403

    client = as_user(integrator)
    saved = client.post(f"/sites/{site.pk}/oee-webhook/", {"url": "https://oee.example.com/hook", "active": "on",
                                                          "timeout_seconds": "5"})  # fmt: skip
    assert saved.status_code == 302 and OeeWebhook.objects.get(site=site).timeout_seconds == 5
    page = client.get(f"/sites/{site.pk}/downtime-rules/")
    assert b"oee-webhook-secret" in page.content
    bad = client.post(f"/sites/{site.pk}/oee-webhook/", {"url": "not a url", "timeout_seconds": "5"})
    assert bad.status_code == 422 and OeeWebhook.objects.get(site=site).url == "https://oee.example.com/hook"
