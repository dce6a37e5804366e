from decimal import Decimal

import pytest

from plantwright.erp import services as erp_services
from plantwright.erp.models import WebhookEndpoint
from plantwright.procurement import services
from plantwright.procurement.models import ProcurementSettings
from plantwright.testing import factories
from plantwright.testing.processes import FakeErp

SECRET = "whsec_test_secret_for_the_fake_erp"


@pytest.fixture
def admin(site):
    return factories.UserFactory(username="admin-north", is_superuser=True)


@pytest.fixture
def work_order(asset, planner):
    return factories.WorkOrderFactory(asset=asset, status="in_progress", created_by=planner)


@pytest.fixture
def fake_erp():
    erp = FakeErp(SECRET).start()
    yield erp
    erp.stop()


@pytest.fixture
def webhook_site(site, admin, fake_erp):
    erp_services.configure_site(admin, site, connector="webhook", webhook_url=fake_erp.url, timeout_seconds=1)
    WebhookEndpoint.objects.filter(site=site).update(secret=SECRET)
    return site


@pytest.fixture
def submit(planner, work_order):
    def _submit(lines=None):
        part = factories.part("SEAL-40", "Shaft seal 40 mm")
        request = services.create_parts_request(
            planner,
            work_order,
            lines=lines
            or [
                {"part": part.pk, "quantity": Decimal(2), "estimated_unit_cost": Decimal("30.00")},
                {
                    "kind": "service",
                    "description": "Gearbox overhaul",
                    "quantity": Decimal(1),
                    "estimated_unit_cost": Decimal(1200),
                },
            ],
        )
        return services.submit_parts_request(planner, request)

    return _submit


def settings_of(site) -> ProcurementSettings:
    return ProcurementSettings.objects.get(site=site)
