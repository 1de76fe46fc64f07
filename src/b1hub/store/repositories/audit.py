"""Audit log: who changed what. Details are scrubbed of secrets before they are stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from b1hub.store.models import AuditEntry
from b1hub.store.repositories.connections import looks_secret

REDACTED = "***"


def redact(value: Any) -> Any:
    """Replace the value of every secret-looking key, at any depth."""
    if isinstance(value, dict):
        return {str(k): REDACTED if looks_secret(str(k)) else redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


class AuditRepository:
    """Scoped to one integration, or to none (integration_id=None) for hub-wide actions."""

    def __init__(self, session: Session, integration_id: int | None) -> None:
        self.session = session
        self.integration_id = integration_id

    def record(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            integration_id=self.integration_id,
            actor=actor,
            action=action,
            target=target,
            details=redact(details or {}),
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def recent(self, limit: int = 100, action: str | None = None) -> list[AuditEntry]:
        """Newest first."""
        stmt = select(AuditEntry)
        if self.integration_id is None:
            stmt = stmt.where(AuditEntry.integration_id.is_(None))
        else:
            stmt = stmt.where(AuditEntry.integration_id == self.integration_id)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        return list(self.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit)))
