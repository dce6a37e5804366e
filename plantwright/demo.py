"""Demo plant: two sites, a location tree, ~60 assets, users in every role, requests, WOs, hours and parts.

Built through the services (so history and transitions are real), then back-dated where a demo
needs a past (completed failures last month). Deterministic: the same data on every machine.
"""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Role
from plantwright.accounts.services import grant_role
from plantwright.assets.models import Asset, AssetClass, Criticality, Location
from plantwright.inventory.models import Part, StockLevel, Storeroom
from plantwright.inventory.services import issue_part, receive_stock
from plantwright.maintenance import services
from plantwright.maintenance.models import (
    Craft,
    LaborRate,
    Vendor,
    WorkOrder,
    WorkOrderStatus,
    WorkOrderTransition,
    WorkRequest,
)
from plantwright.maintenance.services import log_contractor_hours, log_labor
from plantwright.outbox.models import OutboxMessage, OutboxStatus

DEMO_PASSWORD = "plantwright"

SITES = [
    ("ist", "Istanbul Plant", "Europe/Istanbul", "TRY"),
    ("brm", "Bremen Plant", "Europe/Berlin", "EUR"),
]

# username, first, last, site code, roles
USERS = [
    ("operator", "Olcay", "Operator", "ist", [Role.REQUESTER]),
    ("tech", "Tarik", "Technician", "ist", [Role.TECHNICIAN]),
    ("tech2", "Tuba", "Technician", "ist", [Role.TECHNICIAN]),
    ("planner", "Pelin", "Planner", "ist", [Role.PLANNER]),
    ("storeroom", "Selim", "Storeroom", "ist", [Role.STOREROOM]),
    ("purchasing", "Pinar", "Purchasing", "ist", [Role.PURCHASING]),
    ("manager", "Murat", "Manager", "ist", [Role.MANAGER]),
    ("siteadmin", "Ayla", "Admin", "ist", [Role.ADMIN]),
    ("operator.brm", "Ole", "Operator", "brm", [Role.REQUESTER]),
    ("tech.brm", "Tim", "Technician", "brm", [Role.TECHNICIAN]),
    ("planner.brm", "Paula", "Planner", "brm", [Role.PLANNER]),
    ("manager.brm", "Max", "Manager", "brm", [Role.MANAGER]),
    ("oee", "OEE", "platform", "ist", [Role.INTEGRATION]),
]

LINES = ["Line 1", "Line 2"]
MACHINES = [
    ("FIL", "Filler", Criticality.CRITICAL, ["Main drive motor", "Gearbox", "Product pump"]),
    ("CAP", "Capper", Criticality.HIGH, ["Servo motor", "Torque head"]),
    ("LAB", "Labeller", Criticality.MEDIUM, ["Glue pump"]),
    ("CNV", "Conveyor", Criticality.MEDIUM, ["Drive motor"]),
    ("PAL", "Palletizer", Criticality.HIGH, ["Hydraulic unit", "Gripper"]),
]
UTILITIES = [
    ("CMP-01", "Air compressor 1", Criticality.HIGH),
    ("CMP-02", "Air compressor 2", Criticality.MEDIUM),
    ("BLR-01", "Steam boiler", Criticality.CRITICAL),
    ("CHL-01", "Chiller", Criticality.HIGH),
]

# Asset classes: what reliability figures are compared across (code → name).
ASSET_CLASSES = {
    "filler": "Fillers", "capper": "Cappers", "labeller": "Labellers", "conveyor": "Conveyors",
    "palletizer": "Palletizers", "compressor": "Air compressors", "boiler": "Boilers", "chiller": "Chillers",
    "motor": "Electric motors", "pump": "Pumps", "gearbox": "Gearboxes",
}  # fmt: skip
MACHINE_CLASSES = {"FIL": "filler", "CAP": "capper", "LAB": "labeller", "CNV": "conveyor", "PAL": "palletizer"}
UTILITY_CLASSES = {"CMP": "compressor", "BLR": "boiler", "CHL": "chiller"}


