"""schemathesis against our own OpenAPI schema: every operation, valid and invalid inputs generated from
the schema (hypothesis underneath), sent through the WSGI app as a site administrator with a token.

Holds for every response: no server error; the status code is documented for the operation; the body
matches the documented schema and content type; and every 4xx carries the error body
`{"error": {"code", "message"}}`. Bounded (MAX_EXAMPLES per operation) to keep CI fast; no stateful
links (the generated ids rarely exist, so the business rules answer 404/409/422, which is the point).
"""

import os

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis import openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from plantwright.accounts.roles import Role
from plantwright.accounts.services import create_token
from plantwright.testing import factories

MAX_EXAMPLES = 6
schema = openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# The coverage phase (boundary values and wrong types of every parameter, methods a path does not take)
# sends thousands of requests: it runs in the PostgreSQL pass, the production database; both passes
# run the generated examples of every operation.
schema.config.phases.coverage.enabled = os.environ.get("DATABASE_URL", "").startswith("postgres")
schema.config.phases.coverage.unexpected_methods = set()  # 405 has its own test (test_security)


def error_body_on_4xx(ctx, response, case):
    """Our errors are machine-readable: a 4xx always says what went wrong in one shape."""
    if 400 <= response.status_code < 500:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        assert isinstance(error, dict) and error.get("code") and error.get("message"), (
            f"{response.status_code} without the error body: {body!r}"
        )
    return None


@pytest.fixture
def token(db):
    # Django's test client keeps the test's connection open across requests; a bare WSGI call would close
    # it when a request starts and ends (close_old_connections), and with it the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield _admin_token()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _admin_token() -> str:
    site = factories.SiteFactory(code="fuzz")
    admin = factories.UserFactory(username="fuzz-admin", roles=[(site, Role.ADMIN)])
    factories.AssetFactory(site=site, code="FZ-1")
    return create_token(admin, "fuzz").secret


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_every_operation_answers_as_documented(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            error_body_on_4xx,
        ],
    )
