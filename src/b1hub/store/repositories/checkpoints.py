"""Checkpoints: where each object's next read starts, per direction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from b1hub.store.models import Checkpoint
from b1hub.store.repositories._base import ScopedRepository, insert_for
from b1hub.store.types import Direction, utcnow


class CheckpointRepository(ScopedRepository):
    def load(self, object_name: str, direction: Direction) -> dict[str, Any] | None:
        """None means "never synced": the engine reads from the beginning."""
        cursor = self.session.scalar(
            select(Checkpoint.cursor).where(
                Checkpoint.integration_id == self.integration_id,
                Checkpoint.object == object_name,
                Checkpoint.direction == direction,
            )
        )
        return None if cursor is None else dict(cursor)

    def save(self, object_name: str, direction: Direction, cursor: dict[str, Any]) -> None:
        """Upsert; call it in the same transaction as the outcomes it is past, so a crash
        never leaves the checkpoint ahead of what was recorded."""
        now = utcnow()
        stmt = insert_for(self.session, Checkpoint).values(
            integration_id=self.integration_id,
            object=object_name,
            direction=direction.value,
            cursor=cursor,
            updated_at=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["integration_id", "object", "direction"],
            set_={"cursor": stmt.excluded.cursor, "updated_at": stmt.excluded.updated_at},
        )
        self.session.execute(stmt)

    def reset(self, object_name: str, direction: Direction | None = None) -> int:
        """Forget the checkpoint(s) so the next run rereads everything (links prevent dupes)."""
        stmt = delete(Checkpoint).where(
            Checkpoint.integration_id == self.integration_id, Checkpoint.object == object_name
        )
        if direction is not None:
            stmt = stmt.where(Checkpoint.direction == direction)
        return int(getattr(self.session.execute(stmt), "rowcount", 0))
