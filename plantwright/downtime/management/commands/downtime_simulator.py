"""Play the OEE platform: publish machine stops to MQTT so WOs appear live.

    python -m plantwright downtime_simulator --site ist [--interval 2] [--count 20]

Each stop is published as a start event and, a moment later, its end event, on
`<prefix>/<site>/downtime/<machine_id>`. Mostly minor stops, now and then a breakdown long enough to
open an emergency WO (with the demo rules).
"""

import json
import random
import time
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from plantwright.accounts.models import Site
from plantwright.assets.models import Asset
from plantwright.downtime import mqtt
from plantwright.downtime.models import Category


class Command(BaseCommand):
    help = "Publish simulated downtime events to the MQTT broker."

    def add_arguments(self, parser):
        parser.add_argument("--site", required=True, help="Site code")
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between stops")
        parser.add_argument("--count", type=int, default=0, help="How many stops (0: until stopped)")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, site: str, interval: float, count: int, seed: int | None, **options):
        target = Site.objects.filter(code=site).first()
        if target is None:
            raise CommandError(f"No site {site!r}.")
        machines = list(Asset.objects.filter(site=target, oee_machine_id__isnull=False).order_by("code"))
        if not machines:
            raise CommandError(f"No asset at {site} has an OEE machine id.")
        rng = random.Random(seed)
        client = mqtt.new_client(f"plantwright-sim-{uuid.uuid4().hex[:8]}")
        mqtt.connect(client, persistent=False)
        client.loop_start()
        sent = 0
        try:
            while count == 0 or sent < count:
                machine = rng.choice(machines)
                category = rng.choices([Category.MINOR_STOP, Category.BREAKDOWN, Category.CHANGEOVER], [8, 1, 1])[0]
                minutes = rng.randint(6, 90) if category == Category.BREAKDOWN else rng.randint(0, 4)
                started = timezone.now() - timedelta(minutes=minutes)
                topic = mqtt.downtime_topic(site, machine.oee_machine_id)
                base = {
                    "machine_id": machine.oee_machine_id,
                    "category": category,
                    "started_at": started.isoformat(),
                    "reason_code": "SIM",
                }
                stop_id = uuid.uuid4().hex[:12]
                for suffix, extra in (("s", {}), ("e", {"ended_at": timezone.now().isoformat()})):
                    body = json.dumps({**base, **extra, "event_id": f"sim-{stop_id}-{suffix}"}).encode()
                    client.publish(topic, body, qos=1).wait_for_publish(timeout=10)
                sent += 1
                self.stdout.write(f"{machine.code}: {category} of {minutes} min")
                time.sleep(interval)
        except KeyboardInterrupt:
            pass
        finally:
            client.loop_stop()
            client.disconnect()
