"""What every request needs: settings and the database engine, built once per worker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import cached_property

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session

from latsar_server.database import READ_ONLY, transaction
from latsar_server.settings import Settings


@dataclass
class ServerState:
    settings: Settings
    engine: Engine

    def transaction(self) -> AbstractContextManager[Session]:
        return transaction(self.engine)

    @cached_property
    def _reader(self) -> Engine:
        """The engine under the read-only option (plain BEGIN on SQLite), made once."""
        return self.engine.execution_options(**{READ_ONLY: True})

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self._reader, expire_on_commit=False) as session:
            yield session


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.latsar
    return state
