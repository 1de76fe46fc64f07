"""SQLite storage: one generic table of JSON documents keyed by (entity set, key).

A single connection is used from the event-loop thread only (short synchronous calls),
which keeps the sandbox simple and deterministic. Writes nest as savepoints, so a
``$batch`` changeset can be rolled back as a unit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from b1hub.sandbox.service_layer.query import Sql, indexed_column
from b1hub.sandbox.service_layer.schema import ENTITIES

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    id INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    key NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_entities_key ON entities(entity, key);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value NOT NULL);
"""

Doc = dict[str, Any]


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA cache_size=-65536")
        self.db.executescript(SCHEMA)
        self._index_fields()
        self._depth = 0

    def _index_fields(self) -> None:
        """A virtual column and an index per indexed field, and one for change tracking.

        Virtual columns rather than expression indexes: SQLite seeks an index with a row
        value ``(a, b, key) > (?, ?, ?)`` only on columns, and that is what makes a keyset
        page (``UpdateDate, UpdateTime, key``) cost the page, not the table.
        """
        names = sorted({name for ent in ENTITIES.values() for name in ent.indexed})
        present = {row[1] for row in self.db.execute("PRAGMA table_xinfo(entities)")}
        for name in names:
            col = indexed_column(name)
            if col not in present:
                self.db.execute(
                    f"ALTER TABLE entities ADD COLUMN {col} "
                    f"GENERATED ALWAYS AS (json_extract(doc, '$.{name}')) VIRTUAL"
                )
            self.db.execute(f"CREATE INDEX IF NOT EXISTS ix_{col} ON entities(entity, {col}, key)")
        if {"UpdateDate", "UpdateTime"} <= set(names):
            date, time = indexed_column("UpdateDate"), indexed_column("UpdateTime")
            self.db.execute(
                f"CREATE INDEX IF NOT EXISTS ix_changes ON entities(entity, {date}, {time}, key)"
            )

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A transaction, or a savepoint inside one: all or nothing."""
        name = f"sp{self._depth}"
        self.db.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self.db.execute(f"ROLLBACK TO {name}")
            self.db.execute(f"RELEASE {name}")
            raise
        else:
            self.db.execute(f"RELEASE {name}")
        finally:
            self._depth -= 1

    def meta(self, name: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return default if row is None else row[0]

    def set_meta(self, name: str, value: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(name, value) VALUES (?, ?)", (name, value))

    def next_number(self, name: str, start: int = 1) -> int:
        value = int(self.meta(f"seq:{name}", start))
        self.set_meta(f"seq:{name}", value + 1)
        return value

    def get(self, entity: str, key: Any) -> Doc | None:
        row = self.db.execute(
            "SELECT doc FROM entities WHERE entity = ? AND key = ?", (entity, key)
        ).fetchone()
        return None if row is None else dict(orjson.loads(row[0]))

    def exists(self, entity: str, key: Any) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM entities WHERE entity = ? AND key = ?", (entity, key)
        ).fetchone()
        return row is not None

    def insert(self, entity: str, key: Any, doc: Doc) -> None:
        self.db.execute(
            "INSERT INTO entities(entity, key, doc) VALUES (?, ?, ?)",
            (entity, key, orjson.dumps(doc).decode()),
        )

    def insert_many(self, entity: str, rows: Iterable[tuple[Any, Doc]]) -> None:
        self.db.executemany(
            "INSERT INTO entities(entity, key, doc) VALUES (?, ?, ?)",
            ((entity, key, orjson.dumps(doc).decode()) for key, doc in rows),
        )

    def replace(self, entity: str, key: Any, doc: Doc) -> None:
        self.db.execute(
            "UPDATE entities SET doc = ? WHERE entity = ? AND key = ?",
            (orjson.dumps(doc).decode(), entity, key),
        )

    def delete(self, entity: str, key: Any) -> bool:
        cur = self.db.execute("DELETE FROM entities WHERE entity = ? AND key = ?", (entity, key))
        return cur.rowcount > 0

    def select(
        self, entity: str, where: Sql | None, order: Sql, limit: int | None, offset: int
    ) -> list[Doc]:
        sql = "SELECT doc FROM entities WHERE entity = ?"
        params: tuple[Any, ...] = (entity,)
        if where is not None:
            sql += f" AND {where.text}"
            params += where.params
        sql += f" ORDER BY {order.text} LIMIT ? OFFSET ?"
        params += (*order.params, -1 if limit is None else limit, offset)
        return [orjson.loads(row[0]) for row in self.db.execute(sql, params)]

    def count(self, entity: str, where: Sql | None) -> int:
        sql = "SELECT count(*) FROM entities WHERE entity = ?"
        params: tuple[Any, ...] = (entity,)
        if where is not None:
            sql += f" AND {where.text}"
            params += where.params
        return int(self.db.execute(sql, params).fetchone()[0])

    def wipe(self) -> None:
        self.db.execute("DELETE FROM entities")
        self.db.execute("DELETE FROM meta")
