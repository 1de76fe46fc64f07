"""ORM models; importing this package registers every table on Base.metadata."""

from b1hub.store.models.auth import ApiToken, AuditEntry, LoginThrottle, User
from b1hub.store.models.base import Base
from b1hub.store.models.config import (
    Connection,
    Feature,
    GeneralSetting,
    Integration,
    ObjectSetting,
    Selection,
)
from b1hub.store.models.logs import Conflict, RecordOutcome, Run
from b1hub.store.models.mappings import CustomField, MappingVersion
from b1hub.store.models.sync import Checkpoint, Link, ObjectLock, Schedule

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "Checkpoint",
    "Conflict",
    "Connection",
    "CustomField",
    "Feature",
    "GeneralSetting",
    "Integration",
    "Link",
    "LoginThrottle",
    "MappingVersion",
    "ObjectLock",
    "ObjectSetting",
    "RecordOutcome",
    "Run",
    "Schedule",
    "Selection",
    "User",
]
