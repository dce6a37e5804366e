"""Sign-in with the company account over OpenID Connect (mozilla-django-oidc, configured by
environment: docs/sign-in.md).

Only the issuer is configured; its endpoints come from its discovery document, read at the first
sign-in (not when Django lists its backends, which it does at every password sign-in and for every
request of a signed-in session: an identity provider that is down must not stop anything but its own
sign-ins). The code flow always uses PKCE and a nonce; the ID token is kept in the session so that
signing out also ends the session at the provider (RP-initiated logout).
"""

import logging
import threading
import time
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from plantwright.accounts import directory

log = logging.getLogger(__name__)

_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_DISCOVERY_KEEP_SECONDS = 3600  # a provider moving its endpoints is seen within the hour
_discovered: dict[str, tuple[float, dict]] = {}
_lock = threading.Lock()


class ProviderUnavailable(Exception):
    pass


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ISSUER", ""))


def provider_name() -> str:
    return "oidc " + settings.OIDC_ISSUER


def metadata() -> dict:
    """The issuer's discovery document (cached per process). Raises ProviderUnavailable."""
    issuer = settings.OIDC_ISSUER
    with _lock:
        found = _discovered.get(issuer)
        if found and time.monotonic() - found[0] < _DISCOVERY_KEEP_SECONDS:
            return found[1]
    try:
        response = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnavailable(f"{issuer}: {exc}") from exc
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        # OIDC Discovery §4.3: a document naming another issuer is not this issuer's.
        raise ImproperlyConfigured(f"OIDC_ISSUER is {issuer}, its discovery document names {document.get('issuer')}")
    with _lock:
        _discovered[issuer] = (time.monotonic(), document)
    return document


def _setting(attr: str, *default):
    if attr in _ENDPOINTS:
        return metadata()[_ENDPOINTS[attr]]
    return import_from_settings(attr, *default)


class OidcBackend(OIDCAuthenticationBackend):
    """Identifies people by the issuer's `sub`; their roles follow their groups claim."""

    get_settings = staticmethod(_setting)

    def __init__(self, *args, **kwargs):
        # The parent reads the endpoints here; they are properties below, read only while signing in.
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = import_from_settings("OIDC_RP_CLIENT_ID", "")
        self.OIDC_RP_CLIENT_SECRET = import_from_settings("OIDC_RP_CLIENT_SECRET", "")
        self.OIDC_RP_SIGN_ALGO = import_from_settings("OIDC_RP_SIGN_ALGO", "RS256")
        self.OIDC_RP_IDP_SIGN_KEY = None

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: _setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: _setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: _setting("OIDC_OP_JWKS_ENDPOINT"))

    def authenticate(self, request, **kwargs):
        if not enabled() or request is None or "code" not in request.GET:
            return None  # a password sign-in, or OIDC is off: not ours
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            # OIDC Core §5.3.2: the UserInfo answer must be about the person of the ID token.
            log.warning("OIDC userinfo sub %r differs from the ID token's %r", claims.get("sub"), payload.get("sub"))
            return None
        merged = {**payload, **claims}
        person = directory.DirectoryPerson(
            provider=provider_name(),
            subject=str(merged["sub"]),
            username=str(
                merged.get(settings.OIDC_USERNAME_CLAIM) or (merged.get("email") or "").split("@")[0] or merged["sub"]
            ),
            email=str(merged.get("email") or "") if merged.get("email_verified", True) else "",
            first_name=str(merged.get("given_name") or ""),
            last_name=str(merged.get("family_name") or ""),
            groups=directory.normalise_groups(merged.get(settings.OIDC_GROUPS_CLAIM) or []),
        )
        try:
            return directory.sign_in(person)
        except directory.SignInRefused as refused:
            messages.error(self.request, directory.refusal_message(refused.reason))
            return None


class OidcSignIn(OIDCAuthenticationRequestView):
    """Off to the identity provider (with PKCE); back to the sign-in page if it cannot be reached."""

    get_settings = staticmethod(_setting)

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("OpenID Connect sign-in is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = _setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as exc:
            log.warning("OIDC provider unavailable: %s", exc)
            messages.error(request, _("The company sign-in cannot be reached just now. Try again in a minute."))
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class OidcCallback(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("OpenID Connect sign-in is not configured.")
        if request.GET.get("error"):
            messages.error(request, _("The company sign-in did not sign you in ({error}).").format(
                error=request.GET.get("error_description") or request.GET["error"]))  # fmt: skip
        try:
            return super().get(request)
        except ProviderUnavailable as exc:
            log.warning("OIDC provider unavailable: %s", exc)
            messages.error(request, _("The company sign-in cannot be reached just now. Try again in a minute."))
            return redirect("login")


def end_session_url(request: HttpRequest, id_token: str, back: str) -> str | None:
    """Where to end the provider's session too (RP-initiated logout), or None: without it the next
    'sign in' would pass straight through, and a shared phone would hand the next person the last
    one's account."""
    if not (enabled() and id_token):
        return None
    try:
        end_session = metadata().get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not end_session:
        return None
    query = urlencode(
        {"id_token_hint": id_token, "post_logout_redirect_uri": back, "client_id": settings.OIDC_RP_CLIENT_ID}
    )
    return f"{end_session}?{query}"
