"""The first hour with an OEE platform over MQTT, step by step as docs/first-hour/oee-mqtt.md says:
from a fresh `make run` to a machine stop that opens a WO, its status coming back on MQTT, and the
first hours booked on it. It plays the OEE platform with paho-mqtt (any MQTT 3.1.1/5 client will do).

usage: python clients/first_hour/oee_mqtt.py --url http://127.0.0.1:8000 --token pw_... [--site ist]
       [--broker 127.0.0.1:1883] [--prefix plantwright]
"""

import argparse
import json
import queue
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import paho.mqtt.client as mqtt
from plantwright_api import Plantwright, say, wait_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="an API token of the site's administrator")
    parser.add_argument("--site", default="ist", help="the site's code")
    parser.add_argument("--broker", default="127.0.0.1:1883")
    parser.add_argument("--prefix", default="plantwright", help="MQTT_TOPIC_PREFIX of the installation")
    parser.add_argument("--ingest-user", default="oee", help="DOWNTIME_INGEST_USER of the installation")
    arguments = parser.parse_args()
    api = Plantwright(arguments.url, arguments.token)
    run = uuid.uuid4().hex[:6]

    say("1. Find the site, and the account the MQTT ingest acts as")
    site = next(s for s in api.get("/sites")["items"] if s["code"] == arguments.site)
    people = api.get("/users?site={site}&limit=100", site=site["id"])["items"]
    ingest = next(p for p in people if p["username"] == arguments.ingest_user)
    assert any(r["role"] == "integration" and r["site"] == site["id"] for r in ingest["roles"]), ingest

    say("2. Give a machine its OEE id")
    machine = f"line3-filler-{run}"
    asset = api.get("/assets?site={site}&limit=1", site=site["id"])["items"][0]
    api.patch("/assets/{asset}", {"external_ids": {"oee_machine_id": machine}}, asset=asset["id"])

    say("3. A rule: a breakdown of 5 minutes or more opens an emergency WO")
    rule = {"site": site["id"], "name": "Breakdowns of 5 min or more", "position": 1, "action": "open_wo",
            "categories": ["breakdown"], "min_duration_minutes": 5}  # fmt: skip
    api.post("/downtime-rules", rule)

    say("4. Listen to WO status, as the OEE platform does")
    host, port = arguments.broker.split(":")
    statuses: queue.Queue = queue.Queue()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"first-hour-oee-{run}")
    # A retained message is the last status of some earlier WO: only new ones are news.
    client.on_message = lambda _c, _u, message: message.retain or statuses.put(json.loads(message.payload))
    client.connect(host, int(port))
    client.subscribe(f"{arguments.prefix}/{site['code']}/work-orders/+/status", qos=1)
    client.loop_start()

    say(f"5. Publish a 12-minute breakdown of {machine}")
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    stop = {"event_id": f"first-hour-{run}", "machine_id": machine, "category": "breakdown", "reason_code": "E12",
            "started_at": started.isoformat(), "ended_at": (started + timedelta(minutes=12)).isoformat(),
            "text": "Filler jammed"}  # fmt: skip
    client.publish(f"{arguments.prefix}/{site['code']}/downtime/{machine}", json.dumps(stop), qos=1).wait_for_publish()

    say("6. The WO it opened comes back on MQTT; find it and the stop")
    opened = wait_for("the WO's status on MQTT", lambda: _first(statuses, lambda m: m["machine_id"] == machine))
    event = api.get("/downtime-events?event_id={event}", event=stop["event_id"])["items"][0]
    assert event["status"] == "applied" and event["stop"], event
    work_orders = api.get("/work-orders?asset={asset}", asset=asset["id"])["items"]
    work_order = next(wo for wo in work_orders if wo["number"] == opened["work_order"])

    say(f"7. The technician takes {work_order['number']}: approved, then in progress (each heard on MQTT)")
    for status in ("approved", "in_progress"):
        api.post("/work-orders/{wo}/transition", {"to": status}, wo=work_order["id"])
        heard = wait_for(
            f"{status} on MQTT", lambda: _first(statuses, lambda m: m["work_order"] == work_order["number"])
        )
        assert heard["status"] == status, heard

    say("8. An hour and a half at the technician's rate: the first cost on the WO")
    me = api.get("/me")
    api.post("/labor-rates", {"site": site["id"], "technician": me["id"], "hourly_rate": "45.00",
                              "effective_from": "2000-01-01"})  # fmt: skip
    booking = {"technician": me["id"], "hours": "1.5", "work_date": datetime.now(UTC).date().isoformat()}
    api.post("/work-orders/{wo}/labor", booking, wo=work_order["id"])
    cost = api.get("/work-orders/{wo}/cost", wo=work_order["id"])
    assert Decimal(cost["labor"]) == Decimal("67.5"), cost
    client.loop_stop()
    client.disconnect()
    say(f"Done: a stop of {machine} opened {work_order['number']}; labor {cost['labor']} {site['currency']}.")


def _first(messages: queue.Queue, wanted):
    """The next message that is `wanted` (others are dropped: another WO's status, a retained one)."""
    while True:
        try:
            message = messages.get_nowait()
        except queue.Empty:
            return None
        if wanted(message):
            return message


if __name__ == "__main__":
    main()
