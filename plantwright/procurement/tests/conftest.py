"""Fixtures for the procurement flow: a WO, a submitted request with a part and a service line,
and a helper that sends ERP events the way a connector would."""

from decimal import Decimal

import pytest

from plantwright.accounts.roles import Role
from plantwright.procurement import services
from plantwright.procurement.events import ingest_one
from plantwright.testing import factories


@pytest.fixture
def purchaser(site):
    return factories.UserFactory(username=f"purchasing-{site.code}", roles=[(site, Role.PURCHASING)])


@pytest.fixture
def work_order(asset, planner):
    return factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)


@pytest.fixture
def bearing():
    return factories.part("BRG-6205", "Ball bearing 6205")


@pytest.fixture
def submitted(planner, work_order, bearing):
    """PR with line 1: 4 bearings at 12.50 est.; line 2: a contractor service, 1 job at 800 est."""
    request = services.create_parts_request(
        planner,
        work_order,
        lines=[
            {"part": bearing.pk, "quantity": Decimal(4), "estimated_unit_cost": Decimal("12.50")},
            {
                "kind": "service",
                "description": "Laser alignment",
                "quantity": Decimal(1),
                "estimated_unit_cost": Decimal(800),
            },
        ],
    )
    return services.submit_parts_request(planner, request)


@pytest.fixture
def send(site):
    """send(event) -> the InboundResult, as the API's connector source would."""

    def _send(event, source="api:north"):
        return ingest_one(site, source, event)

    return _send
