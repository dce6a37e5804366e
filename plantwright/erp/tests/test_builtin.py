"""The builtin connector: buyers make POs from the queue; receipts and invoices reach the WO as events."""

import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from plantwright.accounts.roles import Role
from plantwright.core.errors import Conflict, PermissionDenied, ValidationFailed
from plantwright.core.formatting import plain
from plantwright.erp import builtin
from plantwright.erp import services as erp_services
from plantwright.maintenance.models import CostLine
from plantwright.outbox import services as outbox
from plantwright.procurement import selectors
from plantwright.procurement.models import ErpEvent, PurchaseOrder
from plantwright.testing import factories


@pytest.fixture
def buyer(site):
    return factories.UserFactory(username="buyer", roles=[(site, Role.PURCHASING)])


@pytest.fixture
def acme():
    return factories.vendor("ACME", "Acme Industrial", is_contractor=False)


def _ledger(work_order):
    return CostLine.objects.filter(work_order=work_order).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def test_submitted_lines_wait_in_the_queue_after_delivery(submit, site):
    request = submit()
    assert outbox.run_once() == 1  # the builtin connector just queues it
    assert list(builtin.queued_lines({site.pk}).values_list("request_id", flat=True)) == [request.pk, request.pk]


def test_buyer_orders_receives_and_invoices_and_the_wo_gets_the_cost(submit, buyer, acme, site, work_order):
    request = submit()
    lines = list(request.lines.order_by("line_no"))
    po = builtin.create_purchase_order(buyer, site, vendor=acme, request_line_ids=[line.pk for line in lines])
    assert po.status == "draft" and not builtin.queued_lines({site.pk}).exists()
    assert selectors.work_order_committed(work_order) == Decimal("1260.0000")  # still the estimate: not sent

    builtin.update_draft_line(buyer, po.lines.get(line_number=10), quantity=Decimal(2), unit_price=Decimal("27.50"))
    po = builtin.send_purchase_order(buyer, po)
    assert po.status == "open"
    assert ErpEvent.objects.get().source == f"builtin:{site.code}"
    assert selectors.work_order_committed(work_order) == Decimal("1255.0000")  # 2 × 27.50 + 1200
    assert "27.50" in builtin.purchase_order_text(po)

    builtin.receive(buyer, po, [builtin.DocumentLine(10, Decimal(2)), builtin.DocumentLine(20, Decimal(1))])
    assert _ledger(work_order) == Decimal("1255.0000")
    builtin.enter_invoice(
        buyer,
        po,
        [builtin.DocumentLine(10, Decimal(2), Decimal("56.00")), builtin.DocumentLine(20, Decimal(1), Decimal(1180))],
        invoice_number="V-1001",
    )
    assert _ledger(work_order) == Decimal("1236.0000")
    assert selectors.work_order_committed(work_order) == 0
    po.refresh_from_db()
    assert po.status == "closed"


def test_over_receipt_is_refused_with_the_reason(submit, buyer, acme, site):
    request = submit()
    po = builtin.create_purchase_order(buyer, site, vendor=acme, request_line_ids=[request.lines.first().pk])
    builtin.send_purchase_order(buyer, po)
    with pytest.raises(ValidationFailed) as caught:
        builtin.receive(buyer, po, [builtin.DocumentLine(10, Decimal(5))])
    assert caught.value.code == "over_received"


def test_discarding_a_draft_puts_the_lines_back_in_the_queue(submit, buyer, acme, site):
    request = submit()
    po = builtin.create_purchase_order(buyer, site, vendor=acme, request_line_ids=[request.lines.first().pk])
    builtin.cancel_purchase_order(buyer, po)
    assert builtin.queued_lines({site.pk}).count() == 2
    with pytest.raises(Conflict):
        builtin.send_purchase_order(buyer, po)


