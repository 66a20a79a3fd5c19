"""The certificate PDF, drawn locally with reportlab from a signed record, and checked.

Only the signed record (a few hundred bytes) ever crosses the network. The PDF carries it
in its Subject, as ``latsar-certificate:`` and base64 JSON (:class:`Envelope`): the exact
signed record text and its signature, the layout version that drew the page, the
language, and the fingerprint of the renderer that drew it (:func:`renderer_fingerprint`).
Rendering is deterministic, so :func:`verify_pdf` checks the signature over the embedded
bytes, redraws the page from the record with the named layout, and compares bytes.

When the redraw differs, the verdict depends on whether this version *can* reproduce
that file: when it knows the layout and language and its own renderer fingerprint equals
the one in the file, the same renderer made the file, so a difference is an edit:
"altered". Otherwise (a layout from a newer app, or a renderer that changed since:
reportlab, the font) the page cannot be confirmed byte for byte, but the record is
genuine: "compare the page with these details", never "altered" for that reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import reportlab
from pydantic import BaseModel, ConfigDict, ValidationError
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from latsar_desktop.certificate import layout1
from latsar_desktop.certificate.verify import Verdict, Verification, verify_record
from latsar_desktop.domain.protocol import CertificateRecord, SignedCertificate
from latsar_desktop.locations import resources_dir

MARKER = "latsar-certificate:"
_EMBEDDED = re.compile(rb"latsar-certificate:([A-Za-z0-9+/=]+)")


class Layout(Protocol):
    """A certificate layout module (``layout1``, …): frozen once released."""

    @property
    def VERSION(self) -> int: ...
    @property
    def LANGUAGES(self) -> tuple[str, ...]: ...
    @property
    def FONT_FILES(self) -> Mapping[str, str]: ...

    def frozen_inputs(self, language: str) -> dict[str, Any]: ...

    def render(self, record: CertificateRecord, language: str, subject: str) -> bytes: ...


LAYOUTS: Mapping[int, Layout] = {layout1.VERSION: layout1}
CURRENT_LAYOUT = layout1.VERSION


class Envelope(BaseModel):
    """What a certificate PDF carries. Read leniently: later versions may add fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    layout: int
    language: str
    renderer: str
    record_json: str  # the exact text the server signed
    signature: str

    @property
    def signed(self) -> SignedCertificate:
        return SignedCertificate(record_json=self.record_json, signature=self.signature)


@cache
def _fonts(layout: int) -> None:
    folder = resources_dir() / "fonts"
    for name, file in LAYOUTS[layout].FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))


@cache
def renderer_fingerprint(layout: int, language: str) -> str:
    """What decides the bytes this app draws for a layout and language, hashed.

    reportlab's version, the font files, the layout's frozen texts and formats. The
    layout's drawing code is not in it: a released layout module never changes, and the
    reference PDFs in tests/data/certificates/ check that it does not.
    """
    module = LAYOUTS[layout]
    folder = resources_dir() / "fonts"
    facts = {
        "layout": layout,
        "language": language,
        "reportlab": reportlab.Version,
        "fonts": {
            name: hashlib.sha256((folder / file).read_bytes()).hexdigest()
            for name, file in sorted(module.FONT_FILES.items())
        },
        "inputs": module.frozen_inputs(language),
    }
    canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _draw(layout: int, signed: SignedCertificate, language: str, payload: str) -> bytes:
    _fonts(layout)
    return LAYOUTS[layout].render(signed.record, language, MARKER + payload)


def render_pdf(
    signed: SignedCertificate, language: str = "id", layout: int = CURRENT_LAYOUT
) -> bytes:
    """The PDF bytes of a certificate; the same record always gives the same bytes."""
    envelope = {
        "layout": layout,
        "language": language,
        "renderer": renderer_fingerprint(layout, language),
        "record_json": signed.record_json,
        "signature": signed.signature,
    }
    text = json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return _draw(layout, signed, language, payload)


def _embedded(pdf: bytes) -> tuple[str, Envelope] | None:
    found = _EMBEDDED.search(pdf)
    if found is None:
        return None
    try:
        envelope = Envelope.model_validate_json(base64.b64decode(found.group(1), validate=True))
        envelope.signed  # noqa: B018  (the record must parse)
    except (ValidationError, ValueError, binascii.Error):
        return None
    return found.group(1).decode("ascii"), envelope


def embedded_envelope(pdf: bytes) -> Envelope | None:
    """What a certificate PDF carries (layout, language, renderer, signed record), or None."""
    found = _embedded(pdf)
    return None if found is None else found[1]


def embedded_record(pdf: bytes) -> SignedCertificate | None:
    """The signed record a certificate PDF carries, exactly as signed, or None."""
    envelope = embedded_envelope(pdf)
    return None if envelope is None else envelope.signed


def can_reproduce(envelope: Envelope) -> bool:
    """Whether this app's renderer is the one that drew a file naming ``envelope``: then a
    byte difference is an edit, not a change of renderer."""
    layout = LAYOUTS.get(envelope.layout)
    return (
        layout is not None
        and envelope.language in layout.LANGUAGES
        and envelope.renderer == renderer_fingerprint(envelope.layout, envelope.language)
    )


def verify_pdf(
    path: Path,
    keys: Mapping[str, str],
    revoked: frozenset[str] | set[str] = frozenset(),
) -> Verification:
    """Genuine, altered, unknown key, revoked (when known), not a certificate, or "record
    genuine; compare the page with these details" — with no connection."""
    pdf = path.read_bytes()
    found = _embedded(pdf)
    if found is None:
        return Verification(Verdict.NOT_A_CERTIFICATE)
    payload, envelope = found
    signed = envelope.signed
    verdict = verify_record(signed, keys, revoked)
    if verdict.verdict is not Verdict.GENUINE:
        return verdict
    layout = LAYOUTS.get(envelope.layout)
    drawable = layout is not None and envelope.language in layout.LANGUAGES
    # the file's own Subject is redrawn as found: what is compared is the page itself
    if drawable and _draw(envelope.layout, signed, envelope.language, payload) == pdf:
        return verdict
    if can_reproduce(envelope):
        return Verification(Verdict.ALTERED, signed.record)
    return Verification(Verdict.RECORD_GENUINE, signed.record)
