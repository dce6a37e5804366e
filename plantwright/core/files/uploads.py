"""Uploaded files: read with a bound, so an oversized upload is refused without being read whole."""

from plantwright.core.errors import ValidationFailed


def read_limited(upload, limit: int) -> bytes:
    """The bytes of an upload (anything with `read`); 422 `file_too_large` above `limit`, `file_empty` if none."""
    return check_size(upload.read(limit + 1), limit)


def check_size(data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise ValidationFailed(
            f"The file is larger than {limit // 1_000_000} MB.",
            code="file_too_large",
            details={"field": "file", "max_bytes": limit},
        )
    if not data:
        raise ValidationFailed("The file is empty.", code="file_empty", details={"field": "file"})
    return data
