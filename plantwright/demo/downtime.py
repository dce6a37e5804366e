"""The demo's downtime: the site's rules and a few weeks of stops from the OEE side."""

import random
from datetime import timedelta

from plantwright.accounts.models import Site, User
from plantwright.assets.models import Asset


def build_downtime(site: Site, oee: User, rng: random.Random, now) -> None:
    """The usual rules, and two weeks of stops from the OEE platform (some opened WOs)."""
    from plantwright.downtime.models import DowntimeRule
    from plantwright.downtime.services import ingest

    DowntimeRule.objects.create(
        site=site,
        position=10,
        name="Planned, changeover, starved, blocked",
        action="ignore",
        categories=["planned_stop", "changeover", "starved", "blocked"],
    )
    DowntimeRule.objects.create(
        site=site,
        position=20,
        name="Breakdown of 5 min or more",
        action="open_wo",
        categories=["breakdown"],
        min_duration_minutes=5,
        work_order_type="emergency",
        priority="high",
        is_failure=True,
    )
    DowntimeRule.objects.create(
        site=site,
        position=30,
        name="3 minor stops in 8 h",
        action="repeated",
        categories=["minor_stop"],
        repeat_count=3,
        repeat_window_hours=8,
        work_order_type="inspection",
        priority="medium",
        is_failure=False,
    )
    machines = list(Asset.objects.filter(site=site, parent__isnull=True, oee_machine_id__isnull=False).order_by("code"))
    events = []
    for n in range(40):
        machine = rng.choice(machines[:6])
        start = now - timedelta(days=14) + timedelta(minutes=rng.randint(0, 14 * 24 * 60))
        category = rng.choices(["minor_stop", "planned_stop", "changeover", "breakdown", "starved"], [6, 2, 2, 1, 2])[0]
        minutes = {"minor_stop": rng.randint(0, 4), "breakdown": rng.randint(3, 180)}.get(category, rng.randint(10, 90))
        events.append(
            {
                "event_id": f"demo-{site.code}-{n}",
                "machine_id": machine.oee_machine_id,
                "category": category,
                "started_at": start.isoformat(),
                "ended_at": (start + timedelta(minutes=minutes)).isoformat(),
                "reason_code": {"breakdown": rng.choice(["MOTOR", "JAM", "SENSOR"]), "minor_stop": "JAM"}.get(
                    category, ""
                ),
            }
        )
    events.sort(key=lambda e: e["started_at"])
    ingest(oee, events, source="demo", now=now)
