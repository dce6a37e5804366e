"""Meter readings from the OEE platform over MQTT (`<prefix>/<site>/meters/<machine_id>`).

The same rules as `POST /assets/{id}/meter-readings` (assets.meters); a refused reading is kept on
the *Refused events* page with its reason, like a refused downtime event.
"""

from django.db import transaction
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from plantwright.accounts.models import User
from plantwright.assets.meters import record_meter_reading
from plantwright.assets.models import Asset
from plantwright.core.errors import DomainError, ValidationFailed, schema_error
from plantwright.core.http.types import Quantity, Text, Timestamp
from plantwright.downtime.services.ingest import Incoming, reject_unreadable


class MeterReadingEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    meter: Text(40)
    value: Quantity
    read_at: Timestamp


_READING = TypeAdapter(MeterReadingEvent)


def ingest_readings(actor: User, items: list[Incoming]) -> int:
    """Record a batch of readings (one transaction, each reading stands alone); returns how many were new."""
    machine_ids = {item.machine_id for item in items}
    assets = {(a.site_id, a.oee_machine_id): a for a in Asset.objects.filter(oee_machine_id__in=machine_ids)}
    recorded = 0
    with transaction.atomic():
        for item in items:
            try:
                with transaction.atomic():
                    recorded += _record(actor, item, assets)
            except DomainError as exc:
                reject_unreadable(actor, item.raw, source=item.source, site=item.site, error=exc)
    return recorded


def _record(actor: User, item: Incoming, assets: dict[tuple[int, str], Asset]) -> bool:
    try:
        reading = _READING.validate_python(item.raw)
    except ValidationError as exc:
        raise schema_error(exc, "The reading") from None
    asset = assets.get((item.site.pk, item.machine_id))
    if asset is None:
        raise ValidationFailed(
            f"No asset has OEE machine id {item.machine_id!r} at {item.site.code}.",
            code="unknown_machine",
            details={"field": "machine_id"},
        )
    return record_meter_reading(
        actor, asset, meter_code=reading.meter, value=reading.value, read_at=reading.read_at, source=item.source
    ).created
