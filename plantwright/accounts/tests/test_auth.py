"""Bearer tokens: stored hashed, revocable, and the only way in for machine clients."""

import pytest
from django.core.management import call_command

from plantwright.accounts.models import ApiToken
from plantwright.accounts.roles import ROLE_PERMISSIONS, Perm, Role
from plantwright.accounts.selectors import has_perm
from plantwright.accounts.services import create_token, revoke_token
from plantwright.conftest import ApiClient


def test_token_is_stored_only_as_a_digest(planner):
    issued = create_token(planner, "scada")
    stored = ApiToken.objects.get()
    assert issued.secret.startswith("pw_")
    assert issued.secret not in (stored.digest, stored.prefix)
    assert stored.digest == ApiToken.digest_of(issued.secret)
    assert issued.secret.startswith(stored.prefix)


def test_me_with_a_token(api_as, planner, site):
    status, body = api_as(planner).get("/me")
    assert status == 200
    assert body["username"] == planner.username
    assert body["roles"] == [{"site": site.pk, "role": "planner"}]


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer pw_not-a-token", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000]
)
def test_missing_or_bad_credentials_are_401_with_error_body(client, db, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/work-orders", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_revoked_token_is_refused(client, planner):
    issued = create_token(planner, "old")
    api = ApiClient(client, issued.secret)
    assert api.get("/me")[0] == 200
    revoke_token(planner, issued.token.pk)
    status, body = api.get("/me")
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_inactive_users_token_is_refused(client, planner):
    api = ApiClient(client, create_token(planner, "t").secret)
    planner.is_active = False
    planner.save()
    assert api.get("/me")[0] == 401


def test_someone_elses_token_cannot_be_revoked(planner, technician):
    from plantwright.core.errors import NotFound

    issued = create_token(planner, "mine")
    with pytest.raises(NotFound):
        revoke_token(technician, issued.token.pk)


def test_token_cli_creates_a_working_token(client, planner, capsys):
    call_command("token", "create", planner.username, "--name", "historian")
    secret = capsys.readouterr().out.strip()
    assert ApiClient(client, secret).get("/me")[1]["username"] == planner.username
    call_command("token", "list", planner.username)
    assert "historian" in capsys.readouterr().out


def test_session_api_calls_need_csrf(client, planner):
    client.force_login(planner)
    assert client.get("/api/v1/me").status_code == 200


def test_role_table_covers_every_role_and_admin_has_everything():
    assert set(ROLE_PERMISSIONS) == set(Role.values)
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Perm)
    for role, perms in ROLE_PERMISSIONS.items():
        if role == Role.INTEGRATION:  # a machine account: it sees, sends downtime and readings, nothing more
            assert perms == {Perm.VIEW, Perm.INGEST_DOWNTIME, Perm.RECORD_READINGS}
        else:
            assert {Perm.VIEW, Perm.RAISE_REQUEST} <= perms


def test_permissions_are_per_site(planner, site, other_site):
    assert has_perm(planner, Perm.TRIAGE_REQUEST, site.pk)
    assert not has_perm(planner, Perm.TRIAGE_REQUEST, other_site.pk)
    assert not has_perm(planner, Perm.VIEW, other_site.pk)


def test_openapi_docs_are_served_without_a_cdn(client, planner):
    client.force_login(planner)
    html = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in html and "cdn." not in html
    schema = client.get("/api/v1/openapi.json").json()
    approve = schema["paths"]["/api/v1/work-requests/{request_id}/approve"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "409", "422"} <= set(approve)
