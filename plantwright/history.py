"""Reading the audit trail that django-simple-history keeps for a record."""

from typing import Any


def change_log(record: Any, limit: int = 100) -> list[dict[str, Any]]:
    """The audit trail of a record (simple-history): who changed which fields, from what to what."""
    entries = list(record.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    log = []
    for newer, older in zip(entries, [*entries[1:], None], strict=False):
        if older is None:
            changes = [] if len(entries) > limit else [{"field": "", "old": None, "new": "created"}]
        else:
            delta = newer.diff_against(older, foreign_keys_are_objs=False)
            changes = [{"field": c.field, "old": c.old, "new": c.new} for c in delta.changes]
        if changes or older is None:
            log.append(
                {
                    "at": newer.history_date,
                    "user": newer.history_user,
                    "type": newer.history_type,
                    "changes": changes,
                }
            )
    return log[:limit]
