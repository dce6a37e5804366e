"""Work requests and work orders over HTTP, as a machine client sees them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from plantwright.maintenance.models import WorkOrder, WorkRequest
from plantwright.testing import factories


def raise_request(api, asset, **extra):
    return api.post(
        "/work-requests", {"asset": asset.pk, "title": "Pump leaking", "description": "Puddle under P-101", **extra}
    )


def test_request_to_work_order_journey(api_as, requester, planner, technician, asset):
    status, body = raise_request(api_as(requester), asset, priority="high")
    assert status == 201
    assert body["number"].startswith("WR-") and body["status"] == "new"
    assert body["asset"] == {"id": asset.pk, "code": "P-101", "name": "Feed pump"}
    assert body["requested_by"]["username"] == requester.username

    status, wo = api_as(planner).post(
        f"/work-requests/{body['id']}/approve", {"type": "corrective", "assigned_to": [technician.pk]}
    )
    assert status == 201
    assert wo["status"] == "approved" and wo["number"].startswith("WO-")
    assert wo["title"] == "Pump leaking" and wo["priority"] == "high" and wo["planned"] is False
    assert [u["id"] for u in wo["assigned_to"]] == [technician.pk]

    status, request_now = api_as(requester).get(f"/work-requests/{body['id']}")
    assert request_now["status"] == "approved" and request_now["work_order"] == wo["id"]

    tech = api_as(technician)
    status, wo = tech.post(f"/work-orders/{wo['id']}/transition", {"to": "in_progress"})
    assert (status, wo["status"]) == (200, "in_progress")
    status, wo = tech.post(f"/work-orders/{wo['id']}/transition", {"to": "completed", "note": "Seal replaced"})
    assert (status, wo["status"]) == (200, "completed")
    assert wo["completed_at"] is not None

    status, log = tech.get(f"/work-orders/{wo['id']}/transitions")
    assert [(t["from_status"], t["to_status"]) for t in log] == [
        ("", "approved"),
        ("approved", "in_progress"),
        ("in_progress", "completed"),
    ]
    assert log[-1]["actor"]["username"] == technician.username and log[-1]["note"] == "Seal replaced"


def test_approving_twice_is_a_conflict_and_creates_one_wo(api_as, requester, planner, asset):
    _, body = raise_request(api_as(requester), asset)
    api = api_as(planner)
    assert api.post(f"/work-requests/{body['id']}/approve", {})[0] == 201
    status, error = api.post(f"/work-requests/{body['id']}/approve", {})
    assert status == 409
    assert error["error"]["code"] == "already_triaged"
    assert error["error"]["details"]["status"] == "approved"
    assert WorkOrder.objects.count() == 1


def test_reject_needs_a_reason_the_requester_can_read(api_as, requester, planner, asset):
    _, body = raise_request(api_as(requester), asset)
    api = api_as(planner)
    status, error = api.post(f"/work-requests/{body['id']}/reject", {"reason": ""})
    assert status == 422 and error["error"]["code"] == "validation_failed"
    status, rejected = api.post(f"/work-requests/{body['id']}/reject", {"reason": "Operating as designed"})
    assert status == 200 and rejected["status"] == "rejected"
    _, seen = api_as(requester).get(f"/work-requests/{body['id']}")
    assert seen["rejection_reason"] == "Operating as designed"
    assert seen["triaged_by"]["username"] == planner.username


def test_mark_duplicate_links_to_an_open_wo_only(api_as, requester, planner, asset):
    wo = factories.WorkOrderFactory(asset=asset, status="in_progress")
    closed = factories.WorkOrderFactory(asset=asset, status="closed")
    _, body = raise_request(api_as(requester), asset)
    api = api_as(planner)
    status, error = api.post(f"/work-requests/{body['id']}/mark-duplicate", {"work_order": closed.pk})
    assert status == 409 and error["error"]["code"] == "work_order_not_open"
    status, dup = api.post(f"/work-requests/{body['id']}/mark-duplicate", {"work_order": wo.pk})
    assert status == 200 and dup["status"] == "duplicate" and dup["work_order"] == wo.pk


def test_requester_cannot_triage(api_as, requester, asset):
    api = api_as(requester)
    _, body = raise_request(api, asset)
    status, error = api.post(f"/work-requests/{body['id']}/approve", {})
    assert status == 403 and error["error"]["code"] == "forbidden"
    assert WorkRequest.objects.get().status == "new"


def test_other_sites_records_do_not_exist_for_outsiders(api_as, outsider, requester, asset):
    _, body = raise_request(api_as(requester), asset)
    api = api_as(outsider)
    status, error = api.get(f"/work-requests/{body['id']}")
    assert status == 404 and error["error"]["code"] == "not_found"
    status, error = raise_request(api, asset)
    assert status == 422 and error["error"]["details"]["field"] == "asset"
    assert api.post(f"/work-requests/{body['id']}/approve", {})[0] == 404
    _, listing = api.get("/work-requests")
    assert listing == {"items": [], "count": 0}


@pytest.mark.parametrize(
    ("payload", "location"),
    [
        ({"asset": "1", "title": "x"}, "body.payload.asset"),
        ({"asset": True, "title": "x"}, "body.payload.asset"),
        ({"asset": 1, "title": 5}, "body.payload.title"),
        ({"asset": 1, "title": "x" * 10_240}, "body.payload.title"),
        ({"asset": 1, "title": "   "}, "body.payload.title"),
        ({"asset": 1, "title": "x", "priority": "whenever"}, "body.payload.priority"),
        ({"asset": 1, "title": "x", "sneaky": 1}, "body.payload.sneaky"),
        ({"asset": -4, "title": "x"}, "body.payload.asset"),
    ],
)
def test_bad_request_bodies_are_422_with_the_field(api_as, requester, payload, location):
    status, error = api_as(requester).post("/work-requests", payload)
    assert status == 422
    assert error["error"]["code"] == "validation_failed"
    assert location in [e["location"] for e in error["error"]["details"]["errors"]]
    assert not WorkRequest.objects.exists()


def test_unknown_asset_is_422_and_writes_nothing(api_as, requester):
    status, error = api_as(requester).post("/work-requests", {"asset": 999999, "title": "x"})
    assert status == 422 and error["error"]["details"] == {"field": "asset", "asset": 999999}
    assert not WorkRequest.objects.exists()


def test_malformed_json_is_400(api_as, requester):
    status, error = api_as(requester).post("/work-requests", raw='{"asset": 1, "title": ')
    assert status == 400
    assert error["error"]["code"] == "malformed_json" and error["error"]["details"] == {"reason": "syntax"}


@pytest.mark.parametrize(
    "down_since",
    ["yesterday", "2026-01-01T10:00:00", "0001-01-01T00:00:00+00:00", "9999-12-31T00:00:00Z", 1700000000, False],
)
def test_absurd_or_naive_times_are_refused(api_as, planner, asset, down_since):
    status, error = api_as(planner).post(
        "/work-orders", {"asset": asset.pk, "type": "emergency", "title": "Stopped", "down_since": down_since}
    )
    assert status == 422, error
    assert not WorkOrder.objects.exists()


def test_future_restore_time_is_refused(api_as, planner, asset):
    future = (timezone.now() + timedelta(days=3)).isoformat()
    status, error = api_as(planner).post(
        "/work-orders", {"asset": asset.pk, "type": "corrective", "title": "x", "restored_at": future}
    )
    assert status == 422 and error["error"]["details"]["field"] == "restored_at"


def test_illegal_transition_is_409_with_allowed_moves(api_as, planner, asset):
    api = api_as(planner)
    _, wo = api.post("/work-orders", {"asset": asset.pk, "type": "preventive", "title": "Grease bearings"})
    status, error = api.post(f"/work-orders/{wo['id']}/transition", {"to": "closed"})
    assert status == 409
    assert error["error"] == {
        "code": "invalid_transition",
        "message": f"{wo['number']} cannot go from Draft to Closed.",
        "details": {"from": "draft", "to": "closed", "allowed": ["approved", "cancelled"]},
    }
    status, error = api.post(f"/work-orders/{wo['id']}/transition", {"to": "finished"})
    assert status == 422


def test_create_and_patch_work_order_fields(api_as, planner, technician, asset):
    api = api_as(planner)
    down = (timezone.now() - timedelta(hours=5)).replace(microsecond=0)
    status, wo = api.post(
        "/work-orders",
        {
            "asset": asset.pk,
            "type": "emergency",
            "title": "Pump seized",
            "priority": "urgent",
            "down_since": down.isoformat(),
            "due_date": "2026-12-01",
            "failure": {"problem": "BRD"},
        },
    )
    assert status == 201
    assert wo["is_failure"] is True and wo["failure"] == {"problem": "BRD", "cause": None, "remedy": None}
    assert wo["due_date"] == "2026-12-01"

    status, wo = api_as(technician).patch(
        f"/work-orders/{wo['id']}",
        {"failure": {"cause": "WEA", "remedy": "REP"}, "restored_at": (down + timedelta(hours=2)).isoformat()},
    )
    assert status == 200
    assert wo["failure"] == {"problem": "BRD", "cause": "WEA", "remedy": "REP"}

    status, _ = api_as(technician).patch(f"/work-orders/{wo['id']}", {"title": "Renamed"})
    assert status == 403
    status, _error = api.patch(f"/work-orders/{wo['id']}", {"title": None})
    assert status == 422


def test_work_order_filters(api_as, planner, asset, site):
    other_asset = factories.AssetFactory(site=site)
    factories.WorkOrderFactory(asset=asset, status="approved", type="preventive")
    factories.WorkOrderFactory(asset=asset, status="closed")
    factories.WorkOrderFactory(asset=other_asset, status="approved")
    api = api_as(planner)
    assert api.get("/work-orders", status="approved")[1]["count"] == 2
    assert api.get("/work-orders", asset=asset.pk)[1]["count"] == 2
    assert api.get("/work-orders", type="preventive")[1]["count"] == 1
    assert api.get("/work-orders", site=site.pk, limit=1)[1]["count"] == 3
    assert len(api.get("/work-orders", site=site.pk, limit=1)[1]["items"]) == 1
    future = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert api.get("/work-orders", updated_since=future)[1]["count"] == 0
    assert api.get("/work-orders", limit=0)[0] == 422
    assert api.get("/work-orders", status="bogus")[0] == 422


def test_work_order_list_query_count_does_not_grow_with_page_size(
    api_as, planner, technician, asset, django_assert_max_num_queries
):
    for _ in range(40):
        wo = factories.WorkOrderFactory(asset=asset, problem_code=factories.failure_code("problem", "VIB"))
        wo.assigned_to.add(technician)
    api = api_as(planner)
    api.get("/work-orders", limit=1)  # warm the token's last-used write
    with django_assert_max_num_queries(6):
        status, body = api.get("/work-orders", limit=40)
    assert status == 200 and len(body["items"]) == 40
    assert body["items"][0]["assigned_to"][0]["id"] == technician.pk
