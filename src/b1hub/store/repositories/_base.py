"""Shared pieces of the repositories: integration scoping and dialect-aware upserts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from b1hub.store.models import Base

T = TypeVar("T")

# Well under SQLite's bound-parameter limit and PostgreSQL's; used for IN (...) lookups.
CHUNK = 500


class ScopedRepository:
    """Holds the session and the integration every query of the subclass is filtered by.

    Binding the integration once, at construction, means no method can forget it.
    """

    def __init__(self, session: Session, integration_id: int) -> None:
        self.session = session
        self.integration_id = integration_id


def insert_for(session: Session, model: type[Base]) -> Any:
    """An INSERT supporting ON CONFLICT on the session's dialect (SQLite or PostgreSQL)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(model)
    if name == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"unsupported database dialect {name!r}")


def chunked(items: Iterable[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
