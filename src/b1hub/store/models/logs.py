"""What happened: runs, per-record outcomes (the error log) and conflicts held for review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from b1hub.store.models.base import Base, integration_fk
from b1hub.store.types import (
    ConflictResolution,
    ConflictStatus,
    Direction,
    OutcomeAction,
    OutcomeStatus,
    RunStatus,
    RunTrigger,
    enum_type,
    utcnow,
)


class Run(Base):
    """One sync or initialization of one object; heartbeat_at lets a runner find stalled ones."""

    __tablename__ = "runs"
    __table_args__ = (
        # Target of the composite foreign keys below: a child row cannot point at another
        # integration's run.
        UniqueConstraint("integration_id", "id"),
        Index(None, "integration_id", "object", "queued_at"),
        Index(None, "status", "heartbeat_at"),
    )
    __repr_attrs__ = ("id", "integration_id", "object", "status")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    object: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[RunTrigger] = mapped_column(enum_type(RunTrigger, "run_trigger"))
    status: Mapped[RunStatus] = mapped_column(
        enum_type(RunStatus, "run_status"), default=RunStatus.QUEUED
    )
    worker: Mapped[str | None] = mapped_column(String(128))
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    sap_api_calls: Mapped[int] = mapped_column(default=0)
    sf_api_calls: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)


class RecordOutcome(Base):
    """What one run did to one record; unresolved rows are the Errors page.

    At most one unresolved row exists per record and direction: a newer outcome for the same
    record resolves the older one and carries its attempt count forward.
    """

    __tablename__ = "record_outcomes"
    __table_args__ = (
        ForeignKeyConstraint(["integration_id", "run_id"], ["runs.integration_id", "runs.id"]),
        Index(None, "integration_id", "resolved", "object"),
        Index(None, "integration_id", "object", "sap_key"),
        Index(None, "integration_id", "object", "sf_id"),
        Index(None, "run_id"),
    )
    __repr_attrs__ = ("id", "run_id", "object", "direction", "action", "status", "sap_key", "sf_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    run_id: Mapped[int]
    object: Mapped[str] = mapped_column(String(32))
    direction: Mapped[Direction] = mapped_column(enum_type(Direction, "direction"))
    action: Mapped[OutcomeAction] = mapped_column(enum_type(OutcomeAction, "outcome_action"))
    status: Mapped[OutcomeStatus] = mapped_column(enum_type(OutcomeStatus, "outcome_status"))
    sap_key: Mapped[str | None] = mapped_column(String(100))
    sf_id: Mapped[str | None] = mapped_column(String(18))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    error_fields: Mapped[list[Any]] = mapped_column(default=list)
    payload: Mapped[dict[str, Any] | None]
    attempt: Mapped[int] = mapped_column(default=1)
    resolved: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class Conflict(Base):
    """Both sides changed since the last sync and the policy says hold: both versions kept."""

    __tablename__ = "conflicts"
    __table_args__ = (
        ForeignKeyConstraint(["integration_id", "run_id"], ["runs.integration_id", "runs.id"]),
        Index(None, "integration_id", "status", "object"),
        # One open conflict per record: holding again refreshes it instead of piling up.
        Index(
            "uq_conflicts_open_record",
            "integration_id",
            "object",
            "sap_key",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )
    __repr_attrs__ = ("id", "integration_id", "object", "sap_key", "sf_id", "status")

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = integration_fk()
    run_id: Mapped[int | None]
    object: Mapped[str] = mapped_column(String(32))
    sap_key: Mapped[str] = mapped_column(String(100))
    sf_id: Mapped[str] = mapped_column(String(18))
    sap_version: Mapped[dict[str, Any]]
    sf_version: Mapped[dict[str, Any]]
    status: Mapped[ConflictStatus] = mapped_column(
        enum_type(ConflictStatus, "conflict_status"), default=ConflictStatus.OPEN
    )
    resolution: Mapped[ConflictResolution | None] = mapped_column(
        enum_type(ConflictResolution, "conflict_resolution")
    )
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
