"""Schemas shared by every app's API: the error body and the response map of each operation."""

from typing import Any

from ninja import Schema
from pydantic import TypeAdapter


class ErrorDetail(Schema):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(Schema):
    error: ErrorDetail


def errors(*statuses: int) -> dict[int, type[ErrorBody]]:
    """Response entries for the error statuses an operation can answer (401 always applies)."""
    return {status: ErrorBody for status in sorted({401, 400, *statuses})}


def upload(description: str | None = None) -> dict[str, Any]:
    """openapi_extra of an operation that takes one file as multipart/form-data field `file`, and nothing else
    (`description`, when given, replaces the handler's docstring)."""
    # An empty file never reaches the handler (Django's parser drops it): the schema says so.
    schema = {"additionalProperties": False, "properties": {"file": {"minLength": 1}}}
    only_file = {"content": {"multipart/form-data": {"schema": schema}}}
    return {"requestBody": only_file} | ({"description": description} if description else {})


# The types of bodies read by hand (signed, or one-or-a-list): their definitions become OpenAPI
# components (see plantwright.api), so $refs and discriminator mappings resolve in the published
# document and generated clients get the real types.
COMPONENTS: dict[str, Any] = {}


def component_schema(type_: Any) -> dict[str, Any]:
    """The JSON schema of a body type for an operation's openapi_extra, its definitions registered as
    components (`#/components/schemas/<Name>`)."""
    schema = TypeAdapter(type_).json_schema(ref_template="#/components/schemas/{model}")
    COMPONENTS.update(schema.pop("$defs", {}))
    return schema


def events_body(event_type: Any, max_batch: int, batch_name: str) -> dict[str, Any]:
    """openapi_extra of an inbound-events operation: the body is one event, a list of 1 to `max_batch`
    events, or `{"events": [...]}` (the same list, component `batch_name`) — read by `read_events`."""
    from typing import Annotated

    from pydantic import BaseModel, ConfigDict, Field, create_model

    batch = Annotated[list[event_type], Field(min_length=1, max_length=max_batch)]
    wrapper: type[BaseModel] = create_model(batch_name, __config__=ConfigDict(extra="forbid"), events=(batch, ...))
    schema = component_schema(event_type | batch | wrapper)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def read_events(body: bytes, max_batch: int) -> tuple[list[Any], bool]:
    """The events of an inbound body (see `events_body`) and whether it was a batch."""
    from plantwright.core import json_reader
    from plantwright.core.errors import ValidationFailed

    data = json_reader.loads(body)
    if isinstance(data, list):
        batch = True
    elif isinstance(data, dict) and set(data) == {"events"} and isinstance(data["events"], list):
        data, batch = data["events"], True
    else:
        data, batch = [data], False
    if not data or len(data) > max_batch:
        raise ValidationFailed(f"Send 1 to {max_batch} events.", code="batch_size", details={"max": max_batch})
    return data, batch


def answer_events(results: list, *, batch: bool):
    """The answer to inbound events (ERP, downtime), each result with `status`, `error`, `as_dict()`.

    One event: 200 with its result, or its own error (with the stored event in `details.event`).
    A batch: 200 with every result, or 422 `events_rejected` listing them all (the others stood).
    """
    from ninja import Status

    from plantwright.core.errors import error_from_body

    rejected = [result for result in results if result.status == "rejected"]
    if not batch:
        result = results[0]
        if rejected:
            details = {**result.error.get("details", {}), "event": result.as_dict()}
            raise error_from_body({**result.error, "details": details})
        return Status(200, result.as_dict())
    if rejected:
        raise error_from_body(
            {
                "code": "events_rejected",
                "message": f"{len(rejected)} of {len(results)} events were refused; the others were applied.",
                "details": {"results": [result.as_dict() for result in results]},
            }
        )
    return Status(200, {"results": [result.as_dict() for result in results]})
