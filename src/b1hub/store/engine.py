"""Engines and sessions for the embedded (SQLite) and distributed (PostgreSQL) shapes."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Dialect, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from b1hub.store.availability import retry_seconds, transient_connect_error
from b1hub.store.paths import database_url
from b1hub.store.revision import is_current

PG_CONNECT_TIMEOUT_SECONDS = 10
"""Per connection attempt, unless the URL sets ``connect_timeout``: a host that drops packets
fails the attempt instead of hanging for the kernel's TCP timeout."""


def _ensure_wal(cursor: sqlite3.Cursor, wait_seconds: float) -> None:
    """Switch the file to WAL once. The switch needs an exclusive lock and SQLite does not run
    the busy handler for it, so racing first connections retry here instead of failing."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_pragmas(wait_seconds: float) -> Callable[[sqlite3.Connection, Any], None]:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={round(wait_seconds * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            _ensure_wal(cursor, wait_seconds)
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return on_connect


def _connect_retrying(wait_seconds: float) -> Callable[..., Any]:
    """A ``do_connect`` hook: a server restarting or briefly unreachable is waited for (up
    to ``wait_seconds``) rather than failing whatever needed the connection. A pooled
    connection found dead by the pre-ping reconnects through here too."""

    def do_connect(
        dialect: Dialect, _record: ConnectionPoolEntry, cargs: tuple[Any, ...],
        cparams: dict[str, Any],
    ) -> Any:
        deadline = time.monotonic() + wait_seconds
        delay = 0.1
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except dialect.loaded_dbapi.OperationalError as exc:
                if not transient_connect_error(exc) or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    return do_connect


def _json_loads(text: str | bytes) -> Any:
    """orjson for JSON columns (link bases are read by the thousand); the standard parser
    for what only it accepts (NaN written by an older version)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine with the settings the hub relies on.

    SQLite: WAL (readers never block the writer), foreign keys enforced, and a busy timeout so
    concurrent writers (runner + console + CLI) wait instead of failing. pysqlite's default
    transaction handling is kept on purpose: it begins a transaction at the first write, so a
    read followed by a write never hits SQLITE_BUSY_SNAPSHOT.

    PostgreSQL: pooled connections are pinged before use and connecting is retried.

    Both wait :func:`~b1hub.store.availability.retry_seconds` for a locked or unreachable
    store; past that the statement fails and a run pauses on it.
    """
    resolved = make_url(url or database_url())
    wait = retry_seconds()
    kwargs.setdefault("json_deserializer", _json_loads)
    if resolved.get_backend_name() == "sqlite":
        if resolved.database and resolved.database != ":memory:":
            Path(resolved.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"check_same_thread": False, "timeout": wait}
        engine = create_engine(resolved, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(wait))
        return engine
    connect_args = {} if "connect_timeout" in resolved.query else {
        "connect_timeout": PG_CONNECT_TIMEOUT_SECONDS}
    engine = create_engine(resolved, pool_pre_ping=True,
                           connect_args={**connect_args, **kwargs.pop("connect_args", {})},
                           **kwargs)
    event.listen(engine, "do_connect", _connect_retrying(wait))
    return engine


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
    if migrate and not is_current(engine):
        from b1hub.store.migrate import upgrade

        upgrade(engine.url.render_as_string(hide_password=False))
    return Store(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False))