def test_only_purchasing_makes_pos_and_only_on_builtin_sites(submit, planner, buyer, admin, acme, site):
    request = submit()
    with pytest.raises(PermissionDenied):
        builtin.create_purchase_order(planner, site, vendor=acme, request_line_ids=[request.lines.first().pk])
    erp_services.configure_site(admin, site, connector="webhook", webhook_url="https://erp.example.com/in")
    with pytest.raises(Conflict):
        builtin.create_purchase_order(buyer, site, vendor=acme, request_line_ids=[request.lines.first().pk])


def test_purchasing_pages_work_for_a_buyer(
    as_user, submit, buyer, acme, site, work_order, django_assert_max_num_queries
):
    request = submit()
    client = as_user(buyer)
    for _ in range(2):
        submit()
    with django_assert_max_num_queries(12):
        response = client.get(reverse("purchasing-queue"))
    assert response.status_code == 200 and request.number in response.content.decode()
    line_ids = [str(line.pk) for line in request.lines.all()]
    response = client.post(
        reverse("purchase-order-create", args=[site.pk]), {"vendor": acme.pk, "request_lines": line_ids}
    )
    po = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response.url == reverse("purchase-order-detail", args=[po.pk])
    client.post(reverse("purchase-order-send", args=[po.pk]))
    client.post(reverse("purchase-order-receive", args=[po.pk]), {"quantity_10": "2", "quantity_20": "1"})
    client.post(
        reverse("purchase-order-invoice", args=[po.pk]),
        {"invoice_number": "A-7", "quantity_10": "2", "amount_10": "61", "quantity_20": "1", "amount_20": "1200"},
    )
    assert _ledger(work_order) == Decimal("1261.0000")
    with django_assert_max_num_queries(15):
        page = client.get(reverse("purchase-order-detail", args=[po.pk])).content.decode()
    assert "A-7" in page and work_order.number in page


def test_receipt_and_invoice_start_at_what_is_still_open(as_user, submit, buyer, acme, site):
    request = submit()
    po = builtin.create_purchase_order(
        buyer, site, vendor=acme, request_line_ids=[line.pk for line in request.lines.all()]
    )
    builtin.send_purchase_order(buyer, po)
    lines = {line.line_number: line for line in po.lines.all()}
    url = reverse("purchase-order-detail", args=[po.pk])

    def values(page: str, name: str) -> list[str]:
        return re.findall(rf'name="{name}" type="number" step="any" value="([^"]*)"', page)

    page = as_user(buyer).get(url).content.decode()
    assert values(page, "quantity_10")[0] == plain(lines[10].quantity)  # the full delivery, one tap
    builtin.receive(buyer, po, [builtin.DocumentLine(10, Decimal(1))], receipt_number="GR-1")
    page = as_user(buyer).get(url).content.decode()
    assert values(page, "quantity_10") == [plain(lines[10].quantity - 1), "1"]  # receipt: the rest; invoice: what came
    assert values(page, "amount_10") == [plain((lines[10].unit_price * 1).quantize(Decimal("0.01")))]
    # A line with nothing received (a service paid by invoice alone) invoices what was ordered.
    assert values(page, "quantity_20")[1] == plain(lines[20].quantity)


def test_the_wo_page_shows_requests_pos_and_the_trail(as_user, submit, buyer, planner, acme, site, work_order):
    request = submit()
    po = builtin.create_purchase_order(buyer, site, vendor=acme, request_line_ids=[request.lines.first().pk])
    builtin.send_purchase_order(buyer, po)
    builtin.receive(buyer, po, [builtin.DocumentLine(10, Decimal(1))], receipt_number="GR-55")
    page = as_user(planner).get(reverse("work-order-detail", args=[work_order.pk])).content.decode()
    assert request.number in page and po.po_number in page and "GR-55" in page
    assert 'id="committed-total">1230.00<' in page  # 1 seal still owed at 30 + the 1200 service estimate


