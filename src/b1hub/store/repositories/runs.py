"""Runs: one sync or initialization of one object, with live counts and a heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from b1hub.store.models import Run
from b1hub.store.repositories._base import ScopedRepository
from b1hub.store.types import RunStatus, RunTrigger, utcnow

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
FINAL = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.PAUSED)
COUNTERS = ("created", "updated", "skipped", "failed", "held", "sap_api_calls", "sf_api_calls")


class RunRepository(ScopedRepository):
    def create(self, object_name: str, trigger: RunTrigger) -> Run:
        run = Run(integration_id=self.integration_id, object=object_name, trigger=trigger)
        self.session.add(run)
        self.session.flush()
        return run

    def get(self, run_id: int) -> Run | None:
        return self.session.scalar(
            select(Run).where(Run.integration_id == self.integration_id, Run.id == run_id)
        )

    def start(self, run_id: int, worker: str | None = None) -> Run:
        """Mark the run running; ``worker`` None keeps the executor already recorded."""
        run = self._existing(run_id)
        now = utcnow()
        run.status, run.started_at, run.heartbeat_at = RunStatus.RUNNING, now, now
        if worker is not None:
            run.worker = worker
        self.session.flush()
        return run

    def heartbeat(self, run_id: int) -> None:
        self._update(run_id, heartbeat_at=utcnow())

    def add_counts(self, run_id: int, **deltas: int) -> None:
        """Increment counters in SQL (col = col + n): safe against concurrent writers and
        never overwrites counts with a stale in-memory copy."""
        unknown = set(deltas) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown run counters: {sorted(unknown)}")
        values = {name: getattr(Run, name) + delta for name, delta in deltas.items() if delta}
        if values:
            self._update(run_id, **values)

    def finish(self, run_id: int, status: RunStatus, message: str | None = None) -> Run:
        if status not in FINAL:
            raise ValueError(f"{status.value} is not a final run status")
        self._update(run_id, status=status, finished_at=utcnow(), message=message)
        return self._existing(run_id)

    def recent(self, object_name: str | None = None, limit: int = 50) -> list[Run]:
        """Newest first, for `b1hub runs` and the Logs page."""
        stmt = select(Run).where(Run.integration_id == self.integration_id)
        if object_name is not None:
            stmt = stmt.where(Run.object == object_name)
        return list(self.session.scalars(stmt.order_by(Run.id.desc()).limit(limit)))

    def latest(self, object_name: str) -> Run | None:
        runs = self.recent(object_name, limit=1)
        return runs[0] if runs else None

    def active(self, object_name: str | None = None) -> list[Run]:
        stmt = select(Run).where(Run.integration_id == self.integration_id, Run.status.in_(ACTIVE))
        if object_name is not None:
            stmt = stmt.where(Run.object == object_name)
        return list(self.session.scalars(stmt.order_by(Run.id)))

    def _update(self, run_id: int, **values: object) -> None:
        result = self.session.execute(
            update(Run)
            .where(Run.integration_id == self.integration_id, Run.id == run_id)
            .values(**values)
        )
        if int(getattr(result, "rowcount", 0)) != 1:
            raise LookupError(f"no run {run_id} in this integration")

    def _existing(self, run_id: int) -> Run:
        run = self.get(run_id)
        if run is None:
            raise LookupError(f"no run {run_id} in this integration")
        return run


def stalled_runs(session: Session, heartbeat_before: datetime) -> list[Run]:
    """Running runs of every integration whose heartbeat stopped: the runner's recovery scan."""
    return list(
        session.scalars(
            select(Run)
            .where(Run.status == RunStatus.RUNNING, Run.heartbeat_at < heartbeat_before)
            .order_by(Run.id)
        )
    )
