"""Test fixtures shared by every app: users with roles, API clients with bearer tokens, services."""

import json
import os
import socket

import pytest
from django.conf import settings as django_settings

from plantwright.accounts.roles import Role
from plantwright.testing import factories


def _postgres_requested() -> bool:
    return django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


# The tests' ERPs, Tryton and OEE receivers listen on loopback or have example domains: allowed here (and
# in the processes tests start), refused by default (plantwright/tests/test_outbound.py).
TEST_OUTBOUND = ["127.0.0.0/8", "::1/128", "localhost", ".example", ".example.com"]


def pytest_configure(config):
    # Persistent connections would outlive the live-server thread and block dropping the test database.
    django_settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    django_settings.OUTBOUND_ALLOWED_NETWORKS = TEST_OUTBOUND
    os.environ["OUTBOUND_ALLOWED_NETWORKS"] = ",".join(TEST_OUTBOUND)


def pytest_sessionstart(session):
    if not _postgres_requested():
        return
    db = django_settings.DATABASES["default"]
    try:
        socket.create_connection((db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)), timeout=3).close()
    except OSError as exc:
        message = f"PostgreSQL at {db.get('HOST')}:{db.get('PORT')} is not reachable ({exc})"
        if os.environ.get("CI") == "true":
            pytest.exit(f"{message}: under CI=true a missing PostgreSQL is a failure.", returncode=1)
        pytest.exit(f"SKIPPED the PostgreSQL run: {message}. Start it (see README) to run it.", returncode=0)


@pytest.fixture(autouse=True)
def _fast_tests(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RELIABILITY_STALE_SECONDS = 0  # a test reads what it just wrote (test_kpis tests the window)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from plantwright.outbox.events import forget_subscriptions

    forget_subscriptions()  # a site id of the last test is not this test's site


@pytest.fixture
def site(db):
    return factories.SiteFactory(code="north")


@pytest.fixture
def other_site(db):
    return factories.SiteFactory(code="south")


def _user_with(role: str, site):
    return factories.UserFactory(username=f"{role}-{site.code}", roles=[(site, role)])


@pytest.fixture
def requester(site):
    return _user_with(Role.REQUESTER, site)


@pytest.fixture
def technician(site):
    return _user_with(Role.TECHNICIAN, site)


@pytest.fixture
def planner(site):
    return _user_with(Role.PLANNER, site)


@pytest.fixture
def manager(site):
    return _user_with(Role.MANAGER, site)


@pytest.fixture
def outsider(other_site):
    """A planner at another site: must see nothing of `site`."""
    return _user_with(Role.PLANNER, other_site)


@pytest.fixture
def asset(site):
    return factories.AssetFactory(site=site, code="P-101", name="Feed pump", oee_machine_id="north-p101")


class ApiClient:
    """The Django test client speaking JSON with a bearer token, answering (status, body)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, payload=None, raw: str | None = None, **params):
        url = f"/api/v1{path}"
        kwargs = {"headers": self.headers}
        if method == "get":
            response = self.client.get(url, params, **kwargs)
        else:
            body = raw if raw is not None else json.dumps(payload if payload is not None else {})
            response = getattr(self.client, method)(url, body, content_type="application/json", **kwargs)
        data = json.loads(response.content) if response.content else None
        return response.status_code, data

    def get(self, path: str, **params):
        return self._call("get", path, **params)

    def post(self, path: str, payload=None, raw: str | None = None):
        return self._call("post", path, payload, raw)

    def patch(self, path: str, payload=None, raw: str | None = None):
        return self._call("patch", path, payload, raw)

    def put(self, path: str, payload=None, raw: str | None = None):
        return self._call("put", path, payload, raw)

    def delete(self, path: str):
        return self._call("delete", path, None)

    def upload(self, path: str, files: dict):
        """A multipart POST (files as Django's SimpleUploadedFile)."""
        response = self.client.post(f"/api/v1{path}", files, headers=self.headers)
        return response.status_code, (json.loads(response.content) if response.content else None)


@pytest.fixture
def api_as(client):
    """api_as(user) -> an API client authenticated with a fresh token of that user."""
    from plantwright.accounts.services import create_token

    def make(user=None):
        token = create_token(user, "test").secret if user is not None else None
        return ApiClient(client, token)

    return make


@pytest.fixture
def as_user(client):
    """as_user(user) -> the test client signed in as that user (for pages)."""

    def login(user):
        client.force_login(user)
        return client

    return login
