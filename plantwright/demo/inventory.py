"""The demo's catalogue: crafts, vendors and parts; storerooms with stock, and labor rates."""

import random
from datetime import date
from decimal import Decimal

from plantwright.accounts.models import Site, User
from plantwright.inventory.models import Part, StockLevel, Storeroom
from plantwright.inventory.services import receive_stock
from plantwright.maintenance.models import (
    Craft,
    LaborRate,
    Vendor,
)


def build_catalogue() -> None:
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


def build_stores_and_rates(site: Site, users: dict[str, User], rng: random.Random) -> None:
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
