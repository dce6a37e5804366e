"""Who may call what: every operation of the API (read from its OpenAPI schema, so a new endpoint
without a rule here fails), called by every role at the site that owns the data, by an
administrator of another site, without a token and with a revoked token.

- no token, or a revoked one: 401;
- a role at the owning site: let through (anything but 401/403/404: 2xx, or 409/422 when the data
  refuses the change) when its role grants the rule's permission, else 403 — or, where the data
  is only visible with that permission (integration messages), the 404 or empty list of data
  that is not there for them;
- an administrator of another site: 403/404, a 422 that says the referenced record "does not
  exist", or a 200 that holds nothing of the owning site (lists); except for the shared
  catalogues (vendors, parts, asset classes, failure codes) and one's own things (the clock),
  which are not a site's.
"""

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from plantwright.accounts.models import ApiToken
from plantwright.accounts.roles import ROLE_PERMISSIONS, Role
from plantwright.accounts.services import create_token
from plantwright.api import api
from plantwright.testing import factories
from plantwright.tests.authorization_rules import ANY, RULES, SECRET, SUPERUSER, Rule

pytestmark = pytest.mark.django_db


def _operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return sorted(
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method in operations
    )


OPERATIONS = _operations()


def test_every_operation_has_a_rule():
    missing = [f"{method} {path}" for method, path in OPERATIONS if (method, path) not in RULES]
    stale = [f"{method} {path}" for method, path in RULES if (method, path) not in OPERATIONS]
    assert not missing, f"operations without an authorization rule (add one to RULES): {missing}"
    assert not stale, f"rules for operations that no longer exist: {stale}"


class World:
    """One site's data, each piece marked with SECRET, and another site."""

    def __init__(self, site, other_site, planner):
        from plantwright.inventory import services as inventory
        from plantwright.maintenance.models import ContractorEntry, LaborEntry
        from plantwright.outbox import services as outbox
        from plantwright.procurement import services as procurement
        from plantwright.procurement.models import PurchaseOrder

        self.site, self.other_site = site, other_site
        self.bystander = planner
        self.location = factories.LocationFactory(site=site, code="LA", name=SECRET)
        self.asset = factories.AssetFactory(
            site=site, code="MATRIX-A1", name=SECRET, location=self.location, oee_machine_id="matrix-m1"
        )
        self.asset.meters.create(code="run-h", name="Running hours", unit="h")
        self.request = factories.WorkRequestFactory(site=site, asset=self.asset, title=SECRET)
        self.work_order = factories.WorkOrderFactory(asset=self.asset, created_by=planner, status="in_progress",
                                                     title=SECRET)  # fmt: skip
        self.vendor = factories.vendor()
        self.part = factories.part()
        self.storeroom, self.storeroom2 = factories.storeroom(site, "MAIN"), factories.storeroom(site, "SECOND")
        admin = factories.UserFactory(username="matrix-admin", roles=[(site, Role.ADMIN)])
        inventory.receive_stock(admin, part_id=self.part.pk, storeroom_id=self.storeroom.pk,
                                quantity=Decimal(50), unit_cost=Decimal(2))  # fmt: skip
        self.issue = inventory.issue_part(admin, self.work_order, part_id=self.part.pk,
                                          storeroom_id=self.storeroom.pk, quantity=Decimal(10))  # fmt: skip
        factories.labor_rate(site, craft=factories.craft(), rate="50")
        self.labor = LaborEntry.objects.create(
            work_order=self.work_order, technician=admin, entered_by=admin, work_date=date(2026, 11, 20),
            hours=Decimal(2), hourly_rate=Decimal(50), amount=Decimal(100), note=SECRET,
        )  # fmt: skip
        self.contractor = ContractorEntry.objects.create(
            work_order=self.work_order, vendor=self.vendor, person=SECRET, work_date=date(2026, 11, 20),
            hours=Decimal(2), entered_by=admin,
        )  # fmt: skip
        self.parts_request = procurement.create_parts_request(
            admin,
            self.work_order,
            lines=[{"part": self.part.pk, "quantity": Decimal(2), "estimated_unit_cost": Decimal(3)}],
        )
        self.line = self.parts_request.lines.get()
        self.po = PurchaseOrder.objects.create(site=site, source="api:north", po_number="PO-MATRIX", currency="EUR",
                                               vendor_name=SECRET)  # fmt: skip
        self.message = outbox.enqueue("no.such.topic", {"x": SECRET}, idempotency_key="matrix", site=site)
        from plantwright.accounts.models import Membership
        from plantwright.outbox.models import EventSubscription

        self.membership = Membership.objects.create(user=planner, site=site, role=Role.PURCHASING)
        from plantwright.maintenance.models import FailureCode

        self.rule = self.new_rule()
        self.failure_code = FailureCode.objects.create(kind="problem", code="MATRIX", description="Matrix code")

        self.subscription = EventSubscription.objects.create(site=site, name=SECRET, url="http://127.0.0.1:9/",
                                                             event_types=["cost.posted"])  # fmt: skip
        from plantwright.outbox.events import forget_subscriptions

        forget_subscriptions()  # heard from now on, not a second later (made here without the service)
        from plantwright.pm.models import JobPlan, PmSchedule

        self.job_plan = JobPlan.objects.create(site=site, code="JP-M", name=SECRET)
        self.schedule = PmSchedule.objects.create(site=site, asset=self.asset, name=SECRET, interval=1,
                                                  starts_on=date(2026, 12, 1))  # fmt: skip
        from plantwright.maintenance.services import attachments

        self.attachment = attachments.attach(
            admin, SimpleUploadedFile(f"{SECRET}.png", _png(), content_type="image/png"), source="test",
            work_order=self.work_order,
        )  # fmt: skip

    def with_oee_webhook(self) -> dict:
        """The site's OEE webhook, for the calls that need one (not in every world: its page's forms
        would rotate its secret)."""
        from plantwright.downtime.models import OeeWebhook

        OeeWebhook.objects.get_or_create(site=self.site, defaults={"url": "http://127.0.0.1:9/oee"})
        return {}

    def new_rule(self):
        from plantwright.downtime.models import DowntimeRule

        return DowntimeRule.objects.create(site=self.site, name=SECRET, action="ignore")

    def path_ids(self) -> dict[str, Any]:
        return {
            "asset_id": self.asset.pk,
            "request_id": self.request.pk,
            "work_order_id": self.work_order.pk,
            "attachment_id": self.attachment.pk,
            "entry_id": None,  # labor or contractor: by the path
            "location_id": self.location.pk,
            "part_id": self.part.pk,
            "line_id": self.line.pk,
            "po_number": self.po.po_number,
            "message_id": self.message.pk,
            "site_id": self.site.pk,
            "plan_id": self.job_plan.pk,
            "schedule_id": self.schedule.pk,
            "subscription_id": self.subscription.pk,
            "user_id": self.bystander.pk,
            "membership_id": self.membership.pk,
            "rule_id": self.rule.pk,
            "code_id": self.failure_code.pk,
        }


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


