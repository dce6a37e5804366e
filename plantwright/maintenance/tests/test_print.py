"""The printable WO: everything a technician needs on paper, for those who may see it."""

from decimal import Decimal

import pytest

from plantwright.inventory.models import StockReservation
from plantwright.maintenance.models import WorkOrderCheck, WorkOrderTask
from plantwright.testing import factories

pytestmark = pytest.mark.django_db


def test_the_printed_wo_has_tasks_checklist_parts_safety_and_signature_lines(
    as_user, planner, outsider, asset, site, django_assert_max_num_queries
):
    work_order = factories.WorkOrderFactory(
        asset=asset, status="approved", title="Replace pump seal", description="Safety: isolate and lock out P-101."
    )
    WorkOrderTask.objects.create(work_order=work_order, description="Drain the casing", estimated_hours=Decimal(1))
    WorkOrderCheck.objects.create(work_order=work_order, text="Vibration", kind="value", upper_limit=4, unit="mm/s")
    bearing, room = factories.part("BRG-6205", "Ball bearing 6205"), factories.storeroom(site)
    StockReservation.objects.create(work_order=work_order, part=bearing, storeroom=room, quantity=2)
    client = as_user(planner)
    with django_assert_max_num_queries(16):
        page = client.get(f"/work-orders/{work_order.pk}/print/")
    html = page.content.decode()
    assert page.status_code == 200 and "print-0.1" in html and "<nav" not in html
    for text in ("Replace pump seal", "isolate and lock out", "Drain the casing", "Vibration", "mm/s",
                 "BRG-6205", "reserved, to collect", "Supervisor", "Technician", asset.code):  # fmt: skip
        assert text in html, text
    detail = client.get(f"/work-orders/{work_order.pk}/").content.decode()
    assert f'href="/work-orders/{work_order.pk}/print/"' in detail
    assert as_user(outsider).get(f"/work-orders/{work_order.pk}/print/").status_code == 404
