"""Conflicts held for review: both versions kept until someone picks a side."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from b1hub.store.models import Conflict
from b1hub.store.repositories._base import ScopedRepository
from b1hub.store.types import ConflictResolution, ConflictStatus, utcnow


class ConflictRepository(ScopedRepository):
    def hold(
        self,
        object_name: str,
        sap_key: str,
        sf_id: str,
        sap_version: dict[str, Any],
        sf_version: dict[str, Any],
        run_id: int | None = None,
    ) -> Conflict:
        """Open a conflict, or refresh the record's open one with the latest versions."""
        conflict = self.open_for(object_name, sap_key)
        if conflict is None:
            conflict = Conflict(
                integration_id=self.integration_id, object=object_name, sap_key=sap_key
            )
            self.session.add(conflict)
        conflict.sf_id = sf_id
        conflict.sap_version = sap_version
        conflict.sf_version = sf_version
        conflict.run_id = run_id
        conflict.updated_at = utcnow()
        self.session.flush()
        return conflict

    def log_settled(
        self,
        object_name: str,
        sap_key: str,
        sf_id: str,
        sap_version: dict[str, Any],
        sf_version: dict[str, Any],
        resolution: ConflictResolution,
        by: str,
        run_id: int | None = None,
    ) -> Conflict:
        """Record a conflict the policy settled on the spot (closed from the start), so
        every overridden edit can be found in the conflict log."""
        now = utcnow()
        conflict = Conflict(
            integration_id=self.integration_id, object=object_name, sap_key=sap_key,
            sf_id=sf_id, sap_version=sap_version, sf_version=sf_version, run_id=run_id,
            status=ConflictStatus.RESOLVED, resolution=resolution, resolved_by=by,
            resolved_at=now, created_at=now, updated_at=now,
        )
        self.session.add(conflict)
        self.session.flush()
        return conflict

    def history(self, object_name: str | None = None, *, limit: int = 1000) -> list[Conflict]:
        """Every conflict, open or settled, newest first."""
        stmt = select(Conflict).where(Conflict.integration_id == self.integration_id)
        if object_name is not None:
            stmt = stmt.where(Conflict.object == object_name)
        return list(self.session.scalars(stmt.order_by(Conflict.id.desc()).limit(limit)))

    def open_for(self, object_name: str, sap_key: str) -> Conflict | None:
        return self.session.scalar(
            select(Conflict).where(
                Conflict.integration_id == self.integration_id,
                Conflict.object == object_name,
                Conflict.sap_key == sap_key,
                Conflict.status == ConflictStatus.OPEN,
            )
        )

    def open(self, object_name: str | None = None) -> list[Conflict]:
        stmt = select(Conflict).where(
            Conflict.integration_id == self.integration_id,
            Conflict.status == ConflictStatus.OPEN,
        )
        if object_name is not None:
            stmt = stmt.where(Conflict.object == object_name)
        return list(self.session.scalars(stmt.order_by(Conflict.id)))

    def get(self, conflict_id: int) -> Conflict | None:
        return self.session.scalar(
            select(Conflict).where(
                Conflict.integration_id == self.integration_id, Conflict.id == conflict_id
            )
        )

    def resolve(self, conflict_id: int, resolution: ConflictResolution, by: str) -> Conflict:
        """Record the decision; the engine applies it on the next run of the object."""
        conflict = self.get(conflict_id)
        if conflict is None:
            raise LookupError(f"no conflict {conflict_id} in this integration")
        if conflict.status is not ConflictStatus.OPEN:
            raise ValueError(f"conflict {conflict_id} is already resolved")
        conflict.status = ConflictStatus.RESOLVED
        conflict.resolution = resolution
        conflict.resolved_by = by
        conflict.resolved_at = utcnow()
        self.session.flush()
        return conflict
