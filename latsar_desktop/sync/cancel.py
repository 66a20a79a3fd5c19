"""Stopping background work: one ``CancelToken`` per piece of work, set from any thread.

The work (a sync, a download, a package refresh) looks at its token where stopping
leaves nothing half-done: a sync between batches, never while applying an answer; a
download between chunks, so the partial file stays and resumes; and an HTTP call while
it waits for data (``sync/deadline.py``), so a call in flight ends within ``POLL``
(0.2 s) of ``cancel()`` (a connection attempt, or a piece of a request being written,
first runs to its end or its timeout). Stopped work raises ``SyncError(CANCELLED)``. A
token is one-shot: once cancelled it stays cancelled; the next piece of work takes a
new one.
"""

from __future__ import annotations

import threading

from latsar_desktop.sync.errors import SyncError, SyncErrorKind


class CancelToken:
    """Thread-safe: ``cancel()`` from the UI thread, the checks from the worker."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise SyncError(SyncErrorKind.CANCELLED, "stopped on request")

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until cancelled (True) or ``timeout`` seconds passed (False)."""
        return self._event.wait(timeout)


def check(cancel: CancelToken | None) -> None:
    """``cancel.raise_if_cancelled()``, for work that may have no token."""
    if cancel is not None:
        cancel.raise_if_cancelled()
