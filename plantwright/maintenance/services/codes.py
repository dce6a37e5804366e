"""The failure code list (problem, cause, remedy): one catalogue for every site, so the KPIs of two
plants compare. Kept by maintenance managers and site admins (`manage_failure_codes` at any site)."""

from django.db import IntegrityError, transaction

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import site_ids_with
from plantwright.core.errors import Conflict, PermissionDenied, ValidationFailed
from plantwright.maintenance.models import FailureCode, FailureCodeKind


def _may_keep_codes(actor: User) -> None:
    allowed = site_ids_with(actor, Perm.MANAGE_FAILURE_CODES)
    if allowed is not None and not allowed:
        raise PermissionDenied(
            "Maintenance managers and site administrators keep the failure codes.",
            details={"permission": Perm.MANAGE_FAILURE_CODES.value},
        )


def create_failure_code(actor: User, *, kind: str, code: str, description: str) -> FailureCode:
    _may_keep_codes(actor)
    if kind not in FailureCodeKind.values:
        raise ValidationFailed(f"Unknown kind {kind!r}.", details={"field": "kind", "allowed": FailureCodeKind.values})
    if FailureCode.objects.filter(kind=kind, code__iexact=code).exists():
        raise Conflict(f"The {kind} code {code!r} exists.", code="duplicate", details={"field": "code"})
    try:
        with transaction.atomic():
            return FailureCode.objects.create(kind=kind, code=code, description=description)
    except IntegrityError:  # made at the same moment by someone else
        raise Conflict(f"The {kind} code {code!r} exists.", code="duplicate", details={"field": "code"}) from None


def change_failure_code(actor: User, failure_code: FailureCode, *, description: str | None = None,
                        active: bool | None = None) -> FailureCode:  # fmt: skip
    """A code's words, or retire it (`active` false: WOs that carry it keep it; new ones cannot
    choose it). Its kind and code never change: history refers to them."""
    _may_keep_codes(actor)
    if description is not None:
        failure_code.description = description
    if active is not None:
        failure_code.active = active
    failure_code.save()
    return failure_code
