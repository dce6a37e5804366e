"""The demo's purchasing: parts requests submitted, approved, ordered, received and invoiced."""

from datetime import timedelta
from decimal import Decimal

from plantwright.accounts.models import Site, User
from plantwright.assets.models import Asset
from plantwright.inventory.models import Part, Storeroom
from plantwright.maintenance import services
from plantwright.maintenance.models import (
    Vendor,
    WorkOrder,
)
from plantwright.maintenance.services import log_contractor_hours


def _request(planner: User, work_order: WorkOrder, lines: list[dict], *, approver: User | None = None):
    from plantwright.procurement import services as procurement

    request = procurement.submit_parts_request(
        planner, procurement.create_parts_request(planner, work_order, lines=lines)
    )
    if approver is not None and request.status == "pending_approval":
        request = procurement.approve_parts_request(approver, request)
    return request


def build_purchasing(site: Site, planner: User, manager: User, buyer: User, tech: User) -> None:
    """Parts requests in every state, builtin POs sent, received and invoiced, one invoice after close."""
    from plantwright.erp import builtin
    from plantwright.procurement.models import ProcurementSettings

    big = Decimal("20000") if site.currency == "TRY" else Decimal("1500")
    ProcurementSettings.objects.update_or_create(
        site=site, defaults={"approval_threshold": big, "receiving_storeroom": Storeroom.objects.get(site=site)}
    )
    price = Decimal(30) if site.currency == "TRY" else Decimal(1)  # roughly TRY per EUR
    bearings, seal, filters = (Part.objects.get(part_number=n) for n in ("BRG-6308", "SEAL-MS-35", "FILT-HYD-10"))
    atlas, bearco = Vendor.objects.get(code="ATLAS"), Vendor.objects.get(code="BEARCO")
    on_hold = WorkOrder.objects.filter(site=site, status="on_hold").first()
    running = WorkOrder.objects.filter(site=site, status="in_progress").first()
    closed = WorkOrder.objects.filter(site=site, status="closed").first()
    scheduled = WorkOrder.objects.filter(site=site, status="scheduled").first()

    # On hold for parts: ordered, not yet delivered (committed cost, no actual cost).
    waiting = _request(
        planner,
        on_hold,
        [
            {
                "part": seal.pk,
                "quantity": Decimal(2),
                "estimated_unit_cost": 85 * price,
                "suggested_vendor": bearco.pk,
                "need_by": site.local_date() + timedelta(days=5),
            }
        ],
    )
    po = builtin.create_purchase_order(buyer, site, vendor=bearco, request_line_ids=[waiting.lines.get().pk])
    builtin.send_purchase_order(buyer, po)

    # Running job: bearings received and invoiced a little dearer; a contractor's service received and invoiced.
    job = _request(
        planner,
        running,
        [
            {"part": bearings.pk, "quantity": Decimal(2), "estimated_unit_cost": 40 * price},
            {
                "kind": "service",
                "description": "Gearbox overhaul by Atlas (fixed price)",
                "quantity": Decimal(1),
                "estimated_unit_cost": 900 * price,
                "suggested_vendor": atlas.pk,
            },
        ],
        approver=manager,
    )
    part_line, service_line = job.lines.order_by("line_no")
    po_parts = builtin.create_purchase_order(buyer, site, vendor=bearco, request_line_ids=[part_line.pk])
    builtin.send_purchase_order(buyer, po_parts)
    builtin.receive(buyer, po_parts, [builtin.DocumentLine(10, Decimal(2))])
    builtin.enter_invoice(buyer, po_parts, [builtin.DocumentLine(10, Decimal(2), 84 * price)], invoice_number="BC-7781")
    po_service = builtin.create_purchase_order(buyer, site, vendor=atlas, request_line_ids=[service_line.pk])
    builtin.send_purchase_order(buyer, po_service)
    log_contractor_hours(
        tech,
        running,
        vendor_id=atlas.pk,
        person="Kemal Usta",
        hours=Decimal(7),
        work_date=site.local_date(),
        po_number=po_service.po_number,
        po_line=10,
    )
    builtin.receive(buyer, po_service, [builtin.DocumentLine(10, Decimal(1))], receipt_number="SES-1")
    builtin.enter_invoice(
        buyer, po_service, [builtin.DocumentLine(10, Decimal(1), 950 * price)], invoice_number="AT-2026-114"
    )

    # A job closed before the vendor's invoice came: the cost still lands, flagged after close.
    asset = Asset.objects.filter(site=site, parent__isnull=True).order_by("code").last()
    closed = services.create_work_order(
        planner, asset_id=asset.pk, type="improvement", title=f"Fit filter monitoring: {asset.name}"
    )
    for step in ("approved", "in_progress"):
        services.transition_work_order(planner, closed, to=step)
    late = _request(planner, closed, [{"part": filters.pk, "quantity": Decimal(1), "estimated_unit_cost": 60 * price}])
    po_late = builtin.create_purchase_order(buyer, site, vendor=bearco, request_line_ids=[late.lines.get().pk])
    builtin.send_purchase_order(buyer, po_late)
    builtin.receive(buyer, po_late, [builtin.DocumentLine(10, Decimal(1))])
    for step in ("completed", "closed"):
        services.transition_work_order(planner, closed, to=step)
    builtin.enter_invoice(buyer, po_late, [builtin.DocumentLine(10, Decimal(1), 66 * price)], invoice_number="BC-7802")

    # Stock replenishment bought on a WO, and requests still waiting: in the queue, and for approval.
    _request(
        planner,
        scheduled,
        [
            {
                "part": filters.pk,
                "quantity": Decimal(6),
                "estimated_unit_cost": 55 * price,
                "for_stock": True,
                "suggested_vendor": bearco.pk,
            }
        ],
    )
    _request(
        planner,
        scheduled,
        [
            {
                "kind": "service",
                "description": "Crane hire, 1 day",
                "quantity": Decimal(1),
                "estimated_unit_cost": big + 100 * price,
            }
        ],
    )