def _component_class(name: str) -> str | None:
    lowered = name.lower()
    return next(
        (code for word, code in (("motor", "motor"), ("pump", "pump"), ("gearbox", "gearbox")) if word in lowered), None
    )


def demo_loaded() -> bool:
    return Site.objects.filter(code=SITES[0][0]).exists()


def demo_logins() -> list[tuple[str, str]]:
    logins = [("admin", "installation administrator (all sites)")]
    for username, _first, _last, site_code, roles in USERS:
        sites = "ist, brm" if username == "oee" else site_code  # the OEE platform's account feeds both plants
        logins.append((username, f"{', '.join(r.value for r in roles)} @ {sites}"))
    return logins


@transaction.atomic
def load_demo() -> None:
    """Create the demo plant."""
    rng = random.Random(20261125)
    now = timezone.now()
    User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD, first_name="Installation admin")
    sites = {}
    for code, name, tz, currency in SITES:
        sites[code] = Site.objects.create(code=code, name=name, timezone=tz, currency=currency)

    users: dict[str, User] = {}
    for username, first, last, site_code, roles in USERS:
        user = User.objects.create_user(
            username, f"{username}@example.com", DEMO_PASSWORD, first_name=first, last_name=last
        )
        for role in roles:
            grant_role(user, sites[site_code], role)
        users[username] = user

    grant_role(users["oee"], sites["brm"], Role.INTEGRATION)  # the OEE platform feeds both plants
    _build_catalogue()
    for site_code, site in sites.items():
        _build_site(site, rng, now)
        _build_stores_and_rates(site, users, rng)
        planner = users["planner" if site_code == "ist" else "planner.brm"]
        techs = [
            u
            for name, u in users.items()
            if name.startswith("tech") and (name.endswith(".brm") == (site_code == "brm"))
        ]
        operator = users["operator" if site_code == "ist" else "operator.brm"]
        _build_work(site, planner, techs, operator, rng, now)
        manager = users["manager" if site_code == "ist" else "manager.brm"]
        buyer = users["purchasing"] if site_code == "ist" else manager
        _build_purchasing(site, planner, manager, buyer, techs[0])
        _build_downtime(site, users["oee"], rng, now)
        _build_pm(site, planner, techs, rng, now)
    # The demo's past is no news: its notifications stay in the app, but nobody is e-mailed about it.
    OutboxMessage.objects.filter(topic="notifications.email", status=OutboxStatus.PENDING).update(
        status=OutboxStatus.CANCELLED, last_error="demo history: not sent"
    )


def _build_catalogue() -> None:
    for code, name in [("mech", "Mechanic"), ("elec", "Electrician"), ("inst", "Instrument technician")]:
        Craft.objects.create(code=code, name=name)
    Vendor.objects.create(code="ATLAS", name="Atlas Industrial Services", is_contractor=True, erp_id="V-1001")
    Vendor.objects.create(code="VOLTA", name="Volta Electric", is_contractor=True, erp_id="V-1002")
    skf = Vendor.objects.create(code="BEARCO", name="Bearco Bearings", erp_id="V-2001")
    for number, description, unit, low, high in PARTS:
        part = Part.objects.create(
            part_number=number,
            description=description,
            unit=unit,
            default_min_quantity=Decimal(low),
            default_max_quantity=Decimal(high),
        )
        part.preferred_vendors.add(skf)


