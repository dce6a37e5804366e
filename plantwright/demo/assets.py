"""The demo plant's sites: lines of machines with components, utilities, the asset classes."""

import random
from datetime import timedelta

from plantwright.accounts.models import Site
from plantwright.assets.models import Asset, AssetClass, Criticality, Location

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


def build_site(site: Site, rng: random.Random, now) -> None:
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
