"""What a setup script needs besides people (accounts/tests/test_people_api.py): the connector, the
downtime rules and the OEE webhook of a site, and the failure codes — over the API, under the rules of
the pages, with secrets written but never read back."""

import pytest

from plantwright.accounts.roles import Role
from plantwright.downtime.models import DowntimeRule, OeeWebhook
from plantwright.erp.models import TrytonConnection, WebhookEndpoint
from plantwright.maintenance.models import FailureCode
from plantwright.procurement.services import site_settings
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin(site):
    return factories.UserFactory(username="north-admin", roles=[(site, Role.ADMIN)])


def test_the_webhook_connector_is_set_up_and_its_secret_shown_only_when_made_or_rotated(api_as, site_admin, site):
    caller = api_as(site_admin)
    store = factories.storeroom(site, "RECV")
    status, body = caller.put(f"/sites/{site.pk}/connector", {
        "connector": "webhook", "webhook_url": "http://127.0.0.1:9/erp", "approval_threshold": "500.00",
        "receiving_storeroom": store.pk, "invoice_without_receipt_days": 45,
    })  # fmt: skip
    assert status == 200, body
    endpoint = WebhookEndpoint.objects.get(site=site)
    assert body["webhook_secret"] == endpoint.secret and body["webhook"]["url"] == "http://127.0.0.1:9/erp"
    assert (body["connector"], body["approval_threshold"], body["receiving_storeroom"]) == (
        "webhook",
        "500.0000",
        store.pk,
    )
    assert site_settings(site).invoice_without_receipt_days == 45
    status, body = caller.get(f"/sites/{site.pk}/connector")
    assert status == 200 and body["webhook_secret"] is None and endpoint.secret not in str(body)
    status, body = caller.put(
        f"/sites/{site.pk}/connector", {"connector": "webhook", "webhook_url": "http://127.0.0.1:9/v2"}
    )
    assert status == 200 and body["webhook_secret"] is None  # changed, not made: no secret
    status, body = caller.post(f"/sites/{site.pk}/connector/rotate-secret", {})
    endpoint.refresh_from_db()
    assert status == 200 and body["webhook_secret"] == endpoint.secret and endpoint.previous_secret
    assert body["webhook"]["previous_secret_valid_until"] is not None


def test_the_tryton_password_is_written_never_read(api_as, site_admin, site):
    caller = api_as(site_admin)
    tryton = {"url": "http://127.0.0.1:8001", "database": "erp", "username": "plantwright",
              "password": "s3cret-tryton", "warehouse_code": "WH"}  # fmt: skip
    status, body = caller.put(f"/sites/{site.pk}/connector", {"connector": "tryton", "tryton": tryton})
    assert status == 200, body
    assert body["tryton"]["password_set"] is True and "s3cret-tryton" not in str(body)
    assert TrytonConnection.objects.get(site=site).password == "s3cret-tryton"
    status, body = caller.put(
        f"/sites/{site.pk}/connector", {"connector": "tryton", "tryton": {"poll_every_seconds": 30}}
    )
    assert status == 200 and body["tryton"]["poll_every_seconds"] == 30 and body["tryton"]["password_set"]
    moved = {"url": "http://127.0.0.1:8002"}  # a new address must be given the password again
    status, body = caller.put(f"/sites/{site.pk}/connector", {"connector": "tryton", "tryton": moved})
    assert status == 422 and body["error"]["code"] == "password_needed"
    assert TrytonConnection.objects.get(site=site).url == "http://127.0.0.1:8001"  # nothing half-written


def test_bad_connector_settings_are_refused(api_as, site_admin, site, other_site, planner):
    caller = api_as(site_admin)
    foreign = factories.storeroom(other_site, "FAR")
    for payload in [
        {"connector": "sap"},
        {"connector": "webhook"},  # no URL
        {"connector": "builtin", "approval_threshold": -1},
        {"connector": "builtin", "approval_threshold": "-1"},
        {"connector": "builtin", "receiving_storeroom": foreign.pk},
        {"connector": "builtin", "invoice_without_receipt_days": 0},
        {"connector": "builtin", "webhook_secret": "mine"},
    ]:
        status, body = caller.put(f"/sites/{site.pk}/connector", payload)
        assert status == 422, (payload, body)
    assert api_as(planner).get(f"/sites/{site.pk}/connector")[0] == 403


