from django import template
from django.utils.html import format_html

register = template.Library()

STATUS_TONES = {
    "draft": "muted",
    "approved": "info",
    "scheduled": "info",
    "in_progress": "work",
    "on_hold": "warn",
    "completed": "done",
    "closed": "muted",
    "cancelled": "muted",
    "new": "warn",
    "rejected": "bad",
    "duplicate": "muted",
    "low": "muted",
    "medium": "info",
    "high": "warn",
    "urgent": "bad",
    "critical": "bad",
    "pending_approval": "warn",
    "submitted": "info",
    "ordered": "work",
    "open": "info",
    "applied": "done",
    "parked": "warn",
    "ignored": "muted",
    "pending": "info",
    "delivering": "work",
    "delivered": "done",
    "dead": "bad",
    "error": "bad",
    "queued": "info",
    "running": "work",
    "done": "done",
    "failed": "bad",
    "warning": "warn",
}


@register.simple_tag
def badge(value: str, label: str | None = None):
    """A status, priority or criticality as a coloured word, in the reader's language: the label
    given, else the label its choices give the value (a raw `on_hold` is never shown)."""
    shown = label or _choice_labels().get(value) or value.replace("_", " ")
    return format_html('<span class="badge badge-{}">{}</span>', STATUS_TONES.get(value, "muted"), shown)


_LABELS: dict | None = None


def _choice_labels() -> dict:
    """value → translatable label of the choices badges show (the first choices that name it)."""
    global _LABELS
    if _LABELS is None:
        from django.utils.translation import gettext_lazy as _

        from plantwright.assets.models import Criticality
        from plantwright.maintenance.models import CheckResult, Priority, WorkOrderStatus, WorkRequest

        labels: dict = {"error": _("Error"), "warning": _("Warning")}  # the audit's severities
        for choices in (WorkOrderStatus, WorkRequest.Status, Priority, Criticality, CheckResult):
            for value, text in choices.choices:
                labels.setdefault(value, text)
        _LABELS = labels
    return _LABELS


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def po_hours(hours_by_po_line, po_line):
    """Contractor hours booked on the WO against this PO line."""
    if not hours_by_po_line:
        return None
    return hours_by_po_line.get((po_line.purchase_order.po_number, po_line.line_number))


@register.filter(name="plain")
def plain_number(value):
    """A quantity as people write it: 10.0000 → 10, 1.5000 → 1.5 (never 1E+1)."""
    from decimal import Decimal

    from plantwright.core.formatting import plain

    return plain(value) if isinstance(value, Decimal) else value


@register.simple_tag(takes_context=True)
def slot(context, page: str, record=None) -> str:
    """What higher apps contribute to this place of a lower app's page (plantwright.core.panels): each
    registered panel's template, rendered with `panel` (its context) and `record`. The page's own
    template never names them, so no template links up the layers."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    from plantwright.core.panels import render_context

    request = context.get("request")
    base = context.flatten()
    parts = [
        render_to_string(panel["template"], {**base, **panel, "panel": panel, "record": record}, request=request)
        for panel in render_context(page, request, record)
        if not panel.get("hidden")
    ]
    return mark_safe("".join(parts))
