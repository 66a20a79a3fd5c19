"""``ServerRuntime``: what one server process holds for every request and job, built once
per process (per uvicorn worker): the settings and the database engine, with the two ways
in (``transaction()`` to write, ``read()`` to read), and the threads sync requests are
worked on in (``sync_threads``, as many as ``settings.sync_threads``).

The HTTP layer hands it to a route as ``RuntimeDep`` (``latsar_server.api.dependencies``).
The clock is :mod:`latsar_server.clock` (one per process too).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine
from sqlmodel import Session

from latsar_server.database import READ_ONLY, transaction
from latsar_server.settings import Settings


@dataclass
class ServerRuntime:
    settings: Settings
    engine: Engine

    def transaction(self) -> AbstractContextManager[Session]:
        return transaction(self.engine)

    @cached_property
    def _reader(self) -> Engine:
        """The engine under the read-only option (plain BEGIN on SQLite), made once."""
        return self.engine.execution_options(**{READ_ONLY: True})

    @cached_property
    def sync_threads(self) -> ThreadPoolExecutor:
        """The threads sync requests are worked on in: at most ``settings.sync_threads`` at
        once in this process, the others wait in its queue (made at the first sync)."""
        return ThreadPoolExecutor(self.settings.sync_threads, thread_name_prefix="sync")

    def close(self) -> None:
        """When the process stops serving: its sync threads end (after the work they
        have), its database connections close."""
        if "sync_threads" in self.__dict__:
            self.sync_threads.shutdown()
        self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self._reader, expire_on_commit=False) as session:
            yield session
