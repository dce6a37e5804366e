"""schemathesis against our own OpenAPI schema: every operation, valid and invalid inputs generated from
the schema (hypothesis underneath), sent through the WSGI app as a site administrator with a token.

Holds for every response: no server error; the status code is documented for the operation; the body
matches the documented schema and content type; every 4xx carries the error body
`{"error": {"code", "message"}}`; and input the schema calls valid is never refused as not matching it.
Two runs, bounded to keep CI fast: every operation alone (MAX_EXAMPLES each: the generated ids rarely
exist, so the business rules answer 404/409/422, which is the point), and chained scenarios where one
call's ids feed the next (SCENARIOS of up to STEPS calls), which reach real records.
"""

import os

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, settings
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


def schema_valid_input_is_read(ctx, response, case):
    """Input the schema calls valid is never refused as not matching it (a business rule may still refuse
    it: an unknown id, an illegal transition → 404/409/422 with their own codes, which is why
    schemathesis's positive_data_acceptance does not fit). One exception by design: JSON Schema counts
    3.0 as an integer, our strict ids do not."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    error = response.json()["error"]
    mismatches = [item for item in error["details"].get("errors", []) if item["type"] != "int_type"]
    assert error["code"] != "validation_failed" or not mismatches, f"schema-valid input refused: {mismatches}"
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
            schema_valid_input_is_read,
        ],
    )


# Stateful: sequences of calls chained by the links schemathesis infers from the schema (a response's
# ids feed the next call's path: POST /work-orders → GET /work-orders/{work_order_id} → POST …/labor →
# GET …/cost), so calls reach real records instead of the 404 a random id gets. Each step is checked as
# above, plus schemathesis's stateful checks (what was created can be read back; what was deleted is gone).
SCENARIOS = 25
STEPS = 8


def test_chained_operations_answer_as_documented(token):
    schema.config.checks.positive_data_acceptance.enabled = False  # see schema_valid_input_is_read
    # Its probes keep the token this test adds to every call, so they would pass as "accepted without
    # auth"; who may call what without a token, with a revoked one or from another site is the
    # authorization matrix's (test_authorization_matrix.py), for every operation.
    schema.config.checks.ignored_auth.enabled = False

    class Workflow(schema.as_state_machine()):
        # Each scenario starts from the same records, so hypothesis can replay and shrink what it finds.
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            checks = [error_body_on_4xx, schema_valid_input_is_read]
            super().validate_response(response, case, additional_checks=checks, **kwargs)

    Workflow.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: ids differ from one replay to the next
            suppress_health_check=list(HealthCheck),
        )
    )
