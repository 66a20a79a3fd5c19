"""Online, a wrong NIK near the NIP's lock says how many tries are left (issue 15, G1).

The real server over HTTP on 127.0.0.1, on SQLite and PostgreSQL. The server counts the
wrong tries exactly as its lock does (``nip_failure_limit`` within ``nip_lock_minutes``),
says ``auth.invalid_credentials_tries_left`` once two or fewer are left, and answers an
unknown NIP exactly as a known one with a wrong NIK. The app turns it into Indonesian
and English text.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from latsar_desktop.domain.messages import Code, msg
from latsar_desktop.i18n import translate
from latsar_desktop.session import ParticipantSession, SessionError
from latsar_desktop.store.machine import MachineStore
from latsar_desktop.sync.api import SERVER_URL_SETTING
from latsar_server.tables import LoginFailure
from tests.integration.serverkit import client, demo_people, load_demo, login, sqlite_settings
from tests.servers import RunningServer, running_server

PEOPLE = demo_people()
BUDI, SITI = PEOPLE[0], PEOPLE[1]
NOBODY = "199001012026011999"  # a well-formed NIP no participant has

INVALID = "auth.invalid_credentials"
TRIES_LEFT = "auth.invalid_credentials_tries_left"
LOCKED = "auth.nip_locked"

Answer = tuple[int, str, dict[str, str]]


@pytest.fixture
def demo(server: RunningServer) -> RunningServer:
    load_demo(server)
    return server


def try_login(http: httpx.Client, nip: str, nik: str) -> httpx.Response:
    return http.post(
        "/api/v1/auth/login",
        json={"nip": nip, "nik": nik, "device_id": str(uuid.uuid4()), "device_name": "PC uji"},
    )


def answer(response: httpx.Response) -> Answer:
    """Status, code and parameters (name: value) of a refusal."""
    error: dict[str, Any] = response.json()["error"]
    params = {name: str(param["value"]) for name, param in error["params"].items()}
    return response.status_code, str(error["code"]), params


def shape(response: httpx.Response) -> tuple[Answer, frozenset[str], bool]:
    """What a refusal shows: its answer, the body's fields, and whether it carries the
    headers its status needs (401: ``WWW-Authenticate``; 429: ``Retry-After``)."""
    header = "WWW-Authenticate" if response.status_code == 401 else "Retry-After"
    return answer(response), frozenset(response.json()), header in response.headers


def wrong_tries(http: httpx.Client, nip: str, count: int) -> list[httpx.Response]:
    return [try_login(http, nip, SITI["nik"]) for _ in range(count)]  # never NOBODY's NIK


def expected(limit: int, minutes: int) -> list[Answer]:
    """The answers to ``limit`` wrong tries in a row: the short message while more than
    two tries are left, then the tries left with the lock's minutes, then the lock."""
    answers: list[Answer] = []
    for failures in range(1, limit):
        left = limit - failures
        if left > 2:
            answers.append((401, INVALID, {}))
        else:
            answers.append((401, TRIES_LEFT, {"tries_left": str(left), "minutes": str(minutes)}))
    return [*answers, (429, LOCKED, {"minutes": str(minutes)})]


def test_wrong_niks_say_the_tries_left_on_the_third_and_fourth_then_the_nip_locks(
    demo: RunningServer,
) -> None:
    assert (demo.settings.nip_failure_limit, demo.settings.nip_lock_minutes) == (5, 15)
    with client(demo) as http:
        answers = [answer(r) for r in wrong_tries(http, BUDI["nip"], 5)]
        assert answers == [
            (401, INVALID, {}),
            (401, INVALID, {}),
            (401, TRIES_LEFT, {"tries_left": "2", "minutes": "15"}),
            (401, TRIES_LEFT, {"tries_left": "1", "minutes": "15"}),
            (429, LOCKED, {"minutes": "15"}),
        ]
        # locked: the right NIK too, meanwhile
        right = try_login(http, BUDI["nip"], BUDI["nik"])
        assert answer(right) == (429, LOCKED, {"minutes": "15"})
        # another participant from the same address counts from zero
        assert answer(try_login(http, SITI["nip"], BUDI["nik"])) == (401, INVALID, {})


