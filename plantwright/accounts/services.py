"""Writes about users, sites, memberships and API tokens."""

import secrets
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from plantwright.accounts.models import ApiToken, Membership, Site, User
from plantwright.accounts.roles import Role
from plantwright.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

TOKEN_PREFIX = "pw_"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


def create_token(user: User, name: str) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("A token needs a name of 1–100 characters.", details={"field": "name"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=ApiToken.digest_of(secret)
    )
    return IssuedToken(token=token, secret=secret)


def revoke_token(actor: User, token_id: int) -> ApiToken:
    try:
        token = ApiToken.objects.get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFound("No such token.") from None
    if token.user_id != actor.pk and not actor.is_superuser:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_token(secret: str) -> User | None:
    """The active user behind a bearer token, or None. Records last use at most once a minute."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def create_site(actor: User, *, code: str, name: str, timezone_name: str = "UTC", currency: str = "EUR") -> Site:
    if not actor.is_superuser:
        raise PermissionDenied("Only installation administrators create sites.")
    if timezone_name not in zoneinfo.available_timezones():
        raise ValidationFailed(f"Unknown time zone {timezone_name!r}.", details={"field": "timezone"})
    if Site.objects.filter(code=code).exists():
        raise Conflict(f"A site with code {code!r} already exists.", code="duplicate", details={"field": "code"})
    return Site.objects.create(code=code, name=name, timezone=timezone_name, currency=currency)


@transaction.atomic
def grant_role(user: User, site: Site, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}.", details={"allowed": Role.values})
    membership, _ = Membership.objects.get_or_create(user=user, site=site, role=role)
    return membership


def set_language(user: User, language: str) -> User:
    """The UI's language for this user; "" follows the browser."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationFailed(f"Unknown language {language!r}.", details={"field": "language"})
    user.language = language
    user.save(update_fields=["language"])
    return user
