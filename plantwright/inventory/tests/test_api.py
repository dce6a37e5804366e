"""Parts, stock and issues over HTTP."""

import pytest

from plantwright.accounts.roles import Role
from plantwright.inventory.models import StockMovement
from plantwright.maintenance import services as maintenance_services
from plantwright.maintenance.models import CostLine
from plantwright.testing import factories


@pytest.fixture
def storekeeper(site):
    return factories.UserFactory(username="store", roles=[(site, Role.STOREROOM)])


def test_catalogue_receipt_issue_return_over_http(api_as, storekeeper, technician, planner, site, asset):
    store_api = api_as(storekeeper)
    status, part = store_api.post("/parts", {"part_number": "BRG-1", "description": "Bearing", "unit": "ea"})
    assert status == 201
    status, room = store_api.post("/storerooms", {"site": site.pk, "code": "MAIN", "name": "Main"})
    assert status == 201
    status, receipt = store_api.post(
        "/stock/receipts", {"part": part["id"], "storeroom": room["id"], "quantity": "10", "unit_cost": "2.50"}
    )
    assert status == 201 and receipt["quantity_after"] == "10.0000"
    wo = maintenance_services.create_work_order(planner, asset_id=asset.pk, type="corrective", title="x")
    maintenance_services.transition_work_order(planner, wo, to="approved")
    tech = api_as(technician)
    body = {"part": part["id"], "storeroom": room["id"], "quantity": "3", "idempotency_key": "k-1"}
    status, issue = tech.post(f"/work-orders/{wo.pk}/issues", body)
    assert status == 201 and issue["value"] == "-7.5000"
    assert tech.post(f"/work-orders/{wo.pk}/issues", body)[1]["id"] == issue["id"]  # a retry issues nothing more
    status, error = tech.post(f"/work-orders/{wo.pk}/issues", {**body, "idempotency_key": None, "quantity": "8"})
    assert status == 409 and error["error"]["code"] == "insufficient_stock"
    status, _ = tech.post(f"/work-orders/{wo.pk}/returns", {"issue": issue["id"], "quantity": "1"})
    assert status == 201
    _, issues = tech.get(f"/work-orders/{wo.pk}/issues")
    assert (issues[0]["issued_quantity"], issues[0]["returnable_quantity"]) == ("3.0000", "2.0000")
    assert api_as(planner).get(f"/work-orders/{wo.pk}/cost")[1]["parts"] == "5.0000"
    _, stock = tech.get("/stock", part=part["id"])
    assert stock["items"][0]["quantity_on_hand"] == "8.0000"


def test_bad_stock_input(api_as, storekeeper, site, other_site):
    store_api = api_as(storekeeper)
    part = factories.part()
    room = factories.storeroom(site)
    foreign = factories.storeroom(other_site, "FAR")
    assert (
        store_api.post("/stock/receipts", {"part": part.pk, "storeroom": room.pk, "quantity": "-1", "unit_cost": "1"})[
            0
        ]
        == 422
    )
    assert (
        store_api.post("/stock/receipts", {"part": part.pk, "storeroom": room.pk, "quantity": "1", "unit_cost": 1.5})[0]
        == 422
    )
    status, error = store_api.post(
        "/stock/receipts", {"part": 99999, "storeroom": room.pk, "quantity": "1", "unit_cost": "1"}
    )
    assert status == 422 and error["error"]["details"]["field"] == "part"
    status, error = store_api.post(
        "/stock/receipts", {"part": part.pk, "storeroom": foreign.pk, "quantity": "1", "unit_cost": "1"}
    )
    assert status == 422 and error["error"]["details"]["field"] == "storeroom"
    assert not StockMovement.objects.exists() and not CostLine.objects.exists()


def test_inventory_pages_render(client, storekeeper, site):
    part = factories.part()
    factories.storeroom(site)
    client.force_login(storekeeper)
    assert client.get("/parts/").status_code == 200
    assert client.get(f"/parts/{part.pk}/").status_code == 200
    assert client.get("/stock/reorder/").status_code == 200
    room = factories.storeroom(site)
    response = client.post(
        f"/parts/{part.pk}/", {"storeroom": room.pk, "quantity": "5", "unit_cost": "2", "reference": "DN-1"}
    )
    assert response.status_code == 302
    assert StockMovement.objects.get().reference == "DN-1"
