"""Company sign-in: accounts made at the first sign-in, roles that follow directory groups, the
mapping page, and local passwords switched off (docs/sign-in.md)."""

import pytest
from django.contrib.auth import authenticate

from plantwright.accounts import directory, services
from plantwright.accounts.models import DirectoryRoleMapping, ExternalIdentity, Membership, User
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


def person(groups=("CMMS-North-Planner",), subject="sub-ayse", username="ayse", **fields):
    return directory.DirectoryPerson(
        provider="oidc https://id.example", subject=subject, username=username,
        groups=directory.normalise_groups(groups), **fields,
    )  # fmt: skip


def roles(user) -> set[tuple[str, str, str]]:
    return {(m.site.code, m.role, m.source) for m in Membership.objects.filter(user=user).select_related("site")}


@pytest.fixture
def mapped(site, other_site):
    DirectoryRoleMapping.objects.create(group="cmms-north-planner", site=site, role="planner")
    DirectoryRoleMapping.objects.create(group="cmms-south-tech", site=other_site, role="technician")


def test_the_first_sign_in_makes_the_account_with_the_mapped_roles(mapped):
    user = directory.sign_in(person(email="ayse@plant.example", first_name="Ayşe", last_name="Yılmaz"))
    assert (user.username, user.email, user.first_name, user.has_usable_password()) == (
        "ayse", "ayse@plant.example", "Ayşe", False)  # fmt: skip
    assert roles(user) == {("north", "planner", "directory")}
    assert ExternalIdentity.objects.get(user=user).groups == ["cmms-north-planner"]


def test_somebody_whose_groups_map_to_nothing_gets_no_account(mapped):
    with pytest.raises(directory.SignInRefused) as refused:
        directory.sign_in(person(groups=["Finance"]))
    assert refused.value.reason == "no_role"
    assert not User.objects.filter(username="ayse").exists()


def test_roles_follow_the_groups_at_every_sign_in_and_hand_given_roles_stay(mapped, site, other_site):
    user = directory.sign_in(person())
    Membership.objects.create(user=user, site=other_site, role="requester")  # given by hand
    directory.sign_in(person(groups=["cmms-north-planner", "CMMS-South-Tech"]))
    assert roles(user) == {("north", "planner", "directory"), ("south", "technician", "directory"),
                           ("south", "requester", "manual")}  # fmt: skip
    directory.sign_in(person(groups=["cmms-south-tech"]))  # the planner group taken away in the directory
    assert roles(user) == {("south", "technician", "directory"), ("south", "requester", "manual")}


def test_the_last_group_taken_away_takes_the_roles_and_refuses(mapped):
    user = directory.sign_in(person())
    with pytest.raises(directory.SignInRefused):
        directory.sign_in(person(groups=[]))
    assert roles(user) == set()  # committed although the sign-in was refused


def test_a_hand_given_role_keeps_a_person_without_groups_in(mapped, site):
    user = directory.sign_in(person())
    Membership.objects.create(user=user, site=site, role="requester")
    assert directory.sign_in(person(groups=[])) == user
    assert roles(user) == {("north", "requester", "manual")}


def test_a_local_account_of_the_same_name_is_never_taken_over(mapped, planner):
    local = factories.UserFactory(username="ayse")
    user = directory.sign_in(person())
    assert user != local and user.username == "ayse-2"
    assert directory.sign_in(person()) == user  # the identity, not the name, finds the account


def test_a_switched_off_account_is_refused(mapped):
    user = directory.sign_in(person())
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(directory.SignInRefused) as refused:
        directory.sign_in(person())
    assert refused.value.reason == "inactive"


def test_group_claims_of_any_shape_are_read_safely():
    assert directory.normalise_groups(" Planner ") == {"planner"}
    assert directory.normalise_groups(["A", 3, None, "", "a"]) == {"a"}
    assert directory.normalise_groups(7) == frozenset()


