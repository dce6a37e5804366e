import pytest

from plantwright.accounts.roles import Role
from plantwright.downtime.models import DowntimeRule
from plantwright.testing import factories


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
