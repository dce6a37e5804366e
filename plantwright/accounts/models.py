import hashlib
import zoneinfo
from datetime import UTC, date, datetime, tzinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from plantwright.accounts.roles import Role


class User(AbstractUser):
    """A person (or a machine client) who signs in. Site access comes from memberships."""

    # No choices: a language is added by its catalogue and settings.LANGUAGES, without a migration
    # (`services.set_language` checks the code).
    language = models.CharField(
        max_length=8, blank=True, help_text="The UI's language (a code of settings.LANGUAGES); empty: the browser's"
    )

    class Meta:
        ordering = ["username"]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def _new_installation_id() -> str:
    import uuid

    return uuid.uuid4().hex


class Installation(models.Model):
    """This installation of Plantwright: one row, made by the migration that brought the table. Its id
    tells it apart where several installations share something (an MQTT broker's client ids)."""

    installation_id = models.CharField(max_length=32, unique=True, default=_new_installation_id)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.installation_id


class Site(models.Model):
    """A plant. Assets, work and people's roles all belong to one site."""

    code = models.SlugField(max_length=32, unique=True, help_text="Short code, used in MQTT topics.")
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="EUR")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def zone(self) -> tzinfo:
        """The site's time zone (UTC when its name is unknown)."""
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return UTC

    def local_date(self, moment: datetime | None = None) -> date:
        """The calendar date at the site (business dates such as cost dates are site-local)."""
        return (moment or timezone.now()).astimezone(self.zone).date()


class MembershipSource(models.TextChoices):
    MANUAL = "manual", "given by a person"
    DIRECTORY = "directory", "from a directory group"


class Membership(models.Model):
    """One role of one user at one site; a user may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    # Who gave it: a person (kept until a person takes it away) or the company directory (given and
    # taken away at each sign-in by the groups of accounts.directory's mapping).
    source = models.CharField(max_length=10, choices=MembershipSource.choices, default=MembershipSource.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["site", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} @ {self.site.code}"


class DirectoryRoleMapping(models.Model):
    """A group of the company directory (an OpenID Connect groups claim, an LDAP or Active Directory
    group) whose members hold a role at a site: `cmms-ist-planner` → planner @ ist (docs/sign-in.md)."""

    group = models.CharField(max_length=200, help_text="Lower case: directories compare group names so.")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="directory_mappings")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group", "role"]
        constraints = [models.UniqueConstraint(fields=["group", "site", "role"], name="directory_mapping_once")]

    def __str__(self) -> str:
        return f"{self.group} → {self.role} @ {self.site_id}"


class ExternalIdentity(models.Model):
    """Who a person is at an identity provider: the provider's stable subject, never the e-mail or the
    name (both change, and a name can be taken by a local account)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    provider = models.CharField(max_length=200, help_text="'oidc <issuer>' or 'ldap'.")
    subject = models.CharField(max_length=255)
    groups = models.JSONField(default=list, help_text="The directory groups of the last sign-in (normalised).")
    last_sign_in_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provider", "subject"], name="external_identity_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.subject} → {self.user_id}"


class ApiToken(models.Model):
    """A bearer token for machine clients. Only a SHA-256 digest is stored; the secret is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The first characters, to recognise a token in lists.")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def digest_of(secret: str) -> str:
        # Tokens carry 256 bits of randomness, so a fast hash is enough (no password stretching).
        return hashlib.sha256(secret.encode()).hexdigest()


class IdempotentRequest(models.Model):
    """What one `Idempotency-Key` did: a change sent again with the same key (a phone replaying its
    offline queue, a client retrying after a lost answer) gets this answer instead of running twice.
    Kept for `IDEMPOTENCY_KEEP_DAYS`; `scope` is the signed-in user or the bearer token's digest."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and content.")
    status = models.PositiveSmallIntegerField(default=0, help_text="0 while the first request runs.")
    content_type = models.CharField(max_length=100, blank=True)
    location = models.CharField(max_length=2000, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_once_per_scope")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} → {self.status}"
