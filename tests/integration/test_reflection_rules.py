"""``ParticipantSession.record_reflection`` keeps the reflection's rules itself (the screen
only shows its message): the text is stripped; nothing written is refused
(``reflection.empty``), longer than the protocol takes is refused
(``reflection.too_long`` with ``limit`` and ``over``), nothing recorded either way; the
longest the session takes is what the real server on 127.0.0.1 takes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from latsar_desktop.domain.messages import Code, DomainError
from latsar_desktop.domain.protocol import ActivityCompletedEvent, ActivityKind
from latsar_desktop.i18n import translate
from latsar_desktop.session import ParticipantSession
from latsar_desktop.session.participant import REFLECTION_MAX
from latsar_desktop.store.machine import MachineStore
from tests.integration.serverkit import demo_people, sign_in, sqlite_demo_server

BUDI = demo_people()[0]


def test_a_reflection_is_stripped_and_refused_when_empty_or_too_long(
    tmp_path: Path, sessions: list[ParticipantSession]
) -> None:
    with sqlite_demo_server(tmp_path) as server:
        session = sign_in(MachineStore(tmp_path / "pc"), server.url, BUDI)
        sessions.append(session)
        reflection = next(
            a.id for _, a in session.package().activities() if a.kind is ActivityKind.REFLECTION
        )

        with pytest.raises(DomainError) as empty:
            session.record_reflection(reflection, " \n\t  ")
        assert empty.value.message.code is Code.REFLECTION_EMPTY
        assert "refleksi" in translate(empty.value.message, "id").lower()

        too_long = "a" * (REFLECTION_MAX + 3)
        with pytest.raises(DomainError) as refused:
            session.record_reflection(reflection, f"  {too_long}  ")
        message = refused.value.message
        assert message.code is Code.REFLECTION_TOO_LONG
        assert dict(message.params) == {"limit": REFLECTION_MAX, "over": 3}
        assert session.pending_count() == 0  # nothing recorded

        # the longest, with spaces around it that do not count: recorded stripped
        longest = "b" * REFLECTION_MAX
        event = session.record_reflection(reflection, f"\n  {longest}  \n")
        assert isinstance(event, ActivityCompletedEvent)
        assert event.payload.reflection_text == longest
        # and the server takes it
        report = session.sync()
        assert report.rejected == 0
        assert session.pending_count() == 0
