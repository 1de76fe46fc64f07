"""Object locks: one run per object and integration at a time, across every process.

Taking a lock is one atomic statement (INSERT ... ON CONFLICT DO NOTHING, or taking over a
lock whose holder stopped sending heartbeats), so two processes racing for the same
object can never both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from b1hub.store.models import ObjectLock
from b1hub.store.repositories._base import ScopedRepository, insert_for
from b1hub.store.types import utcnow


def _affected(result: Any) -> int:
    return int(getattr(result, "rowcount", 0))


class LockRepository(ScopedRepository):
    def acquire(
        self, object_name: str, holder: str, *, stale_after: timedelta, run_id: int | None = None
    ) -> bool:
        """Take the object's lock for ``holder``; True when it is now ours.

        A lock whose heartbeat is older than ``stale_after`` belonged to a process that died
        (killed, machine gone): it is taken over, so a dead run frees its object in bounded
        time.
        """
        now = utcnow()
        inserted = self.session.execute(
            insert_for(self.session, ObjectLock)
            .values(
                integration_id=self.integration_id, object=object_name, holder=holder,
                run_id=run_id, acquired_at=now, heartbeat_at=now,
            )
            .on_conflict_do_nothing(index_elements=["integration_id", "object"])
        )
        if _affected(inserted) == 1:
            return True
        taken = self.session.execute(
            update(ObjectLock)
            .where(
                ObjectLock.integration_id == self.integration_id,
                ObjectLock.object == object_name,
                (ObjectLock.heartbeat_at < now - stale_after) | (ObjectLock.holder == holder),
            )
            .values(holder=holder, run_id=run_id, acquired_at=now, heartbeat_at=now)
        )
        return _affected(taken) == 1

    def heartbeat(self, object_name: str, holder: str) -> bool:
        """Refresh our lock; False means it was taken over (we were presumed dead)."""
        result = self.session.execute(
            update(ObjectLock)
            .where(
                ObjectLock.integration_id == self.integration_id,
                ObjectLock.object == object_name,
                ObjectLock.holder == holder,
            )
            .values(heartbeat_at=utcnow())
        )
        return _affected(result) == 1

    def release(self, object_name: str, holder: str) -> None:
        self.session.execute(
            delete(ObjectLock).where(
                ObjectLock.integration_id == self.integration_id,
                ObjectLock.object == object_name,
                ObjectLock.holder == holder,
            )
        )

    def holder(self, object_name: str) -> tuple[str, int | None, datetime] | None:
        """Who holds the object now: (holder, run id, last heartbeat), or None."""
        row = self.session.scalar(
            select(ObjectLock).where(
                ObjectLock.integration_id == self.integration_id,
                ObjectLock.object == object_name,
            )
        )
        return None if row is None else (row.holder, row.run_id, row.heartbeat_at)
