"""Attach photos and documents to work requests and WOs, checked on the server.

The type is decided by reading the file, never by its name or the browser's claim: a photo must
decode (JPEG, PNG, WebP, GIF) and is stored re-encoded, turned upright, without its EXIF data (GPS
positions, camera serials) and at most 1,600 px on its long side; a PDF must start like one. Anything
else, and anything over the size limit, is refused with a code and nothing is stored.
"""

import io
import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from plantwright.accounts.models import User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize, has_perm
from plantwright.bounded import fit
from plantwright.errors import ValidationFailed
from plantwright.maintenance.models import Attachment, WorkOrder, WorkRequest
from plantwright.uploads import read_limited

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
LONG_SIDE = 1600
# Decoding bombs: a small file that claims gigapixels is refused before it is decoded.
Image.MAX_IMAGE_PIXELS = 40_000_000


def _photo(data: bytes) -> tuple[bytes, str, str, int, int] | None:
    """(bytes to store, content type, extension, width, height) of a photo, or None if it is no image."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        kind = image.format
        image = ImageOps.exif_transpose(image)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, ValueError):
        return None
    if kind not in IMAGE_FORMATS:
        return None
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    out = io.BytesIO()
    if kind == "JPEG" or (image.mode not in ("RGBA", "LA", "P") and kind != "PNG"):
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        content_type, extension = "image/jpeg", "jpg"
    else:
        image.save(out, "PNG", optimize=True)
        content_type, extension = "image/png", "png"
    return out.getvalue(), content_type, extension, image.width, image.height


def _clean_name(name: str) -> str:
    return (PurePath(name or "file").name.replace("\x00", "").strip() or "file")[:200]


@transaction.atomic
def attach(
    actor: User | None,
    upload,
    *,
    source: str,
    work_request: WorkRequest | None = None,
    work_order: WorkOrder | None = None,
) -> Attachment:
    """Store one upload on a request or a WO. `actor` None: the request portal (checked there)."""
    target = work_order or work_request
    if target is None:
        raise ValidationFailed("Attach to a request or a WO.")
    if actor is not None and work_order is not None:  # those who work on it or plan it
        if not has_perm(actor, Perm.MANAGE_WORK_ORDERS, target.site_id):
            authorize(actor, Perm.EXECUTE_WORK, target.site_id)
    elif actor is not None:
        authorize(actor, Perm.RAISE_REQUEST, target.site_id)
    data = read_limited(upload, settings.ATTACHMENT_MAX_BYTES)
    width = height = None
    photo = _photo(data)
    if photo is not None:
        data, content_type, extension, width, height = photo
    elif data.startswith(b"%PDF-"):
        content_type, extension = "application/pdf", "pdf"
    else:
        raise ValidationFailed(
            "Only photos (JPEG, PNG, WebP, GIF) and PDF documents can be attached.",
            code="unsupported_file_type",
            details={"field": "file"},
        )
    name = _clean_name(getattr(upload, "name", ""))
    attachment = Attachment(
        site_id=target.site_id,
        work_request=work_request,
        work_order=work_order,
        name=name,
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        uploaded_by=actor,
        source=fit(Attachment, "source", source),
    )
    attachment.file.save(f"{secrets.token_hex(12)}.{extension}", ContentFile(data), save=False)
    attachment.save()
    return attachment


def carry_to_work_order(request: WorkRequest, work_order: WorkOrder) -> int:
    """A request's attachments show on the WO it became (they stay on the request too)."""
    return Attachment.objects.filter(work_request=request, work_order__isnull=True).update(work_order=work_order)
