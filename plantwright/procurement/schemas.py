from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from plantwright.core.http.types import Bool, Day, Fixed4, Id, Money, Quantity, Text


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class RequestLineIn(Strict):
    kind: Literal["part", "service"] = Field("part", description="part: a part or material; service: contractor work")
    part: Id | None = None
    description: Text(300, 0) = ""
    quantity: Quantity
    unit: Text(12, 0) = ""
    estimated_unit_cost: Money = Decimal(0)
    need_by: Day | None = None
    suggested_vendor: Id | None = None
    cost_center: Text(64, 0) = ""
    for_stock: Bool = False


class PartsRequestIn(Strict):
    lines: list[RequestLineIn] = Field(min_length=1, max_length=50)
    note: Text(2000, 0) = ""
    need_arose_on: Day | None = Field(
        None, description="When the need arose, for a request entered late (not in the future, not before the WO)"
    )
    submit: Bool = Field(default=False, description="Submit at once (else it stays a draft)")


class ReasonIn(Strict):
    reason: Text(500)


class PostingOut(Schema):
    kind: str
    document: str
    quantity: Decimal
    amount: Decimal
    variance: Decimal
    document_date: date
    occurred_at: datetime
    superseded: bool
    cost_line: int | None = Field(validation_alias="cost_line_id")


class PoLinkOut(Schema):
    po_number: str = Field(validation_alias="purchase_order.po_number")
    po_status: str = Field(validation_alias="purchase_order.status")
    po_line: int = Field(validation_alias="line_number")
    quantity: Decimal
    unit_price: Decimal
    cancelled: bool
    received_quantity: Decimal
    invoiced_quantity: Decimal
    invoiced_amount: Decimal
    postings: list[PostingOut]

    @staticmethod
    def resolve_postings(obj) -> list:
        return list(obj.postings.all())


class RequestLineOut(Schema):
    id: int
    line_no: int
    kind: str
    part: int | None = Field(validation_alias="part_id")
    description: str
    quantity: Decimal
    unit: str
    estimated_unit_cost: Decimal
    need_by: date | None
    suggested_vendor: int | None = Field(validation_alias="suggested_vendor_id")
    cost_center: str
    for_stock: bool
    status: str
    committed: Fixed4
    received_quantity: Fixed4
    received_value: Fixed4
    invoiced_amount: Fixed4
    actual: Fixed4
    po_links: list[PoLinkOut]

    @staticmethod
    def resolve_po_links(obj) -> list:
        return list(obj.po_lines.all())


class PartsRequestOut(Schema):
    id: int
    number: str
    work_order: int = Field(validation_alias="work_order_id")
    site: int = Field(validation_alias="site_id")
    status: str
    note: str
    need_arose_on: date | None
    requested_by: int = Field(validation_alias="requested_by_id")
    approved_by: int | None = Field(validation_alias="approved_by_id")
    approved_at: datetime | None
    submitted_at: datetime | None
    created_at: datetime
    lines: list[RequestLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class PartsRequestSummaryOut(Schema):
    id: int
    number: str
    work_order: int = Field(validation_alias="work_order_id")
    work_order_number: str = Field(validation_alias="work_order.number")
    site: int = Field(validation_alias="site_id")
    status: str
    created_at: datetime
    submitted_at: datetime | None


class PurchaseOrderLineOut(Schema):
    po_line: int = Field(validation_alias="line_number")
    description: str
    quantity: Decimal
    unit_price: Decimal
    cancelled: bool
    received_quantity: Decimal
    invoiced_quantity: Decimal
    invoiced_amount: Decimal
    request_line: int | None = Field(validation_alias="request_line_id")
    parts_request: str | None
    work_order: int | None
    work_order_number: str | None
    postings: list[PostingOut]

    @staticmethod
    def resolve_parts_request(obj) -> str | None:
        return obj.request_line.request.number if obj.request_line else None

    @staticmethod
    def resolve_work_order(obj) -> int | None:
        return obj.request_line.request.work_order_id if obj.request_line else None

    @staticmethod
    def resolve_work_order_number(obj) -> str | None:
        return obj.request_line.request.work_order.number if obj.request_line else None

    @staticmethod
    def resolve_postings(obj) -> list:
        return list(obj.postings.all())


class PurchaseOrderOut(Schema):
    id: int
    po_number: str
    site: int = Field(validation_alias="site_id")
    source: str
    vendor: int | None = Field(validation_alias="vendor_id")
    vendor_name: str
    currency: str
    status: str
    created_at: datetime
    erp_updated_at: datetime | None
    lines: list[PurchaseOrderLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())
