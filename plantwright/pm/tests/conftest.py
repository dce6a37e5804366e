from datetime import date
from decimal import Decimal

import pytest

from plantwright.maintenance.models import Craft
from plantwright.pm.models import JobPlan, JobPlanCheck, JobPlanPart, JobPlanTask, PmSchedule
from plantwright.testing import factories


@pytest.fixture
def job_plan(site):
    plan = JobPlan.objects.create(
        site=site, code="PUMP-3M", name="Pump quarterly service", safety_notes="Lock out the motor (LOTO-7)."
    )
    mechanic = Craft.objects.get_or_create(code="mech", defaults={"name": "Mechanic"})[0]
    electrician = Craft.objects.get_or_create(code="elec", defaults={"name": "Electrician"})[0]
    JobPlanTask.objects.create(
        plan=plan, position=10, description="Check alignment", craft=mechanic, estimated_hours=Decimal("1.5")
    )
    JobPlanTask.objects.create(
        plan=plan, position=20, description="Megger the motor", craft=electrician, estimated_hours=Decimal("0.5")
    )
    JobPlanPart.objects.create(plan=plan, part=factories.part("SEAL-40", "Shaft seal 40 mm"), quantity=Decimal(2))
    JobPlanCheck.objects.create(plan=plan, position=10, text="Seal leak-free", kind="pass_fail")
    JobPlanCheck.objects.create(plan=plan, position=20, text="Bearing temperature", kind="value",
                                lower_limit=None, upper_limit=Decimal(80), unit="°C")  # fmt: skip
    return plan


@pytest.fixture
def schedule_for(site, asset):
    def make(**fields):
        defaults = {"site": site, "asset": asset, "name": "Monthly check", "interval": 1, "interval_unit": "months",
                    "starts_on": date(2026, 1, 31), "lead_days": 0}  # fmt: skip
        return PmSchedule.objects.create(**{**defaults, **fields})

    return make