def test_an_unknown_nip_gets_the_same_answers_as_a_known_one(demo: RunningServer) -> None:
    with client(demo) as http:
        known = [shape(r) for r in wrong_tries(http, BUDI["nip"], 6)]
        unknown = [shape(r) for r in wrong_tries(http, NOBODY, 6)]
    assert unknown == known
    assert [a for a, _, _ in unknown] == [*expected(5, 15), (429, LOCKED, {"minutes": "15"})]
    assert all(has_headers for _, _, has_headers in unknown)


def test_the_tries_left_follow_the_lock_settings(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path, nip_failure_limit=3, nip_lock_minutes=7)
    with running_server(settings) as running:
        load_demo(running)
        with client(running) as http:
            answers = [answer(r) for r in wrong_tries(http, BUDI["nip"], 3)]
    assert answers == [
        (401, TRIES_LEFT, {"tries_left": "2", "minutes": "7"}),
        (401, TRIES_LEFT, {"tries_left": "1", "minutes": "7"}),
        (429, LOCKED, {"minutes": "7"}),
    ]
    assert answers == expected(3, 7)


def test_only_the_failures_the_lock_counts_count(demo: RunningServer) -> None:
    """Failures older than the lock's window do not count, a sign-in clears the count."""
    moment = datetime.now(UTC)
    with demo.engine.begin() as connection:
        for age in (16, 16, 16, 10, 10):  # minutes; the lock looks back 15
            connection.execute(
                LoginFailure.__table__.insert().values(  # type: ignore[attr-defined]
                    nip=BUDI["nip"], address="10.0.0.9", at=moment - timedelta(minutes=age)
                )
            )
    with client(demo) as http:
        # 2 within the window and this one: 2 left (all 6: locked)
        assert answer(try_login(http, BUDI["nip"], SITI["nik"])) == (
            401,
            TRIES_LEFT,
            {"tries_left": "2", "minutes": "15"},
        )
        login(http, BUDI)  # the right NIK clears the NIP's failures
        assert answer(try_login(http, BUDI["nip"], SITI["nik"])) == (401, INVALID, {})


ID_TEXTS = [
    "NIP atau NIK salah. Periksa kembali dan coba lagi.",
    "NIP atau NIK salah. Periksa kembali dan coba lagi.",
    "NIP atau NIK salah. Sisa 2 kali percobaan sebelum NIP ini dikunci selama 15 menit.",
    "NIP atau NIK salah. Sisa 1 kali percobaan sebelum NIP ini dikunci selama 15 menit.",
    "Terlalu banyak percobaan masuk yang salah untuk NIP ini. Coba lagi dalam 15 menit.",
]
EN_TEXTS = [
    "Wrong NIP or NIK. Please check and try again.",
    "Wrong NIP or NIK. Please check and try again.",
    "Wrong NIP or NIK. Tries left before this NIP is locked for 15 minutes: 2.",
    "Wrong NIP or NIK. Tries left before this NIP is locked for 15 minutes: 1.",
    "Too many wrong sign-in attempts for this NIP. Try again in 15 minutes.",
]


@pytest.mark.parametrize("nip", [BUDI["nip"], NOBODY], ids=["known", "unknown"])
def test_the_app_says_the_tries_left_in_indonesian_and_english(
    sqlite_server: RunningServer, tmp_path: Path, nip: str
) -> None:
    """Through ``ParticipantSession.sign_in``, as the sign-in screen does: the refusal's
    messages under "Masuk", in both languages."""
    load_demo(sqlite_server)
    machine = MachineStore(tmp_path / "pc")
    machine.set_setting(SERVER_URL_SETTING, sqlite_server.url)
    refusals = []
    for _ in range(5):
        with pytest.raises(SessionError) as refused:
            ParticipantSession.sign_in(machine, nip, SITI["nik"], device_name="PC uji")
        assert refused.value.field_messages("nip") == ()
        assert refused.value.field_messages("nik") == ()
        refusals.append(refused.value.general_messages())
    assert refusals[2:4] == [
        (msg(Code.AUTH_INVALID_CREDENTIALS_TRIES_LEFT, tries_left=left, minutes=15),)
        for left in (2, 1)
    ]
    assert [translate(m, "id") for (m,) in refusals] == ID_TEXTS
    assert [translate(m, "en") for (m,) in refusals] == EN_TEXTS
    assert machine.profile_by_nip(nip) is None  # refused online: no profile made
