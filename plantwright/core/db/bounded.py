"""Text built from outside data (names, codes, reasons, topics) into a column of bounded length.

A title made of an asset's name and a reason code, a note that appends a rejection reason, a source
naming an MQTT topic: each can exceed its column, and a database refuses the whole write (PostgreSQL
raises DataError; SQLite would keep it and the next PostgreSQL restore fail). Every such string goes
through `fit`, which reads the limit from the model, so no length is written twice."""

from django.db import models

ELLIPSIS = "…"


def fit(model: type[models.Model], field: str, text: str) -> str:
    """`text` cut to `model.field`'s max_length, ending in … when it was cut."""
    limit = model._meta.get_field(field).max_length
    if limit is None or len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)] + ELLIPSIS
