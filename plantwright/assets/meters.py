"""Meters on assets and their readings: what a meter-based PM schedule counts with.

A reading is refused, with the reason, when it cannot be true: a cumulative meter (running hours,
cycles, km) that goes backwards against the readings around it, a rise faster than the meter's
`max_rate_per_hour` allows, a time in the future. The same reading sent twice is stored once.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.assets.models import Asset, Meter, MeterKind, MeterReading
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, ValidationFailed

# Clocks drift; a reading a little ahead of ours is a clock, more is a mistake (as for WO times).
FUTURE_TOLERANCE_SECONDS = 300


@transaction.atomic
def create_meter(
    actor: User,
    asset: Asset,
    *,
    code: str,
    name: str,
    unit: str,
    kind: str = MeterKind.CUMULATIVE,
    max_rate_per_hour: Decimal | None = None,
) -> Meter:
    authorize(actor, Perm.MANAGE_ASSETS, asset.site_id)
    if kind not in MeterKind.values:
        raise ValidationFailed(f"Unknown meter kind {kind!r}.", details={"field": "kind", "allowed": MeterKind.values})
    if max_rate_per_hour is not None and max_rate_per_hour <= 0:
        raise ValidationFailed("The highest rate must be above zero.", details={"field": "max_rate_per_hour"})
    if Meter.objects.filter(asset=asset, code=code).exists():
        raise Conflict(f"{asset.code} already has a meter {code!r}.", code="meter_exists", details={"field": "code"})
    return Meter.objects.create(
        asset=asset, code=code, name=name, unit=unit, kind=kind, max_rate_per_hour=max_rate_per_hour
    )


@dataclass
class RecordedReading:
    reading: MeterReading
    created: bool  # False: the same reading was already stored (a replay)


@transaction.atomic
def record_meter_reading(
    actor: User,
    asset: Asset,
    *,
    meter_code: str,
    value: Decimal,
    read_at: datetime,
    source: str,
    now: datetime | None = None,
) -> RecordedReading:
    authorize(actor, Perm.RECORD_READINGS, asset.site_id)
    value = value.quantize(Decimal("0.0001"))  # as stored, so the answer shows what was kept
    # One writer per meter: two readings checked against each other must not pass side by side.
    meter = Meter.objects.select_for_update().filter(asset=asset, code=meter_code).first()
    if meter is None:
        raise ValidationFailed(
            f"{asset.code} has no meter {meter_code!r}.",
            code="unknown_meter",
            details={"field": "meter", "meters": list(asset.meters.values_list("code", flat=True))},
        )
    now = now or timezone.now()
    if (read_at - now).total_seconds() > FUTURE_TOLERANCE_SECONDS:
        raise ValidationFailed(
            "The reading lies in the future; check the sender's clock.",
            code="time_in_future",
            details={"field": "read_at", "server_time": now.isoformat()},
        )
    same_time = MeterReading.objects.filter(meter=meter, read_at=read_at).first()
    if same_time is not None:
        if same_time.value == value:
            return RecordedReading(same_time, created=False)
        raise Conflict(
            f"{meter} already has {same_time.value} at {read_at.isoformat()}.",
            code="reading_conflict",
            details={"field": "value", "stored": str(same_time.value)},
        )
    if meter.kind == MeterKind.CUMULATIVE:
        _check_cumulative(meter, value, read_at)
    reading = MeterReading.objects.create(
        meter=meter, value=value, read_at=read_at, source=fit(MeterReading, "source", source), recorded_by=actor
    )
    return RecordedReading(reading, created=True)


def _check_cumulative(meter: Meter, value: Decimal, read_at: datetime) -> None:
    if value < 0:
        raise ValidationFailed(
            "A cumulative meter is never negative.", code="negative_reading", details={"field": "value"}
        )
    before = MeterReading.objects.filter(meter=meter, read_at__lt=read_at).order_by("-read_at").first()
    after = MeterReading.objects.filter(meter=meter, read_at__gt=read_at).order_by("read_at").first()
    pairs = [(before.read_at, before.value, read_at, value)] if before else []
    pairs += [(read_at, value, after.read_at, after.value)] if after else []
    for start, low, end, high in pairs:  # going backwards is the plainer reason: said first
        if high < low:
            raise ValidationFailed(
                f"{meter.code} would go backwards: {low} at {start.isoformat()}, {high} at {end.isoformat()}. "
                "(A replaced or reset meter is a new meter.)",
                code="meter_went_backwards",
                details={"field": "value"},
            )
    for start, low, end, high in pairs if meter.max_rate_per_hour is not None else []:
        hours = Decimal((end - start).total_seconds()) / 3600
        if high - low > meter.max_rate_per_hour * hours:
            raise ValidationFailed(
                f"{meter.code} cannot rise {high - low} {meter.unit} in {hours:.2f} h "
                f"(at most {meter.max_rate_per_hour} per hour).",
                code="impossible_jump",
                details={"field": "value", "max_rate_per_hour": str(meter.max_rate_per_hour)},
            )


def current_value(meter: Meter) -> MeterReading | None:
    return meter.readings.order_by("-read_at").first()
