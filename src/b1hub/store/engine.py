"""Engines and sessions for the embedded (SQLite) and distributed (PostgreSQL) shapes."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from b1hub.store.paths import database_url

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _ensure_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL once. The switch needs an exclusive lock and SQLite does not run
    the busy handler for it, so racing first connections retry here instead of failing."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        _ensure_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine with the settings the hub relies on.

    SQLite: WAL (readers never block the writer), foreign keys enforced, and a busy timeout so
    concurrent writers (runner + console + CLI) wait instead of failing. pysqlite's default
    transaction handling is kept on purpose: it begins a transaction at the first write, so a
    read followed by a write never hits SQLITE_BUSY_SNAPSHOT.
    """
    resolved = make_url(url or database_url())
    if resolved.get_backend_name() == "sqlite":
        if resolved.database and resolved.database != ":memory:":
            Path(resolved.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(resolved, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(resolved, pool_pre_ping=True, **kwargs)


@dataclass(frozen=True)
class Store:
    """An engine plus its session factory; the one object the CLI, web and runner hold."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits on success and rolls back on any exception."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open the configured database, bringing its schema up to date first unless told not to."""
    engine = make_engine(url)
    if migrate:
        from b1hub.store.migrate import upgrade

        upgrade(engine.url.render_as_string(hide_password=False))
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