def _url(world: World, path: str, rule: Rule | None = None) -> str:
    ids = world.path_ids() | (rule.fresh(world) if rule and rule.fresh else {})
    if path.startswith("/labor/"):
        ids["entry_id"] = world.labor.pk
    elif path.startswith("/contractor-hours/"):
        ids["entry_id"] = world.contractor.pk
    elif path.startswith("/parts-requests/"):
        ids["request_id"] = world.parts_request.pk
    return "/api/v1" + path.format(**ids)


def _call(client, method: str, url: str, rule: Rule, world: World, user, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    user = user or world.bystander  # bodies name someone, whoever calls
    query = "&".join(
        f"{key}={value}" for key, value in (rule.query(world) if callable(rule.query) else rule.query).items()
    )
    url = f"{url}?{query}" if query else url
    if method == "GET":
        return client.get(url, headers=headers)
    if rule.multipart:
        upload = SimpleUploadedFile("photo.png", _png(), content_type="image/png")
        return client.post(url, {"file": upload}, headers=headers)
    body = rule.body(world, user) if callable(rule.body) else rule.body
    payload = json.dumps(body if body is not None else {})
    return getattr(client, method.lower())(url, payload, content_type="application/json", headers=headers)


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def _allowed(rule: Rule, role: str) -> bool:
    if rule.perm is ANY:
        return True
    if rule.perm == SUPERUSER:
        return False
    return rule.perm in ROLE_PERMISSIONS[role]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_who_may_call_it(client, site, other_site, planner, method, path):
    rule = RULES.get((method, path))
    if rule is None:
        pytest.fail(f"{method} {path} has no authorization rule")
    world = World(site, other_site, planner)
    url = _url(world, path)
    for role in Role.values:
        user = factories.UserFactory(username=f"m-{role}", roles=[(site, role)])
        url = _url(world, path, rule) if rule.fresh else url
        response = _call(client, method, url, rule, world, user, create_token(user, "m").secret)
        body = _body(response)
        seen = (role, response.status_code, body[:300])
        if _allowed(rule, role):
            assert response.status_code not in (401, 403, 404), seen
        elif rule.hidden:
            assert response.status_code in (200, 404) and SECRET not in body, seen
            assert response.status_code == 404 or json.loads(body)["items"] == [], seen
        else:
            assert response.status_code == 403, seen
    outsider = factories.UserFactory(username="m-outsider", roles=[(other_site, Role.ADMIN)])
    response = _call(client, method, url, rule, world, outsider, create_token(outsider, "m").secret)
    body = _body(response)
    if rule.shared:
        assert response.status_code not in (401, 403, 404), body[:300]
    else:
        assert SECRET not in body, body[:300]
        if method == "GET":
            assert response.status_code in (200, 403, 404), body[:300]
        elif response.status_code == 422:  # a record of the other site named in the body: as if it did not exist
            assert "does not exist" in body, body[:300]
        else:
            assert response.status_code in (403, 404), body[:300]
    assert _call(client, method, url, rule, world, None, None).status_code == 401
    revoked = create_token(outsider, "revoked")
    ApiToken.objects.filter(pk=revoked.token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert _call(client, method, url, rule, world, outsider, revoked.secret).status_code == 401
