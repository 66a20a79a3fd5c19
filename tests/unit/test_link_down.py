"""What a sync error says about the connection (``SyncError.link_down``,
``SyncError.inconclusive``): the one place the status bar and the sign-in learn whether
the participant is offline, a problem to act on, or nothing new."""

from __future__ import annotations

from datetime import timedelta

import pytest

from latsar_desktop.session import participant
from latsar_desktop.sync.errors import SyncError, SyncErrorKind

K = SyncErrorKind
LINK_DOWN = {K.OFFLINE, K.NO_SERVER, K.SERVER_ERROR, K.BAD_RESPONSE}
INCONCLUSIVE = {K.CANCELLED, K.BUSY}


def error(kind: SyncErrorKind) -> SyncError:
    skew = timedelta(minutes=7) if kind is K.CLOCK_SKEW else None
    return SyncError(kind, "detail", clock_skew=skew)


@pytest.mark.parametrize("kind", list(SyncErrorKind))
def test_each_kind_says_offline_a_problem_or_nothing_new(kind: SyncErrorKind) -> None:
    found = error(kind)
    assert found.link_down == (kind in LINK_DOWN)
    assert found.inconclusive == (kind in INCONCLUSIVE)
    # never both: a stopped call says nothing about the link
    assert not (found.link_down and found.inconclusive)


def test_every_error_retried_as_offline_is_a_link_down() -> None:
    retried = {kind for kind in SyncErrorKind if error(kind).retryable}
    assert retried <= LINK_DOWN
    assert LINK_DOWN - retried == {K.NO_SERVER}  # no address: offline, but not retried


def test_a_sign_in_falls_back_to_offline_whenever_the_link_is_down() -> None:
    """The sign-in's own set (``_SERVER_CANNOT_JUDGE``) is the link down plus an app too
    old for the server and a proxy refusing its password (the sign-in has the profile's
    none): the two notions cannot drift apart."""
    down = {kind for kind in SyncErrorKind if error(kind).link_down}
    assert down | {K.CLIENT_TOO_OLD, K.PROXY_REFUSED} == participant._SERVER_CANNOT_JUDGE
