"""Alembic migrations run from code: no alembic.ini, scripts shipped inside the package."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from b1hub.store.engine import make_engine
from b1hub.store.paths import database_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant: serialises concurrent `upgrade` calls (several workers starting at once).
_PG_UPGRADE_LOCK = 0x0B1_0B5


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url: str | None = None) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _migration_engine(url: str) -> Engine:
    """SQLite DDL is transactional only inside an explicit BEGIN; IMMEDIATE also serialises
    concurrent upgraders. PostgreSQL gets the same guarantee from an advisory lock.

    Foreign keys are off while migrating SQLite: batch migrations rebuild tables by copy and
    drop, which with enforcement on would cascade-delete child rows. They are checked after.
    """
    resolved = make_url(url)
    if resolved.get_backend_name() != "sqlite":
        return create_engine(resolved)
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at `url` (default: the configured one) to `revision`, atomically."""
    engine = _migration_engine(url or database_url())
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": _PG_UPGRADE_LOCK})
            command.upgrade(alembic_config(connection), revision)
            if connection.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left dangling foreign keys: {broken[:5]}")
    finally:
        engine.dispose()
