"""The certificate PDF, drawn locally with reportlab from a signed record.

A4 landscape, Indonesian by default, DejaVu Sans embedded (resources/fonts), a QR code
to the verify page, and the signed record itself embedded in the document's Subject.
Rendering is deterministic (reportlab's invariant mode, every date from the record), so
``verify_pdf`` re-renders from the embedded record and compares the bytes: any edit of
the file shows. Only a few hundred bytes (the record) ever cross the network.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from pydantic import ValidationError
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from latsar_desktop.certificate.verify import Verdict, Verification, verify_record
from latsar_desktop.domain.messages import Code, ParamValue
from latsar_desktop.domain.protocol import SignedCertificate
from latsar_desktop.i18n import text
from latsar_desktop.locations import resources_dir

MARKER = "latsar-certificate:"
_EMBEDDED = re.compile(rb"latsar-certificate:([A-Za-z0-9+/=]+)")
REGULAR, BOLD = "LatsarSans", "LatsarSans-Bold"
NAVY = Color(0.04, 0.24, 0.57)
GOLD = Color(0.72, 0.56, 0.2)
GREY = Color(0.35, 0.35, 0.38)


@cache
def _fonts() -> None:
    folder = resources_dir() / "fonts"
    pdfmetrics.registerFont(TTFont(REGULAR, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))


def render_pdf(signed: SignedCertificate, language: str = "id") -> bytes:
    """The PDF bytes of a certificate; the same record always gives the same bytes."""
    _fonts()
    record = signed.record
    width, height = landscape(A4)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1, pageCompression=1)
    canvas.setTitle(f"{text(Code.PDF_TITLE, language)} {record.certificate_number}")
    canvas.setAuthor(text(Code.PDF_HEADER, language))
    canvas.setCreator("Latsar Desktop")
    payload = base64.b64encode(signed.model_dump_json().encode()).decode("ascii")
    canvas.setSubject(MARKER + payload)

    # frame
    canvas.setStrokeColor(NAVY)
    canvas.setLineWidth(6)
    canvas.rect(24, 24, width - 48, height - 48)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.5)
    canvas.rect(36, 36, width - 72, height - 72)

    def centred(
        y: float, line: str, size: float, font: str = REGULAR, colour: Color = GREY
    ) -> None:
        canvas.setFont(font, size)
        canvas.setFillColor(colour)
        canvas.drawCentredString(width / 2, y, line)

    def say(code: Code, **params: ParamValue) -> str:
        return text(code, language, params)

    centred(height - 84, say(Code.PDF_HEADER), 14, BOLD, NAVY)
    centred(height - 140, say(Code.PDF_TITLE), 40, BOLD, NAVY)
    centred(height - 164, say(Code.PDF_NUMBER, number=record.certificate_number), 11)
    centred(height - 204, say(Code.PDF_AWARDED_TO), 13)
    centred(height - 244, record.name, 28, BOLD, NAVY)
    centred(height - 268, say(Code.PDF_NIP, nip=record.nip), 13)
    centred(height - 288, record.agency, 13)
    centred(height - 324, say(Code.PDF_COMPLETED, course=record.course_title), 13)
    centred(
        height - 344, say(Code.PDF_PERIOD, start=record.period_start, end=record.period_end), 12
    )
    centred(
        height - 368,
        say(Code.PDF_SCORE, score=record.final_score, predicate=record.predicate),
        13,
        BOLD,
        GREY,
    )

    # signer block, right
    right = width - 250
    canvas.setFillColor(GREY)
    canvas.setFont(REGULAR, 11)
    canvas.drawCentredString(right, 150, say(Code.PDF_PLACE_DATE, date=record.issued_on))
    canvas.setFont(BOLD, 11)
    canvas.drawCentredString(right, 132, say(Code.PDF_SIGNER))
    canvas.setFont(REGULAR, 8)
    canvas.drawCentredString(right, 84, say(Code.PDF_SIGNED_ELECTRONICALLY, key_id=record.key_id))

    # QR code to the verify page, left
    size = 104.0
    widget = QrCodeWidget(record.verify_url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 70, 64)
    canvas.setFont(REGULAR, 8)
    canvas.drawString(70, 54, record.verification_code)
    centred(44, say(Code.PDF_VERIFY_HINT, url=record.verify_url), 8)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def embedded_record(pdf: bytes) -> SignedCertificate | None:
    """The signed record a certificate PDF carries, or None."""
    found = _EMBEDDED.search(pdf)
    if found is None:
        return None
    try:
        return SignedCertificate.model_validate_json(base64.b64decode(found.group(1)))
    except (ValidationError, ValueError):
        return None


def verify_pdf(
    path: Path,
    keys: Mapping[str, str],
    revoked: frozenset[str] | set[str] = frozenset(),
) -> Verification:
    """Genuine, altered, unknown key, or revoked (when known) — with no connection."""
    pdf = path.read_bytes()
    signed = embedded_record(pdf)
    if signed is None:
        return Verification(Verdict.NOT_A_CERTIFICATE)
    verdict = verify_record(signed, keys, revoked)
    if verdict.verdict is not Verdict.GENUINE:
        return verdict
    for language in ("id", "en"):
        if render_pdf(signed, language) == pdf:
            return verdict
    return Verification(Verdict.ALTERED, signed.record)
