"""Column types and value enums shared by the models, migrations and repositories.

Enums are stored as VARCHAR with a CHECK constraint (not native PostgreSQL enums) so adding a
value later is a small migration on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Enum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine

JSONType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases: SQLite keeps no offset, so we normalise to UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class System(enum.StrEnum):
    SAP = "sap"
    SALESFORCE = "salesforce"


class Direction(enum.StrEnum):
    """The way one record travels in one write."""

    SAP_TO_SALESFORCE = "sap_to_salesforce"
    SALESFORCE_TO_SAP = "salesforce_to_sap"


class ObjectDirection(enum.StrEnum):
    """The ways an object is synchronised, a per-object setting."""

    SAP_TO_SALESFORCE = "sap_to_salesforce"
    SALESFORCE_TO_SAP = "salesforce_to_sap"
    BOTH = "both"


class ConflictPolicy(enum.StrEnum):
    """Who wins a field both systems changed since the last sync (``review``: a person)."""

    SAP_WINS = "sap_wins"
    SALESFORCE_WINS = "salesforce_wins"
    NEWEST_WINS = "newest_wins"
    REVIEW = "review"


class InitStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PAUSED = "paused"


class RunTrigger(enum.StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    RETRY = "retry"
    INITIALIZATION = "initialization"


class OutcomeAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    SKIP = "skip"
    CONFLICT = "conflict"
    ERROR = "error"
    HELD = "held"


class OutcomeStatus(enum.StrEnum):
    """SUCCEEDED is final; the others stay open in the error log until superseded or resolved."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    HELD = "held"
    WAITING = "waiting"


class ConflictStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ConflictResolution(enum.StrEnum):
    """What a person chose for a held conflict (``b1hub conflicts resolve ID --take ...``)."""

    TAKE_SAP = "sap"
    TAKE_SALESFORCE = "salesforce"
    DISMISSED = "dismissed"


class ScheduleKind(enum.StrEnum):
    NEVER = "never"
    DAILY = "daily"
    WEEKLY = "weekly"
    INTERVAL = "interval"


class Role(enum.StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


def enum_type(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """VARCHAR + CHECK storing the enum's values (not its member names)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
