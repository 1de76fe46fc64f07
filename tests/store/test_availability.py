"""Which store errors pause a run (locked, unreachable) and which fail it (bugs)."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from b1hub.store import make_engine
from b1hub.store.availability import paused_message, unavailable_reason


def _sqlite_error(tmp_path: Path, sql: str) -> Exception:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}", connect_args={"timeout": 0.1})
    try:
        with engine.begin() as connection:
            connection.execute(text(sql))
    except Exception as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError(f"{sql} did not fail")


def test_sqlite_locked_past_the_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    holder = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        error = _sqlite_error(tmp_path, "INSERT INTO t VALUES (1)")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert isinstance(error, OperationalError)
    assert unavailable_reason(error) == "database is locked"


def test_a_sqlite_bug_is_not_unavailability(tmp_path: Path) -> None:
    error = _sqlite_error(tmp_path, "INSERT INTO no_such_table VALUES (1)")
    assert isinstance(error, OperationalError)
    assert unavailable_reason(error) is None
    assert unavailable_reason(ValueError("database is locked")) is None


def test_postgresql_refusing_connections_is_unavailable_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("B1HUB_STORE_RETRY_SECONDS", "0.3")
    engine = make_engine(f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{_free_port()}/x")
    try:
        with pytest.raises(OperationalError) as caught, engine.connect():
            pass
    finally:
        engine.dispose()
    reason = unavailable_reason(caught.value)
    assert reason is not None and "Connection refused" in reason, reason
    assert "s3cret" not in paused_message(reason)
    wrapped = RuntimeError("while recording outcomes")
    wrapped.__cause__ = caught.value
    assert unavailable_reason(wrapped) == reason


def test_secrets_in_a_driver_message_are_masked() -> None:
    error = OperationalError("SELECT 1", {}, Exception(
        "could not connect to postgresql://hub:topsecret@db:5432/hub password=topsecret\n"
        "second line"))
    reason = unavailable_reason(error)
    assert reason == "could not connect to postgresql://hub:***@db:5432/hub password=***"


def test_a_postgresql_programming_error_is_not_unavailability() -> None:
    error = ProgrammingError("SELECT x", {}, Exception('column "x" does not exist'))
    assert unavailable_reason(error) is None


def _free_port() -> int:
    """A loopback port free a moment ago: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
