"""Per-object settings and the initialization state that gates Sync Now and schedules."""

from __future__ import annotations

from sqlalchemy import select

from b1hub.store.models import ObjectSetting
from b1hub.store.repositories._base import ScopedRepository, insert_for
from b1hub.store.types import ConflictPolicy, InitStatus, ObjectDirection, utcnow


class ObjectSettingsRepository(ScopedRepository):
    def get(self, object_name: str) -> ObjectSetting | None:
        return self.session.scalar(
            select(ObjectSetting).where(
                ObjectSetting.integration_id == self.integration_id,
                ObjectSetting.object == object_name,
            )
        )

    def ensure(self, object_name: str, default_direction: ObjectDirection) -> ObjectSetting:
        """The object's row, created with the object's default direction on first use."""
        stmt = insert_for(self.session, ObjectSetting).values(
            integration_id=self.integration_id,
            object=object_name,
            direction=default_direction.value,
        )
        self.session.execute(
            stmt.on_conflict_do_nothing(index_elements=["integration_id", "object"])
        )
        row = self.get(object_name)
        assert row is not None
        return row

    def all(self) -> list[ObjectSetting]:
        return list(
            self.session.scalars(
                select(ObjectSetting)
                .where(ObjectSetting.integration_id == self.integration_id)
                .order_by(ObjectSetting.object)
            )
        )

    def update(
        self,
        object_name: str,
        *,
        enabled: bool | None = None,
        direction: ObjectDirection | None = None,
        conflict_policy: ConflictPolicy | None = None,
        clear_conflict_policy: bool = False,
    ) -> ObjectSetting:
        """Change only what is given; `clear_conflict_policy` falls back to the general one."""
        row = self._existing(object_name)
        if enabled is not None:
            row.enabled = enabled
        if direction is not None:
            row.direction = direction
        if conflict_policy is not None:
            row.conflict_policy = conflict_policy
        elif clear_conflict_policy:
            row.conflict_policy = None
        self.session.flush()
        return row

    def start_initialization(self, object_name: str) -> ObjectSetting:
        row = self._existing(object_name)
        row.init_status = InitStatus.RUNNING
        row.init_message = None
        self.session.flush()
        return row

    def finish_initialization(
        self,
        object_name: str,
        *,
        succeeded: bool,
        linked: int,
        created: int,
        held: int,
        message: str | None = None,
    ) -> ObjectSetting:
        """Record the counts shown on the initialization status view; only success unlocks."""
        row = self._existing(object_name)
        row.init_status = InitStatus.DONE if succeeded else InitStatus.FAILED
        row.init_linked, row.init_created, row.init_held = linked, created, held
        row.init_message = message
        if succeeded:
            row.initialized_at = utcnow()
        self.session.flush()
        return row

    def is_initialized(self, object_name: str) -> bool:
        row = self.get(object_name)
        return row is not None and row.initialized_at is not None

    def _existing(self, object_name: str) -> ObjectSetting:
        row = self.get(object_name)
        if row is None:
            raise LookupError(f"object {object_name!r} has no settings yet; call ensure() first")
        return row
