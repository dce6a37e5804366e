from plantwright.downtime.models import DowntimeEvent
from plantwright.downtime.tests.test_services import event


def test_post_one_event_and_a_batch(api_as, oee, rules, asset):
    client = api_as(oee)
    status, body = client.post("/downtime-events", event("api-1", 0, 30))
    assert status == 200 and body["status"] == "applied" and body["work_order"].startswith("WO-")
    status, body = client.post("/downtime-events", [event("api-2", 60, 61, "minor_stop"), event("api-1", 0, 30)])
    assert status == 200
    assert [(r["status"], r["replayed"]) for r in body["results"]] == [("applied", False), ("applied", True)]
    status, body = client.post("/downtime-events", {"events": [event("api-3", 90, 91, "minor_stop")]})
    assert status == 200 and [r["event_id"] for r in body["results"]] == ["api-3"]  # the wrapper of the schema
    status, body = client.post("/downtime-events", {"events": []})
    assert status == 422 and body["error"]["code"] == "batch_size"
    status, body = client.post("/downtime-events", [event(f"many-{n}", n, n + 1) for n in range(1001)])
    assert status == 422 and body["error"]["details"]["max"] == 1000


def test_refusals_answer_4xx_with_the_error_body(api_as, oee, planner, rules, asset):
    client = api_as(oee)
    status, body = client.post("/downtime-events", event("bad", 10, 5))
    assert status == 422 and body["error"]["code"] == "ended_before_started"
    assert body["error"]["details"]["event"]["status"] == "rejected"
    status, body = client.post("/downtime-events", raw="{oops")
    assert status == 400 and body["error"]["code"] == "malformed_json"
    status, body = client.post("/downtime-events", [event("ok", 0, 30), event("bad2", 0, 30, machine="nope")])
    assert status == 422 and body["error"]["code"] == "events_rejected"
    assert [r["status"] for r in body["error"]["details"]["results"]] == ["applied", "rejected"]
    status, body = api_as(planner).post("/downtime-events", event("p-1", 0, 30))
    assert status == 403  # a planner's token is not the OEE platform's
    status, _ = api_as(None).post("/downtime-events", event("anon", 0, 30))
    assert status == 401
    # bad, bad2; not p-1 (a planner sends no downtime: nothing of theirs is kept), not the malformed body
    assert DowntimeEvent.objects.filter(status="rejected").count() == 2


def test_stops_are_listed_per_site(api_as, oee, planner, outsider, rules, asset):
    api_as(oee).post("/downtime-events", event("api-1", 0, 30))
    status, body = api_as(planner).get("/downtime-stops")
    assert status == 200 and body["count"] == 1 and body["items"][0]["work_order"].startswith("WO-")
    status, body = api_as(outsider).get("/downtime-stops")
    assert body["count"] == 0


def test_events_are_listed_with_their_reasons_and_found_by_event_id(api_as, oee, manager, planner, rules, asset):
    client = api_as(oee)
    client.post("/downtime-events", event("ok-1", 0, 30))
    client.post("/downtime-events", event("bad-1", 10, 5))
    status, body = api_as(manager).get("/downtime-events?status=rejected")
    assert status == 200 and [e["event_id"] for e in body["items"]] == ["bad-1"]
    assert body["items"][0]["error"]["code"] == "ended_before_started"
    status, body = api_as(manager).get("/downtime-events?event_id=ok-1")
    (found,) = body["items"]
    assert found["status"] == "applied" and found["stop"] is not None and found["error"] == {}
    assert api_as(planner).get("/downtime-events")[1]["count"] == 0  # the rules' keepers see them, not planners
    assert api_as(manager).get("/downtime-events?status=nope")[0] == 422
