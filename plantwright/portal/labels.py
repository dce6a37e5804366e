"""QR labels: what a label encodes (the scan URL of the asset's code), as SVG or as an A4 PDF sheet.

segno makes the codes (error correction M: a label survives some grease); the PDF sheet draws each
code's modules with reportlab, 3 × 8 labels a page, each with the asset code and name. The text is
set in DejaVu Sans (vendored): the PDF base fonts cannot write Turkish letters such as ı, ş and ğ.
"""

import io
from functools import cache
from pathlib import Path

import segno
from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from plantwright.assets.models import Asset
from plantwright.maintenance.selectors.costs import location_assets_sql
from plantwright.portal.services import code_for

COLUMNS, ROWS = 3, 8
MARGIN_X, MARGIN_Y = 8 * mm, 12 * mm
FONTS = Path(__file__).parent / "fonts"


@cache
def _fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("DejaVuSans", FONTS / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", FONTS / "DejaVuSans-Bold.ttf"))
    return "DejaVuSans", "DejaVuSans-Bold"


def label_url(request, asset: Asset) -> str:
    """The address the label was printed from: the one people on the plant network use."""
    return request.build_absolute_uri(reverse("portal-scan", args=[code_for(asset).code]))


def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, xmldecl=False)
    return out.getvalue()


# One PDF holds at most this many labels (10 A4 pages, a few seconds to draw): a location of
# thousands of assets is printed in parts, so no request holds a web process for half a minute.
LABELS_PER_PART = 10 * COLUMNS * ROWS


def _labelled(location):
    return Asset.objects.filter(pk__in=location_assets_sql(location.pk), decommissioned_at__isnull=True)


def label_parts(location) -> int:
    """How many PDFs the location's labels take (at least one)."""
    return max(1, -(-_labelled(location).count() // LABELS_PER_PART))


def label_sheet(request, location, part: int = 1) -> bytes:
    start = (part - 1) * LABELS_PER_PART
    assets = list(_labelled(location).order_by("code", "pk")[start : start + LABELS_PER_PART])
    out = io.BytesIO()
    regular, bold = _fonts()
    pdf = canvas.Canvas(out, pagesize=A4, initialFontName=regular)
    pdf.setTitle(_("QR labels {location}").format(location=location.code))
    width, height = A4
    cell_w, cell_h = (width - 2 * MARGIN_X) / COLUMNS, (height - 2 * MARGIN_Y) / ROWS
    for index, asset in enumerate(assets):
        slot = index % (COLUMNS * ROWS)
        if index and slot == 0:
            pdf.showPage()
        col, row = slot % COLUMNS, slot // COLUMNS
        x, y = MARGIN_X + col * cell_w, height - MARGIN_Y - (row + 1) * cell_h
        _draw_code(pdf, label_url(request, asset), x + 3 * mm, y + 3 * mm, cell_h - 6 * mm)
        text_x = x + cell_h
        pdf.setFont(bold, 11)
        pdf.drawString(text_x, y + cell_h - 10 * mm, asset.code[:24])
        pdf.setFont(regular, 8)
        pdf.drawString(text_x, y + cell_h - 15 * mm, asset.name[:34])
        pdf.drawString(text_x, y + 5 * mm, _("Scan to report a problem"))
    if not assets:
        pdf.setFont(regular, 11)
        pdf.drawString(
            MARGIN_X, height - MARGIN_Y - 10 * mm, _("No assets in {location}.").format(location=location.code)
        )
    pdf.save()
    return out.getvalue()


def _draw_code(pdf, url: str, x: float, y: float, size: float) -> None:
    matrix = [list(row) for row in segno.make(url, error="m").matrix]
    modules = len(matrix)
    step = size / modules
    for r, line in enumerate(matrix):
        for c, dark in enumerate(line):
            if dark:
                pdf.rect(x + c * step, y + size - (r + 1) * step, step, step, stroke=0, fill=1)
