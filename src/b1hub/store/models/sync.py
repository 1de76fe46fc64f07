"""Sync state: links, checkpoints and schedules."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from b1hub.store.models.base import Base, integration_fk
from b1hub.store.types import Direction, ScheduleKind, enum_type, utcnow

ACCOUNT_TYPE_KEY = "__type"
"""Key in a link's base: the Account Type last written to Salesforce."""


class Link(Base):
    """SAP key <-> Salesforce Id of one record, with hashes of what was last synced each way.

    Unique both ways per integration and object: one SAP record never maps to two Salesforce
    records or the reverse, whatever the number of concurrent writers.
    """

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("integration_id", "object", "sap_key"),
        UniqueConstraint("integration_id", "object", "sf_id"),
        Index(None, "integration_id", "object", "sap_key", "account_type"),
    )
    __repr_attrs__ = ("id", "integration_id", "object", "sap_key", "sf_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    object: Mapped[str] = mapped_column(String(32))
    sap_key: Mapped[str] = mapped_column(String(100))
    sf_id: Mapped[str] = mapped_column(String(18))
    sap_hash: Mapped[str | None] = mapped_column(String(128))
    sf_hash: Mapped[str | None] = mapped_column(String(128))
    base_values: Mapped[dict[str, Any] | None]
    """The canonical values both systems agreed on at the last sync: the base of the
    three-way merge that tells which side changed which field."""
    account_type: Mapped[str | None] = mapped_column(String(80))
    """The base's Account Type (``ACCOUNT_TYPE_KEY``), kept beside it so a run finds the
    re-marked records in an index instead of reading every base (a second per poll at
    100,000 accounts). Set from the base on every write; see ``account_type_of``."""
    sap_updated: Mapped[datetime | None]
    sf_updated: Mapped[datetime | None]
    last_synced_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def account_type_of(base_values: dict[str, Any] | None) -> str | None:
    value = (base_values or {}).get(ACCOUNT_TYPE_KEY)
    return None if value is None else str(value)


@event.listens_for(Link, "before_insert")
@event.listens_for(Link, "before_update")
def _account_type_from_base(_mapper: Mapper[Link], _connection: Any, link: Link) -> None:
    link.account_type = account_type_of(link.base_values)


class Checkpoint(Base):
    """Where the next read of an object in one direction starts (engine-defined cursor)."""

    __tablename__ = "checkpoints"
    __table_args__ = (UniqueConstraint("integration_id", "object", "direction"),)
    __repr_attrs__ = ("id", "integration_id", "object", "direction", "cursor")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    object: Mapped[str] = mapped_column(String(32))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, "direction"))
    cursor: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Schedule(Base):
    """When an object syncs by itself; kept in the database so restarts keep it."""

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("integration_id", "object"),
        Index(None, "kind", "next_run_at"),
    )
    __repr_attrs__ = ("id", "integration_id", "object", "kind", "next_run_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    object: Mapped[str] = mapped_column(String(32))
    kind: Mapped[ScheduleKind] = mapped_column(enum_type(ScheduleKind, "schedule_kind"))
    time_of_day: Mapped[time | None]
    weekdays: Mapped[list[Any]] = mapped_column(default=list)
    interval_minutes: Mapped[int | None]
    window_start: Mapped[time | None]
    window_end: Mapped[time | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    next_run_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ObjectLock(Base):
    """Who is running an object now: one run per object at a time, across processes.

    A holder refreshes ``heartbeat_at`` while it runs; a lock whose heartbeat is older than
    the runner's stale limit belongs to a dead process and may be taken over.
    """

    __tablename__ = "object_locks"
    __table_args__ = (UniqueConstraint("integration_id", "object"),)
    __repr_attrs__ = ("id", "integration_id", "object", "holder", "run_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    object: Mapped[str] = mapped_column(String(32))
    holder: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[int | None]
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
