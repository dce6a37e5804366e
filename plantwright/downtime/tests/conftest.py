import os
import uuid

import pytest

from plantwright.accounts.roles import Role
from plantwright.downtime.models import DowntimeRule
from plantwright.testing import factories
from plantwright.testing.processes import broker_reachable


@pytest.fixture
def broker():
    """The real Mosquitto at 127.0.0.1:1883 (a skip locally without it, a failure under CI=true)."""
    if not broker_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Mosquitto at 127.0.0.1:1883 is not reachable (under CI=true that is a failure).")
        pytest.skip("Mosquitto at 127.0.0.1:1883 is not running (see README: start it to run MQTT tests).")


@pytest.fixture
def prefix(settings):
    """A topic prefix of this test's own on the shared broker."""
    settings.MQTT_TOPIC_PREFIX = f"pwtest-{uuid.uuid4().hex[:10]}"
    return settings.MQTT_TOPIC_PREFIX


@pytest.fixture
def oee(site):
    """The OEE platform's integration account at `site`."""
    return factories.UserFactory(username="oee", roles=[(site, Role.INTEGRATION)])


@pytest.fixture
def rules(site):
    """Breakdowns of 5 min or more open an emergency WO; 3 minor stops in 8 h an inspection; planned and
    changeover stops are ignored."""
    return [
        DowntimeRule.objects.create(
            site=site,
            position=10,
            name="planned",
            action="ignore",
            categories=["planned_stop", "changeover", "starved", "blocked"],
        ),
        DowntimeRule.objects.create(
            site=site,
            position=20,
            name="breakdown",
            action="open_wo",
            categories=["breakdown"],
            min_duration_minutes=5,
            work_order_type="emergency",
            priority="high",
            is_failure=True,
        ),
        DowntimeRule.objects.create(
            site=site,
            position=30,
            name="minor stops",
            action="repeated",
            categories=["minor_stop"],
            repeat_count=3,
            repeat_window_hours=8,
            work_order_type="inspection",
            priority="medium",
            is_failure=False,
        ),
    ]
