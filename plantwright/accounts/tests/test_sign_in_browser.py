"""In a real browser, against real identity providers: OpenID Connect through npm oidc-provider
(PKCE required by the provider) and LDAP through Debian's slapd. Plantwright runs as `make run` runs
it (gunicorn, configured by environment), each person lands with the roles their directory groups
map to, and a group taken away in the directory takes the role away at the next sign-in."""

import pytest

from plantwright.accounts.models import DirectoryRoleMapping, Membership, User
from plantwright.maintenance.tests.test_browser_journey import browser  # noqa: F401 (fixture)
from plantwright.testing.identity import OidcProvider, Slapd
from plantwright.testing.processes import free_port, kill, start_web

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def roles_of(username: str) -> set[tuple[str, str]]:
    return set(Membership.objects.filter(user__username=username).values_list("site__code", "role"))


@pytest.fixture
def mapped(site, other_site):
    DirectoryRoleMapping.objects.create(group="cmms-north-planner", site=site, role="planner")
    DirectoryRoleMapping.objects.create(group="cmms-south-tech", site=other_site, role="technician")


def ayse(groups: list[str]) -> dict:
    return {"ayse": {"preferred_username": "ayse", "email": "ayse@plant.test", "given_name": "Ayşe",
                     "family_name": "Yılmaz", "groups": groups}}  # fmt: skip


def sign_out(page) -> None:
    menu = page.locator("button.pw-menu-button")
    if menu.is_visible():  # a phone: the menu is folded away
        menu.click()
    page.locator("nav details.dropdown summary").click()
    page.get_by_role("button", name="Sign out").click()


def provider_login(page, login: str) -> None:
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("whatever the directory checks")
    page.get_by_role("button", name="Sign-in").click()
    consent = page.get_by_role("button", name="Continue")
    if consent.count():
        consent.click()


def test_openid_connect_sign_in_with_pkce_mapped_roles_logout_and_a_revoked_group(browser, mapped):  # noqa: F811
    web_port = free_port()
    provider = OidcProvider(f"http://127.0.0.1:{web_port}", ayse(["CMMS-North-Planner", "cmms-south-tech"]))
    web = None
    try:
        web, url = start_web(env={**provider.web_env(), "LOCAL_PASSWORDS": "0"}, port=web_port)
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone
        page.set_default_timeout(15_000)
        asked = []
        page.on("request", lambda sent: sent.url.startswith(f"{provider.issuer}/auth") and asked.append(sent.url))

        page.goto(f"{url}/work-orders/")
        assert page.locator("input[name=password]").count() == 0  # SSO only: no local password form
        page.get_by_role("button", name="Sign in with your company account").click()
        provider_login(page, "ayse")
        page.wait_for_url(f"{url}/work-orders/")
        assert "code_challenge=" in asked[0] and "code_challenge_method=S256" in asked[0]
        user = User.objects.get(username="ayse")
        assert (user.first_name, user.email, user.has_usable_password()) == ("Ayşe", "ayse@plant.test", False)
        assert roles_of("ayse") == {("north", "planner"), ("south", "technician")}

        sign_out(page)
        page.get_by_role("button", name="Yes, sign me out").click()  # the provider's session ends too
        page.wait_for_url(f"{url}/login/")

        provider.set_accounts(ayse(["cmms-south-tech"]))  # the directory takes the planner group away
        page.get_by_role("button", name="Sign in with your company account").click()
        page.locator("input[name=login]").wait_for()  # asked again: the provider's session was ended
        provider_login(page, "ayse")
        page.wait_for_url(f"{url}/")
        assert roles_of("ayse") == {("south", "technician")}

        sign_out(page)
        page.get_by_role("button", name="Yes, sign me out").click()
        page.wait_for_url(f"{url}/login/")
        provider.set_accounts(ayse(["finance"]))  # nothing maps: refused, with words saying why
        page.get_by_role("button", name="Sign in with your company account").click()
        provider_login(page, "ayse")
        page.wait_for_url(f"{url}/login/")
        page.get_by_text("has no role in Plantwright").wait_for()
        assert roles_of("ayse") == set()
    finally:
        if web is not None:
            kill(web)
        provider.stop()


def test_ldap_sign_in_lands_with_the_mapped_roles_and_follows_the_directory(browser, mapped, site):  # noqa: F811
    directory = Slapd()
    web = None
    try:
        directory.add_person("mehmet", "pw-mehmet-1", given="Mehmet", surname="Kaya", mail="mehmet@plant.test")
        directory.set_group("cmms-north-planner", ["mehmet"])
        directory.set_group("cmms-south-tech", ["mehmet"])
        web, url = start_web(env=directory.web_env())
        page = browser.new_context().new_page()
        page.set_default_timeout(15_000)

        def sign_in(password: str) -> None:
            page.goto(f"{url}/login/")
            page.get_by_label("Username").fill("mehmet")
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()

        sign_in("wrong")
        page.get_by_text("correct username and password").wait_for()
        assert not User.objects.filter(username="mehmet").exists()

        sign_in("pw-mehmet-1")
        page.wait_for_url(f"{url}/")
        user = User.objects.get(username="mehmet")
        assert (user.last_name, user.email, user.has_usable_password()) == ("Kaya", "mehmet@plant.test", False)
        assert roles_of("mehmet") == {("north", "planner"), ("south", "technician")}

        sign_out(page)
        directory.set_group("cmms-north-planner", [])
        sign_in("pw-mehmet-1")
        page.wait_for_url(f"{url}/")
        assert roles_of("mehmet") == {("south", "technician")}
    finally:
        if web is not None:
            kill(web)
        directory.stop()
