"""Versioned map changes and the cache of retrieved custom field definitions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, select

from b1hub.store.models import CustomField, MappingVersion
from b1hub.store.repositories._base import ScopedRepository
from b1hub.store.types import utcnow

FIELDS = "fields"
VALUES = "values"


class MappingRepository(ScopedRepository):
    """``kind`` FIELDS: an object's user field rows; VALUES: a value map's user pairs."""

    def current(self, kind: str, name: str) -> MappingVersion | None:
        return self.session.scalar(
            select(MappingVersion)
            .where(MappingVersion.integration_id == self.integration_id,
                   MappingVersion.kind == kind, MappingVersion.name == name)
            .order_by(MappingVersion.version.desc())
            .limit(1)
        )

    def data(self, kind: str, name: str) -> list[Any]:
        row = self.current(kind, name)
        return list(row.data) if row is not None else []

    def save(self, kind: str, name: str, data: list[Any], by: str) -> MappingVersion:
        """Add the next version (a concurrent save of the same version fails on the
        unique constraint instead of silently losing one of the two changes)."""
        latest = self.session.scalar(
            select(func.max(MappingVersion.version))
            .where(MappingVersion.integration_id == self.integration_id,
                   MappingVersion.kind == kind, MappingVersion.name == name)
        )
        row = MappingVersion(integration_id=self.integration_id, kind=kind, name=name,
                             version=(latest or 0) + 1, data=data, created_by=by,
                             created_at=utcnow())
        self.session.add(row)
        self.session.flush()
        return row

    def history(self, kind: str, name: str) -> list[MappingVersion]:
        """Oldest first."""
        return list(self.session.scalars(
            select(MappingVersion)
            .where(MappingVersion.integration_id == self.integration_id,
                   MappingVersion.kind == kind, MappingVersion.name == name)
            .order_by(MappingVersion.version)
        ))

    def names(self, kind: str) -> list[str]:
        return list(self.session.scalars(
            select(MappingVersion.name).distinct()
            .where(MappingVersion.integration_id == self.integration_id,
                   MappingVersion.kind == kind)
            .order_by(MappingVersion.name)
        ))


class CustomFieldRepository(ScopedRepository):
    def replace(self, system: str, tables: Iterable[str],
                fields: Iterable[tuple[str, str, dict[str, Any]]]) -> int:
        """Replace the cached fields of ``tables`` on ``system`` with ``fields``
        ``(table, name, definition)``: a field deleted remotely disappears here too."""
        self.session.execute(delete(CustomField).where(
            CustomField.integration_id == self.integration_id, CustomField.system == system,
            CustomField.table.in_(list(tables))))
        now = utcnow()
        rows = [CustomField(integration_id=self.integration_id, system=system, table=table,
                            name=name, definition=definition, retrieved_at=now)
                for table, name, definition in fields]
        self.session.add_all(rows)
        self.session.flush()
        return len(rows)

    def get(self, system: str, table: str, name: str) -> CustomField | None:
        return self.session.scalar(select(CustomField).where(
            CustomField.integration_id == self.integration_id, CustomField.system == system,
            CustomField.table == table, CustomField.name == name))

    def all(self, system: str | None = None) -> list[CustomField]:
        stmt = select(CustomField).where(CustomField.integration_id == self.integration_id)
        if system is not None:
            stmt = stmt.where(CustomField.system == system)
        return list(self.session.scalars(
            stmt.order_by(CustomField.system, CustomField.table, CustomField.name)))
