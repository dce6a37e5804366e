"""Sites, locations and assets over HTTP."""

import pytest

from plantwright.accounts.roles import Role
from plantwright.assets.models import Asset
from plantwright.testing import factories


@pytest.fixture
def admin_user(site):
    return factories.UserFactory(username="siteadmin", roles=[(site, Role.ADMIN)])


def test_sites_list_shows_only_my_sites(api_as, planner, site, other_site):
    status, body = api_as(planner).get("/sites")
    assert status == 200
    assert [s["code"] for s in body["items"]] == ["north"]


def test_only_superusers_create_sites(api_as, admin_user, db):
    status, _error = api_as(admin_user).post("/sites", {"code": "east", "name": "East"})
    assert status == 403
    root = factories.UserFactory(username="root", is_superuser=True)
    status, site = api_as(root).post("/sites", {"code": "east", "name": "East plant", "timezone": "Europe/Istanbul"})
    assert status == 201 and site["code"] == "east"
    assert api_as(root).post("/sites", {"code": "east", "name": "Again"})[0] == 409
    assert api_as(root).post("/sites", {"code": "East Plant!", "name": "x"})[0] == 422
    status, error = api_as(root).post("/sites", {"code": "west", "name": "x", "timezone": "Mars/Olympus"})
    assert status == 422 and error["error"]["details"]["field"] == "timezone"


def test_create_asset_with_external_ids_and_read_it_back(api_as, admin_user, site):
    api = api_as(admin_user)
    status, location = api.post("/locations", {"site": site.pk, "code": "L1", "name": "Line 1"})
    assert status == 201
    status, machine = api.post(
        "/assets",
        {
            "site": site.pk,
            "code": "FIL-1",
            "name": "Filler",
            "location": location["id"],
            "criticality": "critical",
            "commissioned_at": "2020-03-01T00:00:00+03:00",
            "external_ids": {"oee_machine_id": "north-fil-1", "erp_cost_center": "CC-100", "sap_equipment": "1000471"},
        },
    )
    assert status == 201, machine
    assert machine["external_ids"] == {
        "oee_machine_id": "north-fil-1",
        "erp_cost_center": "CC-100",
        "sap_equipment": "1000471",
    }
    assert machine["commissioned_at"] == "2020-02-29T21:00:00Z"
    status, motor = api.post("/assets", {"site": site.pk, "code": "FIL-1-M", "name": "Motor", "parent": machine["id"]})
    assert status == 201 and motor["parent"] == machine["id"]
    _, found = api.get("/assets", oee_machine_id="north-fil-1")
    assert [a["code"] for a in found["items"]] == ["FIL-1"]
    _, children = api.get("/assets", parent=machine["id"])
    assert [a["code"] for a in children["items"]] == ["FIL-1-M"]
    _, searched = api.get("/assets", q="fil")
    assert searched["count"] == 2


def test_duplicate_code_or_oee_id_is_409(api_as, admin_user, site, asset):
    api = api_as(admin_user)
    status, error = api.post("/assets", {"site": site.pk, "code": "P-101", "name": "Again"})
    assert status == 409 and error["error"]["details"]["field"] == "code"
    status, error = api.post(
        "/assets", {"site": site.pk, "code": "P-102", "name": "x", "external_ids": {"oee_machine_id": "north-p101"}}
    )
    assert status == 409 and error["error"]["details"]["field"] == "oee_machine_id"
    assert Asset.objects.count() == 1


def test_asset_cannot_become_its_own_ancestor(api_as, admin_user, site):
    api = api_as(admin_user)
    _, top = api.post("/assets", {"site": site.pk, "code": "TOP", "name": "Top"})
    _, child = api.post("/assets", {"site": site.pk, "code": "CHILD", "name": "Child", "parent": top["id"]})
    status, error = api.patch(f"/assets/{top['id']}", {"parent": child["id"]})
    assert status == 422 and error["error"]["details"]["field"] == "parent"
    assert Asset.objects.get(pk=top["id"]).parent_id is None


def test_patch_asset_is_recorded_in_history(api_as, admin_user, asset):
    status, body = api_as(admin_user).patch(
        f"/assets/{asset.pk}", {"criticality": "high", "external_ids": {"erp_cost_center": "CC-9"}}
    )
    assert status == 200 and body["criticality"] == "high"
    assert body["external_ids"] == {"erp_cost_center": "CC-9"}
    latest = asset.history.latest()
    assert latest.criticality == "high" and latest.history_user == admin_user


def test_decommissioned_before_commissioned_is_422(api_as, admin_user, asset):
    status, error = api_as(admin_user).patch(f"/assets/{asset.pk}", {"decommissioned_at": "2000-01-01T00:00:00Z"})
    assert status == 422 and error["error"]["details"]["field"] == "decommissioned_at"


def test_foreign_site_assets_are_invisible_and_unwritable(api_as, outsider, asset, site):
    api = api_as(outsider)
    assert api.get(f"/assets/{asset.pk}")[0] == 404
    assert api.patch(f"/assets/{asset.pk}", {"name": "Mine now"})[0] == 404
    status, error = api.post("/assets", {"site": site.pk, "code": "X", "name": "x"})
    assert status == 422 and error["error"]["details"]["field"] == "site"
    assert api.get("/assets")[1]["count"] == 0


def test_technicians_cannot_edit_assets(api_as, technician, asset):
    status, error = api_as(technician).patch(f"/assets/{asset.pk}", {"name": "Renamed"})
    assert status == 403 and error["error"]["code"] == "forbidden"


def test_huge_ids_are_refused_not_crashed(api_as, planner):
    assert api_as(planner).get(f"/assets/{2**70}")[0] == 422
    assert api_as(planner).get("/assets/abc")[0] == 422


def test_assets_carry_an_asset_class_by_code(api_as, admin_user, planner, site, asset):
    from plantwright.assets.models import AssetClass

    AssetClass.objects.create(code="pump", name="Pumps")
    api = api_as(admin_user)
    status, body = api.get("/asset-classes")
    assert status == 200 and body == [{"code": "pump", "name": "Pumps"}]
    status, body = api.patch(f"/assets/{asset.pk}", {"asset_class": "pump"})
    assert status == 200 and body["asset_class"] == "pump"
    status, body = api.patch(f"/assets/{asset.pk}", {"asset_class": "boiler"})
    assert status == 422 and body["error"]["details"]["field"] == "asset_class"
    status, body = api.get("/assets", asset_class="pump")
    assert body["count"] == 1 and body["items"][0]["code"] == asset.code
    status, body = api.post("/assets", {"site": site.pk, "code": "P-9", "name": "Pump 9", "asset_class": "pump"})
    assert status == 201 and body["asset_class"] == "pump"
