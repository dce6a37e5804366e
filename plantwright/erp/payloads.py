"""What Plantwright sends to an ERP (docs/erp-integration.md documents each field with an example)."""

from typing import Any

from django.conf import settings

from plantwright.procurement.models import PartsRequest, PartsRequestLine


def _decimal(value) -> str:
    return f"{value:.4f}"


def _events_url(site) -> str:
    return f"{settings.PLANTWRIGHT_BASE_URL.rstrip('/')}/api/v1/erp/events?site={site.code}"


def _line(line: PartsRequestLine, currency: str) -> dict[str, Any]:
    return {
        "request_line": line.pk,
        "line_no": line.line_no,
        "kind": line.kind,
        "part": None
        if line.part is None
        else {
            "id": line.part.pk,
            "part_number": line.part.part_number,
            "manufacturer_part_number": line.part.manufacturer_part_number,
        },
        "description": line.description,
        "quantity": _decimal(line.quantity),
        "unit": line.unit,
        "estimated_unit_cost": _decimal(line.estimated_unit_cost),
        "currency": currency,
        "need_by": line.need_by.isoformat() if line.need_by else None,
        "suggested_vendor": None
        if line.suggested_vendor is None
        else {
            "code": line.suggested_vendor.code,
            "name": line.suggested_vendor.name,
            "erp_id": line.suggested_vendor.erp_id,
        },
        "cost_center": line.cost_center,
        "for_stock": line.for_stock,
        "status": line.status,
    }


def parts_request_payload(request: PartsRequest, idempotency_key: str) -> dict[str, Any]:
    """The request as the ERP receives it (select its site, WO, asset and users; prefetch its lines)."""
    work_order = request.work_order
    return {
        "type": "parts_request.submitted",
        "idempotency_key": idempotency_key,
        "site": request.site.code,
        "reply_to": _events_url(request.site),
        "parts_request": {
            "id": request.pk,
            "number": request.number,
            "note": request.note,
            "requested_by": request.requested_by.username,
            "approved_by": request.approved_by.username if request.approved_by else None,
            "submitted_at": request.submitted_at.isoformat() if request.submitted_at else None,
            "work_order": {
                "id": work_order.pk,
                "number": work_order.number,
                "title": work_order.title,
                "asset": {
                    "code": work_order.asset.code,
                    "name": work_order.asset.name,
                    "erp_cost_center": work_order.asset.erp_cost_center,
                },
            },
            "lines": [
                _line(line, request.site.currency)
                for line in request.lines.all()
                if line.status == PartsRequestLine.Status.OPEN
            ],
        },
    }


def cancellation_payload(line: PartsRequestLine, idempotency_key: str) -> dict[str, Any]:
    return {
        "type": "request_line.cancelled",
        "idempotency_key": idempotency_key,
        "site": line.request.site.code,
        "reply_to": _events_url(line.request.site),
        "request_line": line.pk,
        "parts_request": line.request.number,
        "po_lines": [
            {"po_number": po_line.purchase_order.po_number, "po_line": po_line.line_number}
            for po_line in line.po_lines.select_related("purchase_order").filter(cancelled=False)
        ],
    }
