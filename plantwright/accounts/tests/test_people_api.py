"""People over the API: a site administrator's setup script creates accounts with roles, changes
and deactivates them, gives and takes roles — only at the sites they administer."""

import pytest

from plantwright.accounts.models import Membership, User
from plantwright.accounts.roles import Role
from plantwright.accounts.services import create_token
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin(site):
    return factories.UserFactory(username="ist-admin", roles=[(site, Role.ADMIN)])


def test_a_site_admin_creates_a_technician_with_a_password(api_as, site_admin, site):
    status, body = api_as(site_admin).post("/users", {
        "username": "ayse", "first_name": "Ayşe", "last_name": "Yılmaz", "language": "tr",
        "password": "a long enough passphrase", "roles": [{"site": site.pk, "role": "technician"}],
    })  # fmt: skip
    assert status == 201, body
    assert (body["username"], body["language"], body["is_active"], body["has_password"]) == ("ayse", "tr", True, True)
    assert [(r["site"], r["site_code"], r["role"]) for r in body["roles"]] == [(site.pk, site.code, "technician")]
    assert User.objects.get(username="ayse").check_password("a long enough passphrase")


def test_an_integration_account_has_no_password_and_signs_in_by_token(api_as, site_admin, site):
    status, body = api_as(site_admin).post(
        "/users", {"username": "oee-line3", "roles": [{"site": site.pk, "role": "integration"}]}
    )
    assert status == 201 and body["has_password"] is False
    assert not User.objects.get(username="oee-line3").has_usable_password()


def test_bad_people_are_refused_whole(api_as, site_admin, site, other_site):
    caller = api_as(site_admin)
    cases = [
        ({"username": "x", "roles": []}, 422),  # no role
        ({"username": "x", "roles": [{"site": site.pk, "role": "wizard"}]}, 422),
        ({"username": "a b", "roles": [{"site": site.pk, "role": "technician"}]}, 422),
        ({"username": "x", "password": "123", "roles": [{"site": site.pk, "role": "technician"}]}, 422),
        ({"username": "x", "roles": [{"site": other_site.pk, "role": "technician"}]}, 422),  # not theirs
        ({"username": "IST-ADMIN", "roles": [{"site": site.pk, "role": "technician"}]}, 409),  # taken, any case
        ({"username": "x", "roles": [{"site": site.pk, "role": "technician"}], "is_superuser": True}, 422),
    ]
    for payload, expected in cases:
        status, body = caller.post("/users", payload)
        assert status == expected, (payload, body)
        assert "code" in body["error"]
    assert not User.objects.filter(username="x").exists()
    status, body = caller.post("/users", cases[3][0])
    assert body["error"]["code"] == "weak_password" and body["error"]["details"]["field"] == "password"


def test_deactivating_signs_out_of_the_api_and_keeps_the_history(api_as, site_admin, site, technician, client):
    token = create_token(technician, "phone").secret
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    status, body = api_as(site_admin).patch(f"/users/{technician.pk}", {"is_active": False})
    assert status == 200 and body["is_active"] is False
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert Membership.objects.filter(user=technician).exists()  # who they were stays
    status, body = api_as(site_admin).get(f"/users?site={site.pk}&active=false")
    assert [person["username"] for person in body["items"]] == [technician.username]
    status, body = api_as(site_admin).patch(f"/users/{site_admin.pk}", {"is_active": False})
    assert status == 409 and body["error"]["code"] == "deactivate_self"


def test_a_person_of_two_sites_is_changed_only_by_who_manages_both(api_as, site_admin, site, other_site):
    both = factories.UserFactory(username="roamer", roles=[(site, Role.TECHNICIAN), (other_site, Role.TECHNICIAN)])
    status, body = api_as(site_admin).patch(f"/users/{both.pk}", {"is_active": False})
    assert status == 403
    both.refresh_from_db()
    assert both.is_active
    status, body = api_as(site_admin).get(f"/users/{both.pk}")
    assert status == 200 and [r["site"] for r in body["roles"]] == [site.pk]  # the other site's roles unseen


def test_roles_are_given_and_taken_and_a_site_keeps_an_admin(api_as, site_admin, site, technician, other_site):
    caller = api_as(site_admin)
    status, granted = caller.post("/memberships", {"user": technician.pk, "site": site.pk, "role": "planner"})
    assert status == 201 and granted["role"] == "planner"
    status, body = caller.post("/memberships", {"user": technician.pk, "site": site.pk, "role": "planner"})
    assert status == 409 and body["error"]["code"] == "membership_exists"
    status, body = caller.post("/memberships", {"user": technician.pk, "site": other_site.pk, "role": "planner"})
    assert status == 422  # a site the caller does not administer
    assert caller.delete(f"/memberships/{granted['id']}")[0] == 204
    own = Membership.objects.get(user=site_admin, role=Role.ADMIN)
    status, body = caller.delete(f"/memberships/{own.pk}")
    assert status == 409 and body["error"]["code"] == "last_admin"
    elsewhere = Membership.objects.create(user=technician, site=other_site, role=Role.TECHNICIAN)
    assert caller.delete(f"/memberships/{elsewhere.pk}")[0] == 404


def test_people_list_in_a_bounded_number_of_queries(api_as, site_admin, site, django_assert_max_num_queries):
    for n in range(30):
        factories.UserFactory(username=f"p{n}", roles=[(site, Role.TECHNICIAN), (site, Role.PLANNER)])
    caller = api_as(site_admin)
    with django_assert_max_num_queries(8):
        status, body = caller.get(f"/users?site={site.pk}&limit=100")
    assert status == 200 and body["count"] == 31
    assert all(len(person["roles"]) == 2 for person in body["items"] if person["username"].startswith("p"))
