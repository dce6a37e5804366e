"""`GET /api/v1/audit/integrity`: where the WO/PO link broke, at the sites the caller may see."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from plantwright.accounts.selectors import list_sites
from plantwright.core.errors import NotFound
from plantwright.core.http.schemas import errors
from plantwright.core.http.types import PathId
from plantwright.reliability.audit import RULES, RULES_BY_CODE, integrity_findings

router = Router(tags=["audit"])

RuleCode = Literal[tuple(RULES_BY_CODE)]  # type: ignore[valid-type]


class AuditFilters(Schema):
    site: PathId | None = Field(None, description="One site; all the caller's sites if omitted")
    rule: list[RuleCode] | None = Field(None, description="Only these rules (repeat the parameter)")
    limit: int = Field(100, ge=1, le=1000, description="Findings shown per rule; `count` is always the total")


class RecordRef(Schema):
    type: str = Field(description="work_order, purchase_order, purchase_order_line, parts_request, ...")
    id: int
    ref: str = Field(description="What people call it: WO number, PO number/line, part number")


class FindingOut(Schema):
    rule: str
    severity: Literal["error", "warning"]
    message: str
    records: list[RecordRef]
    how_to_fix: str


class RuleSummary(Schema):
    rule: str
    severity: Literal["error", "warning"]
    group: str
    title: str
    count: int
    shown: int
    how_to_fix: str


class SiteRef(Schema):
    id: int
    code: str


class IntegrityOut(Schema):
    checked_at: datetime
    sites: list[SiteRef]
    count: int = Field(description="Findings over all rules (not only those shown)")
    rules: list[RuleSummary]
    findings: list[FindingOut]


DESCRIPTION = "Each rule of the data-integrity audit with its findings: the records involved and how to fix. " + (
    "Rules: " + ", ".join(f"`{rule.code}` ({rule.title})" for rule in RULES) + "."
)


@router.get("/audit/integrity", response={200: IntegrityOut, **errors(404, 422)}, description=DESCRIPTION)
def audit_integrity(request: HttpRequest, filters: Query[AuditFilters]):
    sites = list_sites(request.user)
    if filters.site is not None:
        sites = sites.filter(pk=filters.site)
        if not sites.exists():
            raise NotFound(f"Site {filters.site} does not exist.", details={"site": filters.site})
    chosen = list(sites.values("id", "code"))
    results = integrity_findings([s["id"] for s in chosen], rules=filters.rule, limit=filters.limit)
    return {
        "checked_at": timezone.now(),
        "sites": chosen,
        "count": sum(result.count for result in results),
        "rules": [
            {
                "rule": result.rule.code,
                "severity": result.rule.severity,
                "group": str(result.rule.group),
                "title": str(result.rule.title),
                "count": result.count,
                "shown": len(result.findings),
                "how_to_fix": str(result.rule.how_to_fix),
            }
            for result in results
        ],
        "findings": [finding for result in results for finding in result.findings],
    }
