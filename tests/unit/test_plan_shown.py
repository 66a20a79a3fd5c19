"""``Plan.shown_bytes``: the size a download button shows before it starts."""

from __future__ import annotations

from latsar_desktop.sync.downloader import Plan


def test_the_bytes_still_to_move_or_the_whole_size_once_all_is_stored() -> None:
    assert Plan(files=(), total_bytes=5_000, missing_bytes=1_200).shown_bytes == 1_200
    assert Plan(files=(), total_bytes=5_000, missing_bytes=0).shown_bytes == 5_000
    assert Plan(files=(), total_bytes=0, missing_bytes=0).shown_bytes == 0
