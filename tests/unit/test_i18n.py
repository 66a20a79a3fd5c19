from __future__ import annotations

import string
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from latsar_desktop import i18n
from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.domain.protocol import WireMessage, WireParam
from latsar_desktop.i18n import LANGUAGES, MissingTranslation, catalog, text, translate
from latsar_desktop.i18n.compile import compiled, is_fresh, main, messages, mo_path, read_catalog
from latsar_desktop.i18n.labels import Label

# the core's message codes and the screens' labels: one registry, both in the catalogs
CODES = [*Code, *Label]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_has_a_text(language: str) -> None:
    po = read_catalog(language)
    missing = [c.value for c in CODES if not (po.get(c.value) and po.get(c.value).string)]
    assert missing == []
    for code in CODES:
        assert catalog(language).gettext(code.value) != code.value


def test_both_languages_use_the_same_placeholders() -> None:
    ids, ens = read_catalog("id"), read_catalog("en")
    for code in CODES:
        assert placeholders(ids.get(code.value).string) == placeholders(
            ens.get(code.value).string
        ), code


def test_catalogs_have_no_unknown_codes() -> None:
    known = {c.value for c in CODES}
    for language in LANGUAGES:
        extra = {m.id for m in read_catalog(language) if m.id} - known
        assert extra == set(), language


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogs_are_fresh(language: str) -> None:
    assert is_fresh(language)
    assert messages(mo_path(language).read_bytes()) == messages(compiled(language))
    assert main(["--check"]) == 0


def test_parameters_are_formatted_per_language() -> None:
    message = msg(
        Code.CHECKLIST_SCORE_BELOW_PASSING, score=Decimal("64.50"), passing=Decimal("65.00")
    )
    assert "64,50" in translate(message, "id")
    assert "64.50" in translate(message, "en")
    when = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10.00 in Jakarta
    assert "1 Desember 2026, 10.00 WIB" in text(
        Code.CHECKLIST_AWAITING_ISSUANCE, "id", {"date": when}
    )
    assert "1 December 2026, 10:00 WIB" in text(
        Code.CHECKLIST_AWAITING_ISSUANCE, "en", {"date": when}
    )
    makassar = ZoneInfo("Asia/Makassar")  # the zone's Indonesian name in English too
    assert "11:00 WITA" in text(Code.CHECKLIST_AWAITING_ISSUANCE, "en", {"date": when}, makassar)
    berlin = ZoneInfo("Europe/Berlin")  # abroad: the offset of that day
    assert "04.00 UTC+1" in text(Code.CHECKLIST_AWAITING_ISSUANCE, "id", {"date": when}, berlin)
    mismatch = msg(
        Code.IDENTITY_BIRTH_DATE_MISMATCH, nip_date=date(1990, 3, 15), nik_date="16-03-90"
    )
    assert "15 Maret 1990" in translate(mismatch, "id")


def test_unknown_code_and_language(monkeypatch: pytest.MonkeyPatch) -> None:
    # a code from a newer server: the generic text, naming the code
    assert text("badge.revoked", "id") == (
        "Pesan dari server tidak dikenali aplikasi ini (kode: badge.revoked). "
        "Perbarui aplikasi bila pesan ini terus muncul."
    )
    assert "(code: badge.revoked)" in text("badge.revoked", "en")
    wire = WireMessage(code="badge.revoked", params={"n": WireParam.of(3)})
    assert "badge.revoked" in translate(wire.to_message(), "id")
    # a code this version has but no text for is a bug, not a newer server
    monkeypatch.setattr(i18n, "KNOWN_CODES", i18n.KNOWN_CODES | {"no.such.code"})
    with pytest.raises(MissingTranslation):
        text("no.such.code", "id")
    with pytest.raises(ValueError, match="unsupported language"):
        text(Code.NIP_EMPTY, "fr")


def test_a_missing_parameter_shows_as_an_ellipsis() -> None:
    """A newer server that sends a known code without a parameter its text needs."""
    assert text(Code.NIP_WRONG_LENGTH, "id", {"length": 17}) == (
        "NIP harus … angka, tetapi yang dimasukkan 17 angka."
    )
