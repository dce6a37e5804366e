from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from plantwright.core.http.types import Bool, Code, Day, Hours, Id, Money, Text, Timestamp
from plantwright.maintenance.models import FailureCodeKind

PriorityName = Literal["low", "medium", "high", "urgent"]
TypeName = Literal["corrective", "emergency", "preventive", "predictive", "inspection", "improvement"]
StatusName = Literal["draft", "approved", "scheduled", "in_progress", "on_hold", "completed", "closed", "cancelled"]
RequestStatusName = Literal["new", "approved", "rejected", "duplicate"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# --- work requests ---


class WorkRequestIn(Strict):
    asset: Id
    title: Text(200)
    description: Text(5000, 0) = ""
    priority: PriorityName = "medium"


class ApproveIn(Strict):
    type: TypeName = "corrective"
    priority: PriorityName | None = None
    due_date: Day | None = None
    assigned_to: list[Id] = Field(default_factory=list, max_length=50)
    is_failure: Bool | None = None
    down_since: Timestamp | None = None
    note: Text(2000, 0) = ""


class RejectIn(Strict):
    reason: Text(2000)


class MarkDuplicateIn(Strict):
    work_order: Id


class UserRef(Schema):
    id: int
    username: str
    name: str = Field(validation_alias="display_name")


class AssetRef(Schema):
    id: int
    code: str
    name: str


class WorkRequestOut(Schema):
    id: int
    number: str
    site: int = Field(validation_alias="site_id")
    asset: AssetRef
    title: str
    description: str
    priority: str
    status: str
    requested_by: UserRef
    created_at: datetime
    triaged_by: UserRef | None
    triaged_at: datetime | None
    rejection_reason: str
    work_order: int | None = Field(validation_alias="work_order_id")


# --- work orders ---


class FailureIn(Strict):
    problem: Code | None = None
    cause: Code | None = None
    remedy: Code | None = None


class WorkOrderIn(Strict):
    asset: Id
    type: TypeName
    title: Text(200)
    description: Text(10000, 0) = ""
    priority: PriorityName = "medium"
    is_failure: Bool | None = Field(None, description="Defaults to true for emergency WOs.")
    failure: FailureIn | None = None
    down_since: Timestamp | None = None
    restored_at: Timestamp | None = None
    due_date: Day | None = None
    assigned_to: list[Id] = Field(default_factory=list, max_length=50)
    estimated_cost: Money | None = None


class WorkOrderPatch(Strict):
    asset: Id = None
    type: TypeName = None
    title: Text(200) = None
    description: Text(10000, 0) = None
    priority: PriorityName = None
    is_failure: Bool = None
    failure: FailureIn | None = None
    down_since: Timestamp | None = None
    restored_at: Timestamp | None = None
    due_date: Day | None = None
    completed_at: Timestamp = Field(None, description="Correct the actual finish of a completed WO.")
    assigned_to: list[Id] = Field(None, max_length=50)
    estimated_cost: Money | None = None


class TransitionIn(Strict):
    to: StatusName
    note: Text(2000, 0) = ""
    completed_at: Timestamp | None = Field(None, description="When completing: the actual finish, if not now.")


class FailureOut(Schema):
    problem: str | None
    cause: str | None
    remedy: str | None


class WorkOrderOut(Schema):
    id: int
    number: str
    site: int = Field(validation_alias="site_id")
    asset: AssetRef
    type: str
    planned: bool
    priority: str
    title: str
    description: str
    status: str
    is_failure: bool
    failure: FailureOut
    down_since: datetime | None
    restored_at: datetime | None
    due_date: date | None
    completed_at: datetime | None
    estimated_cost: Decimal | None
    assigned_to: list[UserRef]
    created_by: UserRef
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_failure(obj) -> dict:
        return {
            "problem": obj.problem_code.code if obj.problem_code else None,
            "cause": obj.cause_code.code if obj.cause_code else None,
            "remedy": obj.remedy_code.code if obj.remedy_code else None,
        }

    @staticmethod
    def resolve_assigned_to(obj) -> list:
        return list(obj.assigned_to.all())


class TransitionOut(Schema):
    from_status: str
    to_status: str
    actor: UserRef
    at: datetime
    note: str


FailureKind = Literal[tuple(FailureCodeKind.values)]  # type: ignore[valid-type]


class FailureCodeOut(Schema):
    id: int
    kind: str
    code: str
    description: str
    active: bool


class FailureCodeIn(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    kind: FailureKind
    code: Text(32, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    description: Text(200)


class FailureCodePatch(Schema):
    model_config = ConfigDict(strict=True, extra="forbid")
    description: Text(200) | None = None
    active: Bool | None = None


# --- hours and cost ---


class LaborIn(Strict):
    technician: Id
    hours: Hours
    work_date: Day
    craft: Code | None = None
    started_at: Timestamp | None = None
    ended_at: Timestamp | None = None
    overtime_multiplier: Money = Decimal("1")
    note: Text(500, 0) = ""


class LaborOut(Schema):
    id: int
    work_order: int = Field(validation_alias="work_order_id")
    technician: UserRef
    craft: str | None
    work_date: date
    hours: Decimal
    started_at: datetime | None
    ended_at: datetime | None
    overtime_multiplier: Decimal
    hourly_rate: Decimal
    amount: Decimal
    reversal_of: int | None = Field(validation_alias="reversal_of_id")
    note: str
    entered_by: UserRef
    created_at: datetime

    @staticmethod
    def resolve_craft(obj) -> str | None:
        return obj.craft.code if obj.craft else None


class ContractorIn(Strict):
    contractor: Id = Field(description="The contractor's vendor id")
    person: Text(200)
    hours: Hours
    work_date: Day
    po_number: Text(64, 0) = ""
    po_line: Id | None = None
    agreed_rate: Money | None = Field(None, description="Only for work not paid through a PO")
    note: Text(500, 0) = ""


class VendorRef(Schema):
    id: int
    code: str
    name: str


class ContractorOut(Schema):
    id: int
    work_order: int = Field(validation_alias="work_order_id")
    contractor: VendorRef = Field(validation_alias="vendor")
    person: str
    work_date: date
    hours: Decimal
    po_number: str
    po_line: int | None
    agreed_rate: Decimal | None
    amount: Decimal | None
    reversal_of: int | None = Field(validation_alias="reversal_of_id")
    note: str
    created_at: datetime


class ReverseIn(Strict):
    reason: Text(500)


class CostLineOut(Schema):
    id: int
    kind: str
    category: str
    amount: Decimal
    currency: str
    quantity: Decimal | None
    description: str
    source: str
    cost_date: date
    posted_at: datetime
    after_close: bool
    reverses: int | None = Field(validation_alias="reverses_id")
    running_total: Decimal

    @staticmethod
    def resolve_source(obj) -> str:
        return f"{obj.source_type}:{obj.source_id}"


class WorkOrderCostOut(Schema):
    work_order: int
    currency: str
    labor: Decimal
    parts: Decimal
    contractor: Decimal
    total: Decimal
    estimated: Decimal | None
    labor_hours: Decimal
    contractor_hours: Decimal
    after_close: bool
    lines: list[CostLineOut]


class CostTotalsOut(Schema):
    labor: Decimal
    parts: Decimal
    contractor: Decimal
    total: Decimal


class AssetCostOut(CostTotalsOut):
    asset: int | None = None
    location: int | None = None
    date_from: date | None = Field(None, alias="from")
    date_to: date | None = Field(None, alias="to")
    rollup: bool = True
    by_month: list[dict] = Field(default_factory=list)


class VendorIn(Strict):
    code: Text(40)
    name: Text(200)
    is_contractor: Bool = False
    erp_id: Text(64, 0) = ""


class VendorOut(Schema):
    id: int
    code: str
    name: str
    is_contractor: bool
    erp_id: str
    active: bool


class LaborRateIn(Strict):
    site: Id
    technician: Id | None = None
    craft: Code | None = None
    hourly_rate: Money
    effective_from: Day


class LaborRateOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    technician: int | None = Field(validation_alias="technician_id")
    craft: str | None
    hourly_rate: Decimal
    effective_from: date

    @staticmethod
    def resolve_craft(obj) -> str | None:
        return obj.craft.code if obj.craft else None


class TimerStartIn(Strict):
    work_order: Id


class TimerOut(Schema):
    work_order: int = Field(validation_alias="work_order_id")
    started_at: datetime


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    work_request: int | None = Field(validation_alias="work_request_id")
    work_order: int | None = Field(validation_alias="work_order_id")
    source: str
    created_at: datetime
    url: str = Field(description="GET it with the same credentials")

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/api/v1/attachments/{obj.pk}"
