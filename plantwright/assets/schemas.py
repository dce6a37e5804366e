from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, WithJsonSchema

from plantwright.core.http.types import NO_CONTROLS_PATTERN, Id, Quantity, Text, Timestamp

CriticalityName = Literal["low", "medium", "high", "critical"]
# Written out: pydantic would put the key's pattern into patternProperties, which leaves other keys free.
ExternalIds = Annotated[
    dict[Text(64), Text(200, 0)],
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NO_CONTROLS_PATTERN},
            "additionalProperties": {"type": "string", "maxLength": 200, "pattern": NO_CONTROLS_PATTERN},
        }
    ),
]


class AssetClassOut(Schema):
    code: str
    name: str


class LocationIn(Schema):
    model_config = ConfigDict(extra="forbid")

    site: Id
    code: Text(40)
    name: Text(200)
    parent: Id | None = None


class LocationOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    code: str
    name: str
    parent: int | None = Field(validation_alias="parent_id")


class AssetIn(Schema):
    model_config = ConfigDict(extra="forbid")

    site: Id
    code: Text(40)
    name: Text(200)
    description: Text(5000, 0) = ""
    location: Id | None = None
    parent: Id | None = None
    criticality: CriticalityName = "medium"
    asset_class: Text(40) | None = Field(None, description="The code of an asset class (GET /asset-classes)")
    commissioned_at: Timestamp | None = None
    decommissioned_at: Timestamp | None = None
    external_ids: ExternalIds = Field(
        default_factory=dict,
        description="oee_machine_id and erp_cost_center are indexed; other keys are kept as given.",
    )


class AssetPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    code: Text(40) = None
    name: Text(200) = None
    description: Text(5000, 0) = None
    location: Id | None = None
    parent: Id | None = None
    criticality: CriticalityName = None
    asset_class: Text(40) | None = None
    commissioned_at: Timestamp | None = None
    decommissioned_at: Timestamp | None = None
    external_ids: ExternalIds = None


class AssetOut(Schema):
    id: int
    site: int = Field(validation_alias="site_id")
    code: str
    name: str
    description: str
    location: int | None = Field(validation_alias="location_id")
    parent: int | None = Field(validation_alias="parent_id")
    criticality: str
    asset_class: str | None = Field(validation_alias="asset_class_code")
    commissioned_at: datetime | None
    decommissioned_at: datetime | None
    external_ids: dict[str, str] = Field(validation_alias="all_external_ids")
    updated_at: datetime


MeterKindName = Literal["cumulative", "gauge"]


class MeterIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: Text(40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: Text(120)
    unit: Text(20)
    kind: MeterKindName = "cumulative"
    max_rate_per_hour: Quantity | None = None


class MeterOut(Schema):
    id: int
    asset: int = Field(validation_alias="asset_id")
    code: str
    name: str
    unit: str
    kind: str
    max_rate_per_hour: Decimal | None
    last_value: Decimal | None = None
    last_read_at: datetime | None = None

    @staticmethod
    def resolve_last_value(meter) -> Decimal | None:
        # As stored (4 places): SQLite hands a subquery's decimal back unscaled.
        value = getattr(meter, "last_value", None)
        return None if value is None else Decimal(value).quantize(Decimal("0.0001"))


class MeterReadingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    meter: Text(40) = Field(description="The meter's code on this asset")
    value: Quantity
    read_at: Timestamp


class MeterReadingOut(Schema):
    id: int
    meter: str = Field(validation_alias="meter.code")
    value: Decimal
    read_at: datetime
    source: str
    created_at: datetime


class AssetImportOut(Schema):
    applied: bool = Field(description="false: a dry run, nothing was written")
    rows: int
    created: list[str] = Field(description="codes of the assets created (or that would be)")
    updated: list[str] = Field(description="codes of the assets changed (or that would be)")
    unchanged: int
