"""The shop-floor request portal: an operator without an account scans the asset's QR label on the
plant network and raises a work request, with a photo.

No account means other safeguards: only addresses of the plant network (PORTAL_NETWORKS) reach the
form; a hidden field that people leave empty and robots fill, and a signed form time (a human takes
a few seconds) stop scripts; a person's address may raise PORTAL_PER_ADDRESS_PER_HOUR requests an
hour and an asset PORTAL_PER_ASSET_PER_HOUR, and past that the portal answers 429 and writes nothing.
"""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from plantwright.assets.models import Asset
from plantwright.core.errors import NotFound, PermissionDenied, TooManyRequests, ValidationFailed
from plantwright.maintenance.models import WorkRequest
from plantwright.maintenance.services import attach, raise_portal_request
from plantwright.portal.models import AssetCode, PortalSubmission

FORM_SALT = "plantwright.portal.form"
MIN_SECONDS = 3  # faster than this, it is no person typing
MAX_AGE = 3600 * 6


def code_for(asset: Asset) -> AssetCode:
    return AssetCode.objects.get_or_create(asset=asset)[0]


def asset_for_code(code: str) -> Asset:
    found = AssetCode.objects.select_related("asset__site").filter(code=code).first()
    if found is None:
        raise NotFound(code="unknown_label")
    return found.asset


def on_plant_network(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net.strip(), strict=False) for net in settings.PORTAL_NETWORKS if net.strip())


def check_network(address: str) -> None:
    if not on_plant_network(address):
        raise PermissionDenied("The request portal is open on the plant network only.", code="outside_plant_network")


def form_stamp(asset: Asset, *, issued_at: float | None = None) -> str:
    """The form's signed birth certificate: which asset, when it was shown."""
    issued = timezone.now().timestamp() if issued_at is None else issued_at
    return signing.dumps({"asset": asset.pk, "at": issued}, salt=FORM_SALT)


def _check_stamp(stamp: str, asset: Asset) -> None:
    try:
        data = signing.loads(stamp, salt=FORM_SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        raise ValidationFailed("The form has expired; open the label again.", code="form_expired") from None
    if data.get("asset") != asset.pk:
        raise ValidationFailed("The form belongs to another asset.", code="form_expired")
    if timezone.now().timestamp() - float(data.get("at", 0)) < MIN_SECONDS:
        raise ValidationFailed("Sent too fast to have been typed.", code="too_fast")


@transaction.atomic
def submit(
    asset: Asset, *, address: str, name: str, description: str, stamp: str, trap: str = "", photo=None
) -> WorkRequest:
    check_network(address)
    if trap:
        raise ValidationFailed("Leave the last field empty.", code="spam_suspected")
    _check_stamp(stamp, asset)
    name, description = name.strip(), description.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("Your name, please (up to 100 characters).", details={"field": "name"})
    if len(description) < 5 or len(description) > 2000:
        raise ValidationFailed("Say what is wrong (5 to 2,000 characters).", details={"field": "description"})
    AssetCode.objects.select_for_update().filter(asset=asset).first()  # one asset's submissions in turn
    hour_ago = timezone.now() - timedelta(hours=1)
    recent = PortalSubmission.objects.filter(created_at__gte=hour_ago)
    if recent.filter(address=address).count() >= settings.PORTAL_PER_ADDRESS_PER_HOUR:
        raise TooManyRequests("Too many requests from this device; ask a supervisor.", details={"retry_after": 3600})
    if recent.filter(asset=asset).count() >= settings.PORTAL_PER_ASSET_PER_HOUR:
        raise TooManyRequests(
            "This machine has many open reports already; maintenance knows.", details={"retry_after": 3600}
        )
    title = description.splitlines()[0][:120]
    request = raise_portal_request(asset, title=title, description=description, reporter=name)
    if photo is not None:
        attach(None, photo, source=f"portal:{address}", work_request=request)
    PortalSubmission.objects.create(asset=asset, address=address, work_request_id=request.pk)
    return request
