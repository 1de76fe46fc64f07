"""A store that is unavailable for a while, told apart from a broken one.

SQLite locked by another process past the busy timeout, or PostgreSQL refusing or dropping
connections, says nothing about the records of a run: the run pauses (its checkpoint moves
only with its recorded outcomes) and the next run resumes. Anything else is a bug and
fails the run. Before giving up, the engine waits :func:`retry_seconds` for the store:
SQLite through its busy timeout, PostgreSQL by retrying the connection.
"""

from __future__ import annotations

import os
import re
import sqlite3

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

RETRY_ENV = "B1HUB_STORE_RETRY_SECONDS"
DEFAULT_RETRY_SECONDS = 10.0
"""Long enough for the console's and the CLI's short write transactions, short enough that
a store locked or down for good pauses the run within seconds."""

_SQLITE_BUSY = ("database is locked", "database table is locked", "database schema is locked")
_PG_TRANSIENT = (
    "connection refused", "timeout expired", "timed out", "could not connect",
    "server closed the connection", "connection reset", "no route to host",
    "network is unreachable", "the database system is", "too many clients",
    "could not translate host name", "connection is lost", "connection is closed",
    "terminating connection", "ssl syscall error", "eof detected",
)
"""Connection failures worth retrying (libpq gives them no SQLSTATE); a wrong password or
database name fails at once."""
_SECRETS = (
    (re.compile(r"(://[^:/@\s]*:)[^@\s]*@"), r"\1***@"),
    (re.compile(r"(password\s*=\s*)\S+", re.IGNORECASE), r"\1***"),
)
_MAX_REASON = 160


def retry_seconds() -> float:
    """How long the store may be unavailable before a run pauses (B1HUB_STORE_RETRY_SECONDS)."""
    raw = os.environ.get(RETRY_ENV)
    if not raw:
        return DEFAULT_RETRY_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ValueError(
            f"{RETRY_ENV}={raw!r} is not a positive number of seconds; set it to how long the "
            f"hub waits for a locked or unreachable store (default {DEFAULT_RETRY_SECONDS:g})"
        )
    return seconds


def transient_connect_error(exc: BaseException) -> bool:
    """True when a failed PostgreSQL connection attempt is worth retrying."""
    text = str(exc).lower()
    return any(marker in text for marker in _PG_TRANSIENT)


def unavailable_reason(exc: BaseException) -> str | None:
    """A short reason, free of secrets, when ``exc`` (or what it was raised from) says the
    store is locked or unreachable; None when it is any other error."""
    error: BaseException | None = exc
    for _ in range(5):
        if error is None:
            return None
        if _unavailable(error):
            return _reason(error)
        error = error.__cause__
    return None


def _unavailable(error: BaseException) -> bool:
    if not isinstance(error, DBAPIError):
        return False
    if isinstance(error.orig, sqlite3.Error):
        return isinstance(error, OperationalError) and any(
            busy in str(error.orig).lower() for busy in _SQLITE_BUSY)
    return error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)


def _reason(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    text = lines[0] if lines else type(original).__name__
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


def paused_message(reason: str) -> str:
    """The message of a run paused on the store, as the run log shows it."""
    return (f"paused: the hub's store was unavailable ({reason}); "
            "the next run resumes from the checkpoint")


class StoreUnavailable(RuntimeError):
    """The store stayed locked or unreachable even for recording that a run paused on it:
    the run is left to the runner's recovery (or, on a queue, retried later)."""
