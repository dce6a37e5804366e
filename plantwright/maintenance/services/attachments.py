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
from plantwright.core.db.bounded import fit
from plantwright.core.errors import Conflict, ValidationFailed
from plantwright.core.files.uploads import read_limited
from plantwright.maintenance.models import Attachment, WorkOrder, WorkRequest

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
LONG_SIDE = 1600
# Decompression bombs: a 300 KB PNG can claim 8,900 × 8,900 pixels and take ~800 MB to decode. The
# size is read from the header and judged before a single pixel is decoded. A JPEG is decoded at a
# reduced scale (1/2 to 1/8, by its DCT: `draft`), so it may claim more; other formats decode whole.
MAX_PIXELS = 50_000_000  # a 48 MP phone camera's JPEG
MAX_DECODED_PIXELS = 16_000_000  # 4,000 × 4,000: at most 64 MB a copy
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, as a second line


class _TooLarge(Exception):
    pass


def _photo(data: bytes) -> tuple[bytes, str, str, int, int] | None:
    """(bytes to store, content type, extension, width, height) of a photo, or None if it is no image;
    _TooLarge if it claims more pixels than it may be decoded with."""
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
        kind = image.format
        if kind not in IMAGE_FORMATS:
            return None
        if image.width * image.height > MAX_PIXELS:
            raise _TooLarge
        if kind == "JPEG":
            image.draft("RGB", (LONG_SIDE, LONG_SIDE))  # decode at the smallest scale still ≥ the target
        if image.width * image.height > MAX_DECODED_PIXELS:
            raise _TooLarge
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = ImageOps.exif_transpose(image)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    except Image.DecompressionBombError:
        raise _TooLarge from None
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    out = io.BytesIO()
    if kind == "JPEG" or (image.mode not in ("RGBA", "LA", "P") and kind != "PNG"):
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        content_type, extension = "image/jpeg", "jpg"
    else:
        image.save(out, "PNG", optimize=True)
        content_type, extension = "image/png", "png"
    return out.getvalue(), content_type, extension, image.width, image.height


def may_attach(
    actor: User | None, *, work_request: WorkRequest | None = None, work_order: WorkOrder | None = None
) -> bool:
    """Whether files may be added now (given the right to): a request while it is new (after that they
    belong on its WO); a WO by its planners at any time, by technicians while it is open."""
    if work_order is not None:
        if actor is not None and has_perm(actor, Perm.MANAGE_WORK_ORDERS, work_order.site_id):
            return True
        return work_order.is_open and (actor is None or has_perm(actor, Perm.EXECUTE_WORK, work_order.site_id))
    if work_request is not None:
        return work_request.status == WorkRequest.Status.NEW and (
            actor is None or has_perm(actor, Perm.RAISE_REQUEST, work_request.site_id)
        )
    return False


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
    if not may_attach(actor, work_request=work_request, work_order=work_order):
        raise Conflict(code="attachments_closed")
    data = read_limited(upload, settings.ATTACHMENT_MAX_BYTES)
    width = height = None
    try:
        photo = _photo(data)
    except _TooLarge:
        raise ValidationFailed(
            code="image_too_large",
            details={"field": "file", "max_pixels": MAX_PIXELS},
            megapixels=MAX_PIXELS // 1_000_000,
        ) from None
    if photo is not None:
        data, content_type, extension, width, height = photo
    elif data.startswith(b"%PDF-"):
        content_type, extension = "application/pdf", "pdf"
    else:
        raise ValidationFailed(code="unsupported_file_type", details={"field": "file"})
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