def _build_stores_and_rates(site: Site, users: dict[str, User], rng: random.Random) -> None:
    admin = User.objects.get(username="admin")
    store = Storeroom.objects.create(site=site, code="MAIN", name=f"{site.name} main store")
    for index, part in enumerate(Part.objects.order_by("part_number")):
        quantity = Decimal(rng.randint(0, 3) if index % 4 == 0 else rng.randint(8, 40))
        if quantity:
            receive_stock(
                admin,
                part_id=part.pk,
                storeroom_id=store.pk,
                quantity=quantity,
                unit_cost=Decimal(rng.randint(300, 25000)) / 100,
                reference="Opening stock",
            )
        else:
            StockLevel.objects.create(
                part=part,
                storeroom=store,
                min_quantity=part.default_min_quantity,
                max_quantity=part.default_max_quantity,
            )
    start = date(2020, 1, 1)
    for craft, rate in [("mech", "38.50"), ("elec", "42.00"), ("inst", "45.00")]:
        LaborRate.objects.create(
            site=site, craft=Craft.objects.get(code=craft), hourly_rate=Decimal(rate), effective_from=start
        )
    for username, user in users.items():
        if username.startswith(("tech", "planner")) and user.memberships.filter(site=site).exists():
            LaborRate.objects.create(site=site, technician=user, hourly_rate=Decimal("40.00"), effective_from=start)


PARTS = [
    ("BRG-6205-2RS", "Deep groove ball bearing 6205-2RS", "ea", 4, 20),
    ("BRG-6308", "Deep groove ball bearing 6308", "ea", 2, 10),
    ("SEAL-MS-35", "Mechanical seal 35 mm", "ea", 2, 6),
    ("BELT-SPA-1250", "V-belt SPA 1250", "ea", 4, 12),
    ("OIL-ISO-VG220", "Gear oil ISO VG 220", "l", 20, 100),
    ("GREASE-EP2", "Grease EP2 cartridge", "ea", 10, 40),
    ("FILT-HYD-10", "Hydraulic filter element 10 µm", "ea", 2, 8),
    ("PROX-M18", "Inductive proximity sensor M18", "ea", 2, 6),
    ("CONT-9A", "Contactor 9 A 24 V DC", "ea", 2, 6),
    ("FUSE-10A", "Fuse 10 A gG", "ea", 10, 50),
    ("CHAIN-08B", "Roller chain 08B-1 (5 m)", "m", 5, 20),
    ("GASKET-DN50", "Flange gasket DN50", "ea", 5, 25),
]


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


def _build_site(site: Site, rng: random.Random, now) -> None:
    prefix = site.code.upper()
    plant = Location.objects.create(site=site, code=f"{prefix}", name=site.name)
    utilities = Location.objects.create(site=site, code=f"{prefix}-UTL", name="Utilities", parent=plant)
    production = Location.objects.create(site=site, code=f"{prefix}-PRD", name="Production hall", parent=plant)
    classes = {
        code: AssetClass.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in ASSET_CLASSES.items()
    }
    for code, name, criticality in UTILITIES:
        Asset.objects.create(
            site=site,
            location=utilities,
            code=code,
            name=name,
            criticality=criticality,
            asset_class=classes[UTILITY_CLASSES[code[:3]]],
            commissioned_at=now - timedelta(days=rng.randint(900, 4000)),
            oee_machine_id=f"{site.code}-{code.lower()}",
            erp_cost_center=f"{prefix}-CC-UTL",
        )
    for line_no, line in enumerate(LINES, start=1):
        line_loc = Location.objects.create(site=site, code=f"{prefix}-L{line_no}", name=line, parent=production)
        for code, name, criticality, components in MACHINES:
            machine_code = f"L{line_no}-{code}"
            machine = Asset.objects.create(
                site=site,
                location=line_loc,
                code=machine_code,
                name=f"{name} {line_no}",
                criticality=criticality,
                asset_class=classes[MACHINE_CLASSES[code]],
                commissioned_at=now - timedelta(days=rng.randint(700, 3000)),
                oee_machine_id=f"{site.code}-l{line_no}-{code.lower()}",
                erp_cost_center=f"{prefix}-CC-L{line_no}",
            )
            for index, component in enumerate(components, start=1):
                Asset.objects.create(
                    site=site,
                    location=line_loc,
                    parent=machine,
                    code=f"{machine_code}-{index:02d}",
                    name=f"{component} ({name.lower()} {line_no})",
                    criticality=Criticality.MEDIUM,
                    asset_class=classes.get(_component_class(component)),
                    commissioned_at=machine.commissioned_at,
                    erp_cost_center=machine.erp_cost_center,
                )


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


