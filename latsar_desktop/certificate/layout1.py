"""Certificate layout 1: A4 landscape, DejaVu Sans, QR code bottom left, signer right.

FROZEN. Every certificate this layout has drawn must keep re-rendering to the same bytes,
or offline verification could no longer confirm it byte for byte. So nothing here may
change once released: not the drawing, not a text, not a number or date format. That is
why the texts and month names are a table in this module instead of the live i18n
catalogs (a catalog fix would otherwise change every certificate). A different design,
or a changed text, is a new module ``layout2`` with its own version number;
``render.LAYOUTS`` keeps this one so older certificates still verify.
``tests/data/certificates/reference-layout-1-*.pdf`` are certificates drawn by this
layout when it shipped; a test checks that they still verify as genuine.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from latsar_desktop.domain.protocol import CertificateRecord

VERSION = 1
REGULAR, BOLD = "LatsarSans", "LatsarSans-Bold"
FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}  # in resources/fonts
NAVY = Color(0.04, 0.24, 0.57)
GOLD = Color(0.72, 0.56, 0.2)
GREY = Color(0.35, 0.35, 0.38)

TEXTS: Mapping[str, Mapping[str, str]] = {
    "id": {
        "header": "LEMBAGA ADMINISTRASI NEGARA",
        "title": "SERTIFIKAT",
        "number": "Nomor: {number}",
        "awarded_to": "diberikan kepada",
        "nip": "NIP {nip}",
        "completed": "telah mengikuti dan dinyatakan LULUS {course}",
        "period": "yang diselenggarakan secara daring pada {start} sampai dengan {end}",
        "score": "dengan nilai akhir {score} dan predikat {predicate}.",
        "place_date": "Jakarta, {date}",
        "signer": "Kepala Lembaga Administrasi Negara",
        "signed_electronically": "Ditandatangani secara elektronik (kunci {key_id})",
        "verify_hint": "Pindai kode QR atau buka {url} untuk memeriksa keaslian sertifikat ini.",
    },
    "en": {
        "header": "NATIONAL INSTITUTE OF PUBLIC ADMINISTRATION",
        "title": "CERTIFICATE",
        "number": "Number: {number}",
        "awarded_to": "is awarded to",
        "nip": "NIP {nip}",
        "completed": "has taken part in and PASSED {course}",
        "period": "held online from {start} to {end}",
        "score": "with a final score of {score} and the predicate {predicate}.",
        "place_date": "Jakarta, {date}",
        "signer": "Head of the National Institute of Public Administration",
        "signed_electronically": "Signed electronically (key {key_id})",
        "verify_hint": "Scan the QR code or open {url} to check that this certificate is genuine.",
    },
}
MONTHS: Mapping[str, tuple[str, ...]] = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip
DECIMAL_SEPARATOR: Mapping[str, str] = {"id": ",", "en": "."}
LANGUAGES = tuple(TEXTS)
CREATOR = "Latsar Desktop, certificate layout 1"


def frozen_inputs(language: str) -> dict[str, Any]:
    """Everything of this layout that decides the bytes, besides the code and fonts."""
    return {
        "texts": dict(TEXTS[language]),
        "months": list(MONTHS[language]),
        "decimal_separator": DECIMAL_SEPARATOR[language],
        "page": list(landscape(A4)),
    }


def format_date(value: date, language: str) -> str:
    """10 Desember 2026 / 10 December 2026."""
    return f"{value.day} {MONTHS[language][value.month - 1]} {value.year}"


def format_score(value: Decimal, language: str) -> str:
    """90,01 / 90.01: as many decimals as the record carries (scores stay below 1000)."""
    places = max(0, -int(value.as_tuple().exponent))
    return f"{value:.{places}f}".replace(".", DECIMAL_SEPARATOR[language])


def render(record: CertificateRecord, language: str, subject: str) -> bytes:
    """The PDF bytes; ``subject`` (the signed record and what drew it) goes into the
    document information, where the PDF also names this layout (Creator)."""
    texts = TEXTS[language]

    def say(key: str, **params: str) -> str:
        return texts[key].format(**params)

    width, height = landscape(A4)
    buffer = io.BytesIO()
    # invariant: no clock or random id in the file; no compression: the bytes must not
    # depend on the zlib build (CPython on Windows and some Linux distributions differ)
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1, pageCompression=0)
    canvas.setTitle(f"{say('title')} {record.certificate_number}")
    canvas.setAuthor(say("header"))
    canvas.setCreator(CREATOR)
    canvas.setSubject(subject)

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

    start = format_date(record.period_start, language)
    end = format_date(record.period_end, language)
    score = format_score(record.final_score, language)
    centred(height - 84, say("header"), 14, BOLD, NAVY)
    centred(height - 140, say("title"), 40, BOLD, NAVY)
    centred(height - 164, say("number", number=record.certificate_number), 11)
    centred(height - 204, say("awarded_to"), 13)
    centred(height - 244, record.name, 28, BOLD, NAVY)
    centred(height - 268, say("nip", nip=record.nip), 13)
    centred(height - 288, record.agency, 13)
    centred(height - 324, say("completed", course=record.course_title), 13)
    centred(height - 344, say("period", start=start, end=end), 12)
    centred(height - 368, say("score", score=score, predicate=record.predicate), 13, BOLD, GREY)

    # signer block, right
    right = width - 250
    canvas.setFillColor(GREY)
    canvas.setFont(REGULAR, 11)
    issued = format_date(record.issued_on, language)
    canvas.drawCentredString(right, 150, say("place_date", date=issued))
    canvas.setFont(BOLD, 11)
    canvas.drawCentredString(right, 132, say("signer"))
    canvas.setFont(REGULAR, 8)
    canvas.drawCentredString(right, 84, say("signed_electronically", key_id=record.key_id))

    # QR code to the verify page, left
    size = 104.0
    widget = QrCodeWidget(record.verify_url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 70, 64)
    canvas.setFont(REGULAR, 8)
    canvas.drawString(70, 54, record.verification_code)
    centred(44, say("verify_hint", url=record.verify_url), 8)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
