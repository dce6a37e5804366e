"""A site's downtime rules and its OEE webhook over HTTP: what the *Downtime rules* page does, for
setup scripts (docs/oee-integration.md). Rules: seen by anyone at the site, changed by managers and
site admins (`manage_downtime_rules`); the webhook by those who manage integrations."""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict, Field

from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, get_site, list_sites
from plantwright.core.errors import NotFound, ValidationFailed
from plantwright.core.http.paging import BoundedPagination
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import Bool, Code, Id, PathId, Text
from plantwright.downtime import selectors, services
from plantwright.downtime.models import Category, DowntimeRule, OeeWebhook, RuleAction
from plantwright.maintenance.models import Priority, WorkOrderType

router = Router(tags=["downtime rules"])

CategoryName = Literal[tuple(Category.values)]  # type: ignore[valid-type]
Action = Literal[tuple(RuleAction.values)]  # type: ignore[valid-type]
WoType = Literal[tuple(WorkOrderType.values)]  # type: ignore[valid-type]
PriorityName = Literal[tuple(Priority.values)]  # type: ignore[valid-type]
Count = Field(default=None, strict=True, ge=0, le=1_000_000)
RULE_FIELDS = (
    "position", "name", "active", "categories", "reason_codes", "action", "min_duration_minutes",
    "repeat_count", "repeat_window_hours", "work_order_type", "priority", "is_failure",
)  # fmt: skip


class RuleFields(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    position: int | None = Field(
        default=None, strict=True, ge=0, le=1_000_000, description="Tried in this order; the first match decides"
    )
    name: Text(120) | None = None
    active: Bool | None = None
    categories: list[CategoryName] | None = Field(default=None, max_length=len(Category.values),
                                                  description="Empty: any category")  # fmt: skip
    reason_codes: list[Code] | None = Field(default=None, max_length=100, description="Empty: any reason code")
    action: Action | None = None
    min_duration_minutes: int | None = Count
    repeat_count: int | None = Count
    repeat_window_hours: int | None = Count
    work_order_type: WoType | None = None
    priority: PriorityName | None = None
    is_failure: Bool | None = None


class RuleIn(RuleFields):
    site: Id
    name: Text(120)
    action: Action


class RuleOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    position: int
    name: str
    active: bool
    categories: list[str]
    reason_codes: list[str]
    action: str
    min_duration_minutes: int
    repeat_count: int | None
    repeat_window_hours: int | None
    work_order_type: str
    priority: str
    is_failure: bool


def _rule(request: HttpRequest, rule_id: int) -> DowntimeRule:
    sites = list_sites(request.user).values("pk")
    rule = DowntimeRule.objects.filter(pk=rule_id, site__in=sites).select_related("site").first()
    if rule is None:
        raise NotFound(f"Downtime rule {rule_id} does not exist.")
    return rule


def _defaults() -> dict[str, Any]:
    blank = DowntimeRule()
    return {name: getattr(blank, name) for name in RULE_FIELDS}


@router.get("/downtime-rules", response={200: list[RuleOut], **errors(404, 422)})
@paginate(BoundedPagination)
def list_rules(request: HttpRequest, site: PathId):
    """A site's rules in the order they are tried."""
    return selectors.list_rules(request.user, get_site(request.user, site).pk)


@router.post("/downtime-rules", response={201: RuleOut, **errors(403, 422)})
def create_rule(request: HttpRequest, payload: RuleIn):
    site = list_sites(request.user).filter(pk=payload.site).first()
    if site is None:
        raise ValidationFailed(f"Site {payload.site} does not exist.", details={"field": "site"})
    given = {name: value for name, value in payload.dict(exclude={"site"}).items() if value is not None}
    return Status(201, services.save_rule(request.user, site, None, **(_defaults() | given)))


@router.get("/downtime-rules/{rule_id}", response={200: RuleOut, **errors(404)})
def get_rule(request: HttpRequest, rule_id: PathId):
    return _rule(request, rule_id)


@router.patch("/downtime-rules/{rule_id}", response={200: RuleOut, **errors(403, 404, 422)})
def change_rule(request: HttpRequest, rule_id: PathId, payload: RuleFields):
    """Change some fields; the others stay. `repeat_count: null` is not a change (send 0 to clear)."""
    rule = _rule(request, rule_id)
    current = {name: getattr(rule, name) for name in RULE_FIELDS}
    given = {name: value for name, value in payload.dict(exclude_unset=True).items() if value is not None}
    return services.save_rule(request.user, rule.site, rule, **(current | given))


@router.delete("/downtime-rules/{rule_id}", response={204: None, **errors(403, 404)})
def delete_rule(request: HttpRequest, rule_id: PathId):
    """The stops it decided keep their decision in words."""
    services.delete_rule(request.user, _rule(request, rule_id))
    return Status(204, None)


# --- the OEE webhook ---------------------------------------------------------------------------


class OeeWebhookIn(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    url: Text(500, pattern=r"^https?://[^\s]+$")
    active: Bool = True
    timeout_seconds: int = Field(default=10, strict=True, ge=1, le=120)


class OeeWebhookOut(Schema):
    site: int = Field(validation_alias="site_id")
    url: str
    active: bool
    timeout_seconds: int
    previous_secret_valid_until: datetime | None = Field(validation_alias="previous_valid_until")
    updated_at: datetime


class OeeWebhookSecretOut(OeeWebhookOut):
    secret: str = Field(description="Signs every status POST (docs/oee-integration.md); shown only here")


def _webhook(request: HttpRequest, site_id: int) -> OeeWebhook:
    site = get_site(request.user, site_id)
    authorize(request.user, Perm.MANAGE_INTEGRATIONS, site.pk)
    webhook = OeeWebhook.objects.filter(site=site).first()
    if webhook is None:
        raise NotFound(f"{site.code} has no OEE webhook.", code="not_configured")
    return webhook


@router.get("/sites/{site_id}/oee-webhook", response={200: OeeWebhookOut, **errors(403, 404)})
def get_oee_webhook(request: HttpRequest, site_id: PathId):
    return _webhook(request, site_id)


@router.put("/sites/{site_id}/oee-webhook", response={200: OeeWebhookOut, 201: OeeWebhookSecretOut,
                                                      **errors(403, 404, 422)})  # fmt: skip
def set_oee_webhook(request: HttpRequest, site_id: PathId, payload: OeeWebhookIn):
    """Where WO status goes besides MQTT. Answered 201 with the new secret when the webhook is made,
    200 without it when changed."""
    site = get_site(request.user, site_id)
    existed = OeeWebhook.objects.filter(site=site).exists()
    webhook = services.configure_oee_webhook(request.user, site, **payload.dict())
    return Status(200 if existed else 201, webhook)


@router.post("/sites/{site_id}/oee-webhook/rotate-secret", response={200: OeeWebhookSecretOut,
                                                                     **errors(403, 404, 422)})  # fmt: skip
def rotate_oee_webhook_secret(request: HttpRequest, site_id: PathId):
    """A new secret, shown once; the old one is still sent beside it for 24 h."""
    return services.rotate_oee_secret(request.user, get_site(request.user, site_id))