def _build_work(site: Site, planner: User, techs: list[User], operator: User, rng: random.Random, now) -> None:
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


def _request(planner: User, work_order: WorkOrder, lines: list[dict], *, approver: User | None = None):
    from plantwright.procurement import services as procurement

    request = procurement.submit_parts_request(
        planner, procurement.create_parts_request(planner, work_order, lines=lines)
    )
    if approver is not None and request.status == "pending_approval":
        request = procurement.approve_parts_request(approver, request)
    return request


def _build_purchasing(site: Site, planner: User, manager: User, buyer: User, tech: User) -> None:
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


def _build_downtime(site: Site, oee: User, rng: random.Random, now) -> None:
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


def _build_pm(site: Site, planner: User, techs: list[User], rng: random.Random, now) -> None:
    """Job plans and schedules, and a year of PM history: most done on time, some late, a few missed
    (still open and overdue), so PM compliance and the forecast have something to show."""
    from plantwright.assets.models import Meter, MeterReading
    from plantwright.pm.models import JobPlan, JobPlanCheck, JobPlanPart, JobPlanTask, PmSchedule, PmSettings
    from plantwright.pm.services import generate_due_work_orders

    PmSettings.objects.create(site=site, grace_days=3)
    crafts = {craft.code: craft for craft in Craft.objects.all()}
    plans = {}
    for code, name, tasks, checks in PM_PLANS:
        plan = JobPlan.objects.create(site=site, code=code, name=name, safety_notes=PM_SAFETY)
        for position, (text, craft, hours) in enumerate(tasks, start=1):
            JobPlanTask.objects.create(
                plan=plan, position=position * 10, description=text, craft=crafts[craft], estimated_hours=Decimal(hours)
            )
        for position, (text, upper, unit) in enumerate(checks, start=1):
            JobPlanCheck.objects.create(
                plan=plan,
                position=position * 10,
                text=text,
                kind="value" if upper else "pass_fail",
                upper_limit=Decimal(upper) if upper else None,
                unit=unit,
            )
        plans[code] = plan
    JobPlanPart.objects.create(plan=plans["PUMP-Q"], part=Part.objects.get(part_number="SEAL-MS-35"), quantity=1)

    today = site.local_date(now)
    start = today - timedelta(days=365)
    assets = {a.code: a for a in Asset.objects.filter(site=site)}
    hours = Meter.objects.create(
        asset=assets["CMP-01"], code="run-h", name="Running hours", unit="h", max_rate_per_hour=1
    )
    value = Decimal(12000)
    for day in range(0, 366, 3):  # a reading every third day, 14 to 22 h of running a day
        MeterReading.objects.create(meter=hours, value=value, read_at=now - timedelta(days=365 - day), source="demo")
        value += Decimal(rng.randint(42, 66))
    meter_fields = {"trigger": "meter", "meter": hours, "meter_interval": Decimal(2000), "meter_start": Decimal(12000)}
    schedules = [
        ("Compressor monthly inspection", "CMP-01", "COMP-M", {"interval": 1, "interval_unit": "months"}),
        ("Compressor 2 monthly inspection", "CMP-02", "COMP-M", {"interval": 1, "interval_unit": "months"}),
        ("Compressor service every 2,000 h", "CMP-01", "COMP-S", meter_fields),
        ("Boiler weekly checks", "BLR-01", "BLR-W", {"interval": 1, "interval_unit": "weeks", "mode": "floating"}),
        ("Chiller season service", "CHL-01", "COMP-M", {"interval": 1, "season_start_month": 4, "season_end_month": 9}),
        ("Product pump quarterly, line 1", "L1-FIL-03", "PUMP-Q", {"interval": 3, "interval_unit": "months"}),
        ("Product pump quarterly, line 2", "L2-FIL-03", "PUMP-Q", {"interval": 3, "interval_unit": "months"}),
    ]
    for name, asset_code, plan_code, fields in schedules:
        PmSchedule.objects.create(
            site=site,
            asset=assets[asset_code],
            job_plan=plans[plan_code],
            name=name,
            starts_on=start + timedelta(days=rng.randint(3, 25)),
            lead_days=7,
            **fields,
        )

    # Walk through the year: generate as the worker would, and do each PM when its fate says.
    done_on: dict[int, date] = {}  # WO id -> the day it gets done; missed ones never get a day
    decided: set[int] = set()
    day = start
    while day <= today:
        generate_due_work_orders(now=now - timedelta(days=(today - day).days), site=site)
        pending = WorkOrder.objects.filter(site=site, origin="pm").exclude(pk__in=decided)
        for work_order in pending.select_related("pm_occurrence__schedule"):
            decided.add(work_order.pk)
            roll, due = rng.random(), work_order.due_date
            if roll < 0.08 and work_order.pm_occurrence.schedule.mode == "fixed":
                continue  # missed: stays open and overdue (a floating schedule would wait for it for ever)
            late = roll < 0.23
            done_on[work_order.pk] = due + timedelta(days=rng.randint(5, 20) if late else rng.randint(-3, 2))
        for pk in [pk for pk, when in done_on.items() if when <= day]:
            _complete_pm(WorkOrder.objects.get(pk=pk), rng.choice(techs), done_on.pop(pk), rng, now)
        day += timedelta(days=3)  # within the 7 days of lead time: no occurrence is skipped


