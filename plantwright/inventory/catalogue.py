"""The parts catalogue, storerooms and their stock limits (the stock itself moves in services.py)."""

from decimal import Decimal

from django.db import transaction

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, site_ids_with
from plantwright.core.errors import Conflict, PermissionDenied, ValidationFailed
from plantwright.inventory.models import Part, StockLevel, Storeroom
from plantwright.inventory.services import _locked_level, _part, _storeroom
from plantwright.maintenance.models import Vendor


def create_part(actor: User, **fields) -> Part:
    allowed = site_ids_with(actor, Perm.MANAGE_INVENTORY)
    if allowed is not None and not allowed:
        raise PermissionDenied("Only storeroom staff, managers and admins keep the parts catalogue.")
    vendors = fields.pop("preferred_vendors", [])
    if Part.objects.filter(part_number=fields["part_number"]).exists():
        raise Conflict(
            f"Part number {fields['part_number']!r} exists.", code="duplicate", details={"field": "part_number"}
        )
    low, high = fields.get("default_min_quantity", 0), fields.get("default_max_quantity", 0)
    if low < 0 or high < low:
        raise ValidationFailed("Min must be ≥ 0 and max ≥ min.", details={"field": "default_max_quantity"})
    unknown = sorted(set(vendors) - set(Vendor.objects.filter(pk__in=vendors).values_list("pk", flat=True)))
    if unknown:
        raise ValidationFailed(f"Vendor {unknown[0]} does not exist.", details={"field": "preferred_vendors"})
    with transaction.atomic():
        part = Part.objects.create(**fields)
        if vendors:
            part.preferred_vendors.set(vendors)
    return part


def create_storeroom(actor: User, *, site: Site, code: str, name: str) -> Storeroom:
    authorize(actor, Perm.MANAGE_INVENTORY, site.pk)
    if Storeroom.objects.filter(site=site, code=code).exists():
        raise Conflict(f"Storeroom {code!r} exists at {site.code}.", code="duplicate", details={"field": "code"})
    return Storeroom.objects.create(site=site, code=code, name=name)


@transaction.atomic
def set_stock_limits(
    actor: User, *, part_id: int, storeroom_id: int, min_quantity: Decimal, max_quantity: Decimal, bin: str = ""
) -> StockLevel:
    storeroom = _storeroom(actor, storeroom_id)
    authorize(actor, Perm.MANAGE_INVENTORY, storeroom.site_id)
    if min_quantity < 0 or max_quantity < min_quantity:
        raise ValidationFailed("Min must be ≥ 0 and max ≥ min.", details={"field": "max_quantity"})
    level = _locked_level(_part(part_id), storeroom)
    level.min_quantity, level.max_quantity, level.bin = min_quantity, max_quantity, bin
    level.save(update_fields=["min_quantity", "max_quantity", "bin"])
    return level