def test_raising_a_request_from_the_wo_page(as_user, planner, work_order):
    from plantwright.procurement.models import PartsRequest

    client = as_user(planner)
    url = reverse("parts-request-new", args=[work_order.pk])
    assert client.get(url).status_code == 200
    data = {
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
        "lines-0-kind": "part",
        "lines-0-description": "Hydraulic hose 1/2in",
        "lines-0-quantity": "2",
        "lines-0-unit": "m",
        "lines-0-estimated_unit_cost": "14",
        "lines-1-kind": "part",
        "lines-1-description": "Second thoughts",
        "lines-1-quantity": "1",
        "lines-1-DELETE": "on",  # "Remove this line"
        "lines-2-kind": "part",
        "submit": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    request = PartsRequest.objects.get()
    assert request.status == "submitted" and list(request.lines.values_list("description", flat=True)) == [
        "Hydraulic hose 1/2in"
    ]


def test_outbox_page_for_admins_only(as_user, admin, planner, submit):
    submit()
    assert as_user(admin).get(reverse("outbox")).status_code == 200
    assert as_user(planner).get(reverse("outbox")).status_code == 403


def test_requests_over_the_threshold_wait_for_a_manager_on_the_queue(as_user, submit, manager, site):
    from plantwright.procurement.models import ProcurementSettings

    ProcurementSettings.objects.update_or_create(site=site, defaults={"approval_threshold": Decimal(100)})
    request = submit()
    assert request.status == "pending_approval"
    page = as_user(manager).get(reverse("purchasing-queue")).content.decode()
    assert 'id="awaiting-approval"' in page and request.number in page


def test_inbound_events_page_is_for_administrators(as_user, admin, planner):
    assert as_user(admin).get(reverse("erp-events")).status_code == 200
    assert as_user(planner).get(reverse("erp-events")).status_code == 403


def test_wo_page_query_count_does_not_grow_with_requests_and_pos(
    as_user, submit, buyer, planner, acme, site, work_order, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def order_one():
        request = submit()
        po = builtin.create_purchase_order(
            buyer, site, vendor=acme, request_line_ids=[line.pk for line in request.lines.all()]
        )
        builtin.send_purchase_order(buyer, po)
        builtin.receive(buyer, po, [builtin.DocumentLine(10, Decimal(1))])

    order_one()
    client = as_user(planner)
    url = reverse("work-order-detail", args=[work_order.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        order_one()
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("PR-") >= 5


def test_the_wo_page_shows_money_without_hours_and_hours_without_money(
    as_user, submit, buyer, planner, technician, site, work_order
):
    from plantwright.maintenance.services import log_contractor_hours

    request = submit()
    service = request.lines.get(line_no=2)
    atlas = factories.vendor("ATLAS", "Atlas Services")
    po = builtin.create_purchase_order(buyer, site, vendor=atlas, request_line_ids=[service.pk])
    builtin.send_purchase_order(buyer, po)
    builtin.receive(buyer, po, [builtin.DocumentLine(10, Decimal(1))])
    page = as_user(planner).get(reverse("work-order-detail", args=[work_order.pk])).content.decode()
    assert "no contractor hours logged on this PO line" in page  # money, no hours
    log_contractor_hours(
        planner,
        work_order,
        vendor_id=atlas.pk,
        person="A. Fitter",
        hours=Decimal(5),
        work_date=site.local_date(),
        po_number=po.po_number,
        po_line=10,
    )
    log_contractor_hours(
        planner,
        work_order,
        vendor_id=atlas.pk,
        person="B. Fitter",
        hours=Decimal(2),
        work_date=site.local_date(),
        po_number="4599999",
        po_line=1,
    )
    page = as_user(planner).get(reverse("work-order-detail", args=[work_order.pk])).content.decode()
    assert "5.00 contractor h logged" in page
    assert "from invoice" in page  # hours on a PO: their money comes with the invoice, not with the hours
