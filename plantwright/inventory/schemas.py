from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import ConfigDict, Field

from plantwright.core.http.types import Day, Fixed4, Id, Money, Quantity, Text


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class PartIn(Strict):
    part_number: Text(60)
    description: Text(300)
    unit: Text(12) = "ea"
    manufacturer: Text(120, 0) = ""
    manufacturer_part_number: Text(80, 0) = ""
    preferred_vendors: list[Id] = Field(default_factory=list, max_length=20)
    default_min_quantity: Quantity = Decimal(0)
    default_max_quantity: Quantity = Decimal(0)


class StockLevelOut(Schema):
    part: int = Field(validation_alias="part_id")
    part_number: str = Field(validation_alias="part.part_number")
    storeroom: int = Field(validation_alias="storeroom_id")
    storeroom_code: str = Field(validation_alias="storeroom.code")
    site: int = Field(validation_alias="storeroom.site_id")
    bin: str
    quantity_on_hand: Decimal
    average_cost: Decimal
    min_quantity: Decimal
    max_quantity: Decimal


class ReorderOut(StockLevelOut):
    reorder_quantity: Fixed4
    unit: str = Field(validation_alias="part.unit")


class PartOut(Schema):
    id: int
    part_number: str
    description: str
    unit: str
    manufacturer: str
    manufacturer_part_number: str
    preferred_vendors: list[int]
    default_min_quantity: Decimal
    default_max_quantity: Decimal
    active: bool

    @staticmethod
    def resolve_preferred_vendors(obj) -> list[int]:
        return [v.pk for v in obj.preferred_vendors.all()]


class StoreroomIn(Strict):
    site: Id
    code: Text(40)
    name: Text(200)


class StoreroomOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    code: str
    name: str


class ReceiptIn(Strict):
    part: Id
    storeroom: Id
    quantity: Quantity
    unit_cost: Money
    reference: Text(120, 0) = ""
    idempotency_key: Text(200) | None = None


class AdjustmentIn(Strict):
    part: Id
    storeroom: Id
    quantity_delta: Quantity = Field(description="Signed: + found, − lost")
    reason: Text(120)


class TransferIn(Strict):
    part: Id
    from_storeroom: Id
    to_storeroom: Id
    quantity: Quantity
    reference: Text(120, 0) = ""


class LimitsIn(Strict):
    part: Id
    storeroom: Id
    min_quantity: Quantity
    max_quantity: Quantity
    bin: Text(40, 0) = ""


class IssueIn(Strict):
    part: Id
    storeroom: Id
    quantity: Quantity
    used_on: Day | None = Field(
        None, description="The day the parts were used (today at the site if absent; not in the future)"
    )
    idempotency_key: Text(200) | None = Field(None, description="Send the same key again to retry safely")


class ReturnIn(Strict):
    issue: Id = Field(description="The issue movement the parts came from")
    quantity: Quantity
    returned_on: Day | None = Field(None, description="The day they came back (today if absent; not before the issue)")
    idempotency_key: Text(200) | None = None


class MovementOut(Schema):
    id: int
    kind: str
    part: int = Field(validation_alias="part_id")
    storeroom: int = Field(validation_alias="storeroom_id")
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal
    quantity_after: Decimal
    average_cost_after: Decimal
    work_order: int | None = Field(validation_alias="work_order_id")
    returned_from: int | None = Field(validation_alias="returned_from_id")
    reference: str
    moved_on: date | None = Field(description="The day it happened, when it was recorded later than that")
    moved_at: datetime


class IssueOut(MovementOut):
    issued_quantity: Fixed4
    returned_quantity: Fixed4
    returnable_quantity: Fixed4
