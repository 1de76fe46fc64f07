"""A row in every table of a store at an older revision, and the check that an upgrade
kept each of them with its values.

The rows are made from the reflected schema, not from the models, so a table added to
the first migration is covered without touching this file: foreign keys take the
referenced row's values, enum columns the first value their CHECK constraint allows,
and every other column a value of its type.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, MetaData, Table, inspect, select

from b1hub.store import make_engine

WHEN = dt.datetime(2024, 5, 17, 8, 30, 15, tzinfo=dt.UTC)
JSON_VALUE = {"kept": [1, "two", None], "nested": {"ok": True, "text": "Grüße"}}
Rows = dict[str, dict[str, Any]]


def fill_every_table(url: str) -> Rows:
    """Insert one row in every table of the database at ``url``; the rows by table."""
    engine = make_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        inspector = inspect(engine)
        rows: Rows = {}
        with engine.begin() as connection:
            for table in meta.sorted_tables:
                if table.name == "alembic_version":
                    continue
                checks = [str(c["sqltext"]) for c in inspector.get_check_constraints(table.name)]
                row = {c.name: _value(table, c, rows, checks) for c in table.columns}
                connection.execute(table.insert().values(**row))
                rows[table.name] = row
        return rows
    finally:
        engine.dispose()


def missing_after_upgrade(url: str, rows: Rows) -> list[str]:
    """Every table, row or value of ``rows`` not found as it was, as readable lines."""
    engine = make_engine(url)
    problems: list[str] = []
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as connection:
            for name, row in rows.items():
                table = meta.tables.get(name)
                if table is None:
                    problems.append(f"table {name} is gone")
                    continue
                key = [c for c in table.primary_key.columns] or list(table.columns)
                found = connection.execute(
                    select(table).where(*[c == row[c.name] for c in key])).mappings().all()
                if len(found) != 1:
                    problems.append(f"{name}: {len(found)} rows with key "
                                    f"{ {c.name: row[c.name] for c in key} }")
                    continue
                for column, value in row.items():
                    if column not in found[0]:
                        problems.append(f"{name}.{column} is gone")
                    elif _normal(found[0][column]) != _normal(value):
                        problems.append(f"{name}.{column}: {value!r} became {found[0][column]!r}")
    finally:
        engine.dispose()
    return problems


def _value(table: Table, column: Column[Any], rows: Rows, checks: list[str]) -> Any:
    for fk in column.foreign_keys:
        target = fk.column
        if target.table.name in rows:
            return rows[target.table.name][target.name]
    if column.primary_key and isinstance(column.type, sa.Integer):
        return 1
    for check in checks:
        outside_literals = re.sub(r"'[^']*'", "''", check)
        if re.search(rf"\b{re.escape(column.name)}\b", outside_literals):
            allowed = re.findall(r"'([^']*)'", check)
            if allowed:
                return allowed[0]
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):
        return 7
    if isinstance(kind, sa.Numeric | sa.Float):
        return Decimal("12.5")
    if isinstance(kind, sa.DateTime):
        return WHEN
    if isinstance(kind, sa.Date):
        return WHEN.date()
    if isinstance(kind, sa.Time):
        return WHEN.time().replace(tzinfo=None)
    if isinstance(kind, sa.JSON):
        return JSON_VALUE
    if isinstance(kind, sa.LargeBinary):
        return b"\x00b1hub\xff"
    if isinstance(kind, sa.String):
        text = f"{table.name}.{column.name}"
        return text[: kind.length] if kind.length else text
    raise AssertionError(f"no test value for {table.name}.{column.name} of type {kind!r}; "
                         "add one to tests/store/migration_rows.py")


def _normal(value: Any) -> Any:
    """Datetimes as naive UTC (SQLite keeps no zone), numbers as Decimal."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    return value
