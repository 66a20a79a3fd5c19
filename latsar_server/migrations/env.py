"""Alembic environment: run by ``latsar-server migrate`` (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from latsar_server.tables import ServerTable

# Every ``serve`` process migrates at start: on PostgreSQL they take turns on this lock
# (held until the migrations' transaction ends), and the ones after the first find the
# schema at head. Without it two at once both created the first tables, and one failed.
MIGRATION_LOCK = 0x4C415453  # "LATS"

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url is not None

engine = create_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=ServerTable.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()
engine.dispose()
