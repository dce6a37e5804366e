"""Serving an attachment, the same way to the pages and the API."""

from django.http import FileResponse

from plantwright.maintenance.models import Attachment


def attachment_response(attachment: Attachment) -> FileResponse:
    """Photos inline, documents as downloads; the stored type only (we decided it), never sniffed."""
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
