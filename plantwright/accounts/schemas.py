from ninja import Schema
from pydantic import ConfigDict, Field

from plantwright.core.http.types import Currency, Text


class SiteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: Text(32, pattern=r"^[a-z0-9][a-z0-9-]*$") = Field(description="Lower-case slug used in MQTT topics")
    name: Text(200)
    timezone: Text(64) = "UTC"
    currency: Currency = "EUR"


class SiteOut(Schema):
    id: int
    code: str
    name: str
    timezone: str
    currency: str


class RoleOut(Schema):
    site: int
    role: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    is_superuser: bool
    roles: list[RoleOut]
