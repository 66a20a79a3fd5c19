"""Schema upgrades: ``UPGRADES[n]`` turns a version-n database into version n + 1.

A new database is created directly at the current version from the table models; these
steps only ever run on databases written by older versions of the app. A test builds
each old version from the DDL kept here and checks the upgraded layout equals a fresh one.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from latsar_desktop.store.database import Upgrade

# Profile database, schema 1 (the first release): pending/confirmed was a boolean and
# rejections were not kept. Frozen: never edit, it is what old installations have.
PROFILE_V1_DDL = (
    """CREATE TABLE package (
        id INTEGER NOT NULL, course_id VARCHAR NOT NULL, version INTEGER NOT NULL,
        etag VARCHAR, body VARCHAR NOT NULL, fetched_at DATETIME NOT NULL, PRIMARY KEY (id))""",
    """CREATE TABLE journal (
        id VARCHAR NOT NULL, device_id VARCHAR NOT NULL, seq INTEGER NOT NULL,
        type VARCHAR NOT NULL, at DATETIME NOT NULL, payload VARCHAR NOT NULL,
        confirmed BOOLEAN NOT NULL, PRIMARY KEY (id),
        CONSTRAINT uq_journal_device_seq UNIQUE (device_id, seq))""",
    """CREATE TABLE activity_record (
        activity_id VARCHAR NOT NULL, completed_at DATETIME NOT NULL, best_score VARCHAR,
        events INTEGER NOT NULL, last_event_id VARCHAR NOT NULL, PRIMARY KEY (activity_id),
        FOREIGN KEY(last_event_id) REFERENCES journal (id))""",
    """CREATE TABLE attempt_draft (
        attempt_id VARCHAR NOT NULL, package_version INTEGER NOT NULL,
        question_order VARCHAR NOT NULL, answers VARCHAR NOT NULL,
        elapsed_seconds INTEGER NOT NULL, started_at DATETIME NOT NULL,
        updated_at DATETIME NOT NULL, submitted_event_id VARCHAR, PRIMARY KEY (attempt_id),
        FOREIGN KEY(submitted_event_id) REFERENCES journal (id))""",
    """CREATE TABLE server_state (
        id INTEGER NOT NULL, standing VARCHAR NOT NULL, cursor INTEGER NOT NULL,
        acked_seq INTEGER NOT NULL, processed_count INTEGER NOT NULL,
        last_sync_at DATETIME, PRIMARY KEY (id))""",
    """CREATE TABLE certificate_key (
        key_id VARCHAR NOT NULL, public_key VARCHAR NOT NULL, added_at DATETIME NOT NULL,
        PRIMARY KEY (key_id))""",
)


def _profile_1_to_2(connection: Connection) -> None:
    """Journal status replaces the confirmed flag; rejections get their own table."""
    run = connection.exec_driver_sql
    run("ALTER TABLE journal ADD COLUMN status VARCHAR NOT NULL DEFAULT 'pending'")
    run("UPDATE journal SET status = CASE WHEN confirmed THEN 'confirmed' ELSE 'pending' END")
    run("ALTER TABLE journal DROP COLUMN confirmed")
    run("CREATE INDEX ix_journal_status ON journal (status)")
    run(
        """CREATE TABLE rejection (
        event_id VARCHAR NOT NULL, seq INTEGER NOT NULL, code VARCHAR NOT NULL,
        params VARCHAR NOT NULL, recorded_at DATETIME NOT NULL, PRIMARY KEY (event_id),
        FOREIGN KEY(event_id) REFERENCES journal (id))"""
    )


def _profile_2_to_3(connection: Connection) -> None:
    """Certificates received from the server."""
    connection.exec_driver_sql(
        """CREATE TABLE certificate (
        number VARCHAR NOT NULL, body VARCHAR NOT NULL, revoked BOOLEAN NOT NULL,
        received_at DATETIME NOT NULL, PRIMARY KEY (number))"""
    )


def _profile_3_to_4(connection: Connection) -> None:
    """Server changes of types this version does not know, kept for a later version."""
    connection.exec_driver_sql(
        """CREATE TABLE kept_change (
        cursor INTEGER NOT NULL, type VARCHAR NOT NULL, body VARCHAR NOT NULL,
        received_at DATETIME NOT NULL, PRIMARY KEY (cursor, type))"""
    )


def _profile_4_to_5(connection: Connection) -> None:
    """Attempts draw their questions with a seed kept on the draft. A draft started before
    has none: it keeps every question in the order it was given, and is sent without a
    seed (the server accepts that only for an evaluation that shows every question)."""
    connection.exec_driver_sql("ALTER TABLE attempt_draft ADD COLUMN seed VARCHAR")


def _profile_5_to_6(connection: Connection) -> None:
    """server_state is named for what it holds (what the server said at the last sync);
    notifications are kept until the participant has seen them."""
    run = connection.exec_driver_sql
    run("ALTER TABLE server_state RENAME TO last_sync")
    run(
        """CREATE TABLE notification (
        id INTEGER NOT NULL, "key" VARCHAR NOT NULL, code VARCHAR NOT NULL,
        params VARCHAR NOT NULL, created_at DATETIME NOT NULL, seen_at DATETIME,
        PRIMARY KEY (id), UNIQUE ("key"))"""
    )


PROFILE_UPGRADES: dict[int, Upgrade] = {
    1: _profile_1_to_2,
    2: _profile_2_to_3,
    3: _profile_3_to_4,
    4: _profile_4_to_5,
    5: _profile_5_to_6,
}
# machine.db, schema 1 (the first release). Frozen: never edit.
MACHINE_V1_DDL = (
    """CREATE TABLE profile (
        id VARCHAR NOT NULL, nip VARCHAR NOT NULL, name VARCHAR NOT NULL,
        agency VARCHAR NOT NULL, device_id VARCHAR NOT NULL, created_at DATETIME NOT NULL,
        last_sign_in_at DATETIME, nik_verifier VARCHAR, sealed_tokens VARCHAR,
        PRIMARY KEY (id), UNIQUE (nip), UNIQUE (device_id))""",
    """CREATE TABLE content_file (
        sha256 VARCHAR NOT NULL, size INTEGER NOT NULL, media_type VARCHAR NOT NULL,
        stored BOOLEAN NOT NULL, stored_at DATETIME, PRIMARY KEY (sha256))""",
    """CREATE TABLE setting (
        "key" VARCHAR NOT NULL, value VARCHAR NOT NULL, PRIMARY KEY ("key"))""",
    """CREATE TABLE content_need (
        profile_id VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        PRIMARY KEY (profile_id, sha256),
        FOREIGN KEY(profile_id) REFERENCES profile (id) ON DELETE CASCADE,
        FOREIGN KEY(sha256) REFERENCES content_file (sha256))""",
)


def _machine_1_to_2(connection: Connection) -> None:
    """Wrong NIKs offline are counted, with the time of the next try (the wait survives a
    restart)."""
    run = connection.exec_driver_sql
    run("ALTER TABLE profile ADD COLUMN offline_failures INTEGER NOT NULL DEFAULT 0")
    run("ALTER TABLE profile ADD COLUMN offline_retry_at DATETIME")


def _machine_2_to_3(connection: Connection) -> None:
    """A profile may keep the HTTP proxy's user and password, sealed like its tokens."""
    connection.exec_driver_sql("ALTER TABLE profile ADD COLUMN sealed_proxy VARCHAR")


MACHINE_UPGRADES: dict[int, Upgrade] = {
    1: _machine_1_to_2,
    2: _machine_2_to_3,
}
