"""factory-boy factories for the domain; tests build data through these or through services."""

import factory
from django.utils import timezone

from plantwright.accounts.models import Membership, Site, User
from plantwright.assets.models import Asset, Location
from plantwright.maintenance.models import FailureCode, WorkOrder, WorkRequest


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"site-{n}")
    name = factory.LazyAttribute(lambda o: f"Plant {o.code}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("secret-pass")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for site, role in extracted or []:
            Membership.objects.get_or_create(user=self, site=site, role=role)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    site = factory.SubFactory(SiteFactory)
    code = factory.Sequence(lambda n: f"LOC-{n}")
    name = factory.Sequence(lambda n: f"Area {n}")


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Asset

    site = factory.SubFactory(SiteFactory)
    code = factory.Sequence(lambda n: f"A-{n:04d}")
    name = factory.Sequence(lambda n: f"Machine {n}")
    commissioned_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=365))


def failure_code(kind: str, code: str) -> FailureCode:
    return FailureCode.objects.get_or_create(kind=kind, code=code, defaults={"description": code})[0]


class WorkOrderFactory(factory.django.DjangoModelFactory):
    """A WO row without the service's lifecycle (for list/page tests that need many)."""

    class Meta:
        model = WorkOrder

    asset = factory.SubFactory(AssetFactory)
    site = factory.SelfAttribute("asset.site")
    number = factory.Sequence(lambda n: f"WO-T{n:06d}")
    type = "corrective"
    title = factory.Sequence(lambda n: f"Job {n}")
    created_by = factory.SubFactory(UserFactory)


class WorkRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkRequest

    asset = factory.SubFactory(AssetFactory)
    site = factory.SelfAttribute("asset.site")
    number = factory.Sequence(lambda n: f"WR-T{n:06d}")
    title = factory.Sequence(lambda n: f"Request {n}")
    requested_by = factory.SubFactory(UserFactory)


def craft(code: str = "mech", name: str = "Mechanic"):
    from plantwright.maintenance.models import Craft

    return Craft.objects.get_or_create(code=code, defaults={"name": name})[0]


def vendor(code: str = "ACME", name: str = "Acme Services", is_contractor: bool = True, erp_id: str = ""):
    from plantwright.maintenance.models import Vendor

    defaults = {"name": name, "is_contractor": is_contractor, "erp_id": erp_id}
    return Vendor.objects.get_or_create(code=code, defaults=defaults)[0]


def labor_rate(site, *, technician=None, craft=None, rate="50", effective_from="2000-01-01"):
    from datetime import date
    from decimal import Decimal

    from plantwright.maintenance.models import LaborRate

    return LaborRate.objects.create(
        site=site,
        technician=technician,
        craft=craft,
        hourly_rate=Decimal(rate),
        effective_from=date.fromisoformat(effective_from),
    )


def part(part_number: str = "BRG-6205", description: str = "Ball bearing 6205", **fields):
    from plantwright.inventory.models import Part

    return Part.objects.get_or_create(part_number=part_number, defaults={"description": description, **fields})[0]


def storeroom(site, code: str = "MAIN"):
    from plantwright.inventory.models import Storeroom

    return Storeroom.objects.get_or_create(site=site, code=code, defaults={"name": f"Store {code}"})[0]
