"""The demo's work: requests in every state, WOs open and done, hours booked, failures last month."""

import random
from datetime import timedelta
from decimal import Decimal

from plantwright.accounts.models import Site, User
from plantwright.assets.models import Asset
from plantwright.inventory.models import StockLevel
from plantwright.inventory.services import issue_part
from plantwright.maintenance import services
from plantwright.maintenance.models import (
    Vendor,
    WorkOrder,
    WorkOrderStatus,
    WorkOrderTransition,
    WorkRequest,
)
from plantwright.maintenance.services import log_contractor_hours, log_labor


def _book_work(work_order: WorkOrder, tech: User, when, rng: random.Random, with_contractor: bool) -> None:
    """Hours, contractor time and parts, so the demo's cost pages are not empty."""
    work_date = work_order.site.local_date(when)
    log_labor(tech, work_order, technician_id=tech.pk, hours=Decimal(rng.randint(2, 12)) / 2, work_date=work_date)
    if with_contractor:
        log_contractor_hours(
            tech,
            work_order,
            vendor_id=Vendor.objects.get(code="ATLAS").pk,
            person="Kemal Usta",
            hours=Decimal(rng.randint(2, 8)),
            work_date=work_date,
            **(
                {"po_number": f"PO-{4500 + work_order.pk}", "po_line": 1}
                if rng.random() < 0.5
                else {"agreed_rate": Decimal("65")}
            ),
        )
    level = (
        StockLevel.objects.filter(storeroom__site=work_order.site, quantity_on_hand__gte=2)
        .order_by("part__part_number")
        .select_related("part")[rng.randint(0, 5)]
    )
    issue_part(tech, work_order, part_id=level.part_id, storeroom_id=level.storeroom_id, quantity=Decimal(1))


REQUEST_TITLES = [
    "Oil leak under the gearbox",
    "Strange noise from the drive",
    "Guard door sensor not working",
    "Conveyor belt drifting to one side",
    "Pressure gauge broken",
    "Motor running hot",
]


def _backdate(work_order: WorkOrder, when) -> None:
    WorkOrderTransition.objects.filter(work_order=work_order).update(at=when)
    WorkOrder.objects.filter(pk=work_order.pk).update(created_at=when)


def build_work(site: Site, planner: User, techs: list[User], operator: User, rng: random.Random, now) -> None:
    machines = list(Asset.objects.filter(site=site, parent__isnull=True).order_by("code"))
    tech_ids = [t.pk for t in techs]

    # Completed breakdowns over the last months: the failure history KPIs read.
    for index in range(8):
        asset = rng.choice(machines)
        down = now - timedelta(days=rng.randint(5, 150), hours=rng.randint(0, 23))
        work_order = services.create_work_order(
            planner,
            asset_id=asset.pk,
            type="emergency",
            title=f"Breakdown: {asset.name} stopped",
            priority="urgent",
            down_since=down,
            assigned_to=tech_ids[:1],
        )
        services.transition_work_order(planner, work_order, to="approved")
        services.transition_work_order(techs[0], work_order, to="in_progress")
        _book_work(work_order, techs[0], down, rng, with_contractor=index % 3 == 0)
        restored = down + timedelta(minutes=rng.randint(30, 480))
        services.update_work_order(
            techs[0],
            work_order,
            {
                "restored_at": restored,
                "failure": {
                    "problem": rng.choice(["BRD", "VIB", "OHE", "ELP"]),
                    "cause": rng.choice(["WEA", "MIS", "LUB", "ELF"]),
                    "remedy": rng.choice(["REP", "RPR", "ADJ"]),
                },
            },
        )
        services.transition_work_order(
            techs[0], work_order, to="completed", completed_at=restored + timedelta(minutes=30)
        )
        if index % 2 == 0:
            services.transition_work_order(planner, work_order, to="closed")
        _backdate(work_order, down)

    # Planned work in every open state.
    for index, status in enumerate(["draft", "approved", "scheduled", "in_progress", "on_hold", "completed"]):
        asset = machines[(index * 3) % len(machines)]
        work_order = services.create_work_order(
            planner,
            asset_id=asset.pk,
            type=["preventive", "inspection", "predictive"][index % 3],
            title=f"{['Quarterly service', 'Safety inspection', 'Vibration survey'][index % 3]}: {asset.name}",
            due_date=(now + timedelta(days=7 * index - 14)).date(),
            assigned_to=tech_ids,
        )
        path = {
            "draft": [],
            "approved": ["approved"],
            "scheduled": ["approved", "scheduled"],
            "in_progress": ["approved", "scheduled", "in_progress"],
            "on_hold": ["approved", "in_progress", "on_hold"],
            "completed": ["approved", "in_progress", "completed"],
        }[status]
        for step in path:
            actor = techs[0] if step in ("in_progress", "on_hold", "completed") else planner
            note = "Waiting for parts" if step == "on_hold" else ""
            services.transition_work_order(actor, work_order, to=step, note=note)
            if step == "in_progress":
                _book_work(work_order, techs[0], now, rng, with_contractor=status == "completed")

    # Operators' requests: some waiting, some triaged.
    for index, title in enumerate(REQUEST_TITLES):
        asset = machines[(index * 5 + 1) % len(machines)]
        request = services.raise_work_request(
            operator, asset_id=asset.pk, title=title, description=f"Seen on {asset.name}."
        )
        if index == 0:
            services.approve_work_request(planner, request, type="corrective", assigned_to=tech_ids[:1])
        elif index == 1:
            services.reject_work_request(
                planner, request, reason="Noise is normal at start-up; re-raise if it persists."
            )
    assert WorkRequest.objects.filter(site=site).exists()
    assert WorkOrder.objects.filter(site=site, status=WorkOrderStatus.CLOSED).exists()
