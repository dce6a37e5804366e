from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from plantwright.api_types import Bool, Code, Day, Id, Text, Timestamp

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


class FailureCodeOut(Schema):
    kind: str
    code: str
    description: str