def test_a_new_mapping_gives_and_a_removed_one_takes_the_role_at_once(site, other_site):
    admin = factories.UserFactory(username="admin-north", roles=[(site, "admin")])
    DirectoryRoleMapping.objects.create(group="cmms-north-planner", site=site, role="planner")
    user = directory.sign_in(person(groups=["cmms-north-planner", "cmms-north-stores"]))
    mapping = services.add_mapping(admin, site, " CMMS-North-Stores ", "storeroom")
    assert mapping.group == "cmms-north-stores"
    assert roles(user) == {("north", "planner", "directory"), ("north", "storeroom", "directory")}
    services.remove_mapping(admin, mapping)
    assert roles(user) == {("north", "planner", "directory")}


def test_only_who_manages_the_sites_people_maps_groups(site, planner):
    from plantwright.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.add_mapping(planner, site, "anything", "admin")


# --- the page -------------------------------------------------------------------------------------


def test_the_sign_in_groups_page_adds_refuses_a_duplicate_and_removes(as_user, site):
    admin = factories.UserFactory(username="admin-north", roles=[(site, "admin")])
    client = as_user(admin)
    url = f"/sites/{site.pk}/sign-in-groups/"
    assert client.post(url, {"group": "CMMS-North-Planner", "role": "planner"}).status_code == 302
    again = client.post(url, {"group": "cmms-north-planner", "role": "planner"})
    assert again.status_code == 409 and "already gives" in again.content.decode()
    assert client.post(url, {"group": "x", "role": "pope"}).status_code == 422
    page = client.get(url).content.decode()
    assert "cmms-north-planner" in page
    mapping = DirectoryRoleMapping.objects.get()
    assert client.post(f"/sign-in-groups/{mapping.pk}/delete/").status_code == 302
    assert not DirectoryRoleMapping.objects.exists()


def test_the_sites_page_links_the_sign_in_groups_for_an_administrator_only(as_user, site, planner):
    admin = factories.UserFactory(username="admin-north", roles=[(site, "admin")])
    assert f"/sites/{site.pk}/sign-in-groups/" in as_user(admin).get("/sites/").content.decode()
    assert "sign-in-groups" not in as_user(planner).get("/sites/").content.decode()


# --- local passwords off ----------------------------------------------------------------------------


@pytest.fixture
def passwords_off(settings):
    settings.LOCAL_PASSWORDS = False
    settings.OIDC_ISSUER = "https://id.example"
    settings.AUTHENTICATION_BACKENDS = [b for b in settings.AUTHENTICATION_BACKENDS if not b.endswith("ModelBackend")]


def test_with_local_passwords_off_a_password_neither_signs_in_nor_can_be_set(passwords_off, client, site, api_as, rf):
    user = factories.UserFactory(username="old-local", roles=[(site, "technician")])
    assert authenticate(rf.post("/login/"), username="old-local", password="secret-pass") is None
    page = client.get("/login/").content.decode()
    assert 'name="password"' not in page and "/oidc/authenticate/" in page
    assert client.post("/login/", {"username": "old-local", "password": "secret-pass"}).status_code == 302
    assert "_auth_user_id" not in client.session
    admin = factories.UserFactory(username="admin-north", roles=[(site, "admin")])
    status, body = api_as(admin).patch(f"/users/{user.pk}", {"password": "a-new-long-passphrase-1"})
    assert status == 422 and body["error"]["code"] == "local_passwords_off"


def test_the_company_button_shows_beside_the_password_form(settings, client):
    settings.OIDC_ISSUER = "https://id.example"
    settings.OIDC_PROVIDER_LABEL = "Acme ID"
    page = client.get("/login/?next=/work-orders/").content.decode()
    assert "Sign in with your Acme ID" in page and 'name="password"' in page
    assert "/oidc/authenticate/?next=/work-orders/" in page.replace("%2F", "/")


def test_without_a_provider_its_doors_are_not_there(client):
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
