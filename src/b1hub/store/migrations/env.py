"""Alembic environment: always handed a live connection by b1hub.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from b1hub.store.models import Base


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through b1hub.store.migrate.upgrade(), not alembic CLI")
    run_migrations(connection)


main()