def test_downtime_rules_are_made_changed_and_deleted_as_on_the_page(api_as, site_admin, site, technician):
    caller = api_as(site_admin)
    status, rule = caller.post("/downtime-rules", {
        "site": site.pk, "name": "Breakdowns of 5 min", "action": "open_wo", "categories": ["breakdown"],
        "min_duration_minutes": 5, "position": 10,
    })  # fmt: skip
    assert status == 201, rule
    assert (rule["work_order_type"], rule["priority"], rule["is_failure"], rule["active"]) == (
        "emergency",
        "high",
        True,
        True,
    )
    status, body = caller.post("/downtime-rules", {"site": site.pk, "name": "Minor", "action": "repeated",
                                                   "categories": ["minor_stop"], "repeat_count": 1})  # fmt: skip
    assert status == 422 and body["error"]["details"]["field"] == "repeat_count"
    status, body = caller.patch(f"/downtime-rules/{rule['id']}", {"min_duration_minutes": 10, "reason_codes": ["E12"]})
    assert status == 200 and (body["min_duration_minutes"], body["reason_codes"], body["name"]) == (
        10, ["E12"], "Breakdowns of 5 min")  # fmt: skip
    status, listed = api_as(technician).get(f"/downtime-rules?site={site.pk}")
    assert status == 200 and [r["id"] for r in listed["items"]] == [rule["id"]]
    assert api_as(technician).patch(f"/downtime-rules/{rule['id']}", {"active": False})[0] == 403
    assert caller.delete(f"/downtime-rules/{rule['id']}")[0] == 204
    assert not DowntimeRule.objects.exists()


def test_the_oee_webhook_secret_comes_once_and_on_rotation(api_as, site_admin, site):
    caller = api_as(site_admin)
    assert caller.get(f"/sites/{site.pk}/oee-webhook")[0] == 404
    status, body = caller.put(f"/sites/{site.pk}/oee-webhook", {"url": "http://127.0.0.1:9/oee"})
    webhook = OeeWebhook.objects.get(site=site)
    assert status == 201 and body["secret"] == webhook.secret and body["active"] is True
    status, body = caller.put(f"/sites/{site.pk}/oee-webhook", {"url": "http://127.0.0.1:9/oee", "active": False})
    assert status == 200 and "secret" not in body and body["active"] is False
    status, body = caller.post(f"/sites/{site.pk}/oee-webhook/rotate-secret", {})
    webhook.refresh_from_db()
    assert status == 200 and body["secret"] == webhook.secret and webhook.previous_secret


def test_failure_codes_are_kept_by_managers_and_retired_not_deleted(api_as, site, manager, technician):
    status, code = api_as(manager).post("/failure-codes", {"kind": "problem", "code": "LEAK", "description": "Leak"})
    assert status == 201 and code["active"] is True
    status, body = api_as(manager).post("/failure-codes", {"kind": "problem", "code": "leak", "description": "Again"})
    assert status == 409 and body["error"]["code"] == "duplicate"
    assert api_as(technician).post("/failure-codes", {"kind": "cause", "code": "X", "description": "X"})[0] == 403
    status, body = api_as(manager).patch(f"/failure-codes/{code['id']}", {"active": False})
    assert status == 200 and body["active"] is False
    assert "LEAK" not in [c["code"] for c in api_as(technician).get("/failure-codes?kind=problem")[1]]
    retired = api_as(technician).get("/failure-codes?kind=problem&include_retired=true")[1]
    assert [c["active"] for c in retired if c["code"] == "LEAK"] == [False]
    assert FailureCode.objects.get(code="LEAK").description == "Leak"