def _complete_pm(work_order: WorkOrder, tech: User, done_on: date, rng: random.Random, now) -> None:
    from plantwright.maintenance.services import record_check

    zone = work_order.site.zone
    finished = min(datetime(done_on.year, done_on.month, done_on.day, 14, tzinfo=zone), now)
    services.transition_work_order(tech, work_order, to="in_progress")
    for check in work_order.checks.all():
        if check.kind == "value":  # now and then above the limit: a follow-up WO
            reading = check.upper_limit * Decimal(rng.randint(55, 104)) / 100
            record_check(tech, check, value=reading.quantize(Decimal("0.1")))
        else:
            record_check(tech, check, result="fail" if rng.random() < 0.03 else "pass")
    planned = sum((t.estimated_hours for t in work_order.tasks.all()), Decimal(0))
    if planned:
        log_labor(tech, work_order, technician_id=tech.pk, hours=planned, work_date=done_on)
    work_order.tasks.update(done=True)
    services.transition_work_order(tech, work_order, to="completed", completed_at=finished)
    _backdate(work_order, finished)


PM_SAFETY = "Lock out and tag out before opening; gloves and goggles."
PM_PLANS = [
    (
        "COMP-M",
        "Compressor monthly inspection",
        [("Check oil level and leaks", "mech", "0.5"), ("Clean intake filter", "mech", "0.5")],
        [("Discharge temperature", "105", "°C"), ("No air leaks at fittings", None, "")],
    ),
    (
        "COMP-S",
        "Compressor 2,000 h service",
        [("Change oil and filter", "mech", "2"), ("Replace separator", "mech", "1.5"), ("Megger motor", "elec", "1")],
        [("Motor current at full load", "95", "A")],
    ),
    (
        "BLR-W",
        "Boiler weekly checks",
        [("Blow down, test low-water cut-off", "mech", "0.5"), ("Check burner flame", "elec", "0.25")],
        [("Low-water cut-off trips", None, ""), ("Stack temperature", "220", "°C")],
    ),
    (
        "PUMP-Q",
        "Product pump quarterly service",
        [("Check alignment", "mech", "1.5"), ("Megger the motor", "elec", "0.5")],
        [("Seal leak-free", None, ""), ("Bearing temperature", "80", "°C"), ("Vibration", "4.5", "mm/s")],
    ),
]
