"""Local SQLite storage (SQLModel): machine.db and one database per profile."""

from __future__ import annotations
