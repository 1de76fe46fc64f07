"""The org's SQLite file: records as JSON documents plus the sandbox's own state.

One connection, used only from the event-loop thread, in autocommit mode: the
:class:`~b1hub.sandbox.salesforce.org.Org` opens transactions explicitly, so a write
survives a crash exactly when Salesforce would have confirmed it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import orjson

DB_FILE = "salesforce.sqlite3"

DDL = """
CREATE TABLE IF NOT EXISTS records (
  id TEXT PRIMARY KEY,
  sobject TEXT NOT NULL,
  data TEXT NOT NULL,
  is_deleted INTEGER NOT NULL DEFAULT 0,
  system_modstamp TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_sobject_modstamp ON records(sobject, system_modstamp, id);
CREATE TABLE IF NOT EXISTS id_seq (prefix TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  token TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  created_at REAL NOT NULL,
  last_used REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS custom_fields (
  sobject TEXT NOT NULL,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  PRIMARY KEY (sobject, name)
);
CREATE TABLE IF NOT EXISTS rules (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  spec TEXT NOT NULL
);
"""


def connect(data_dir: Path) -> sqlite3.Connection:
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(data_dir / DB_FILE, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.executescript(DDL)
    return conn


def ext_index_name(sobject: str, field: str) -> str:
    return f"ix_{sobject}_{field}".lower()


def ext_expr(field: str) -> str:
    """The indexed expression every external-id lookup must use verbatim."""
    return f"lower(json_extract(data, '$.{field}'))"


def ensure_ext_index(conn: sqlite3.Connection, sobject: str, field: str) -> None:
    """Index an external id / unique field (partial index per sObject, case-insensitive)."""
    conn.execute(
        f"CREATE INDEX IF NOT EXISTS {ext_index_name(sobject, field)} "
        f"ON records({ext_expr(field)}) WHERE sobject = '{sobject}'"
    )


class KeyValue:
    """Small persistent settings (runtime config, API usage)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, key: str, default: Any = None) -> Any:
        row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return orjson.loads(row[0]) if row else default

    def set(self, key: str, value: Any) -> None:
        self._conn.execute(
            "INSERT INTO kv(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, orjson.dumps(value).decode()),
        )
