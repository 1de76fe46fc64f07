"""Queue a run of one object, or join the one already waiting: Sync Now and scheduled runs.

The runs table is the queue's record in both shapes: a queued run is a row with status
``queued``, so queued Sync Nows survive restarts. In the distributed shape the same
transaction also defers the procrastinate job that will execute it, so a row never exists
without its job nor a job without its row.

Joining: a Sync Now joins the object's queued *or running* run (pressing the button twice
starts one run); a scheduled slot joins only a *queued* run (a run that started before the
slot may have missed the slot's changes, so the slot gets its own run after it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update

from b1hub.hub import Hub
from b1hub.store.models import Integration, Run
from b1hub.store.repositories import Repositories
from b1hub.store.types import RunStatus, RunTrigger


@dataclass(frozen=True)
class Enqueued:
    run_id: int
    object: str
    joined: bool
    """True when the request joined a run that was already queued or running."""
    status: RunStatus


class JobQueue(Protocol):
    """Where queued runs go to be executed: the embedded worker pool or procrastinate."""

    def submit(self, repos: Repositories, integration: str, run: Run) -> int | None:
        """Inside the enqueue transaction: hand ``run`` over for execution.

        Returns the id of another run to join instead when the backend already holds one
        for the object (the caller then drops ``run``), else None.
        """

    def notify(self) -> None:
        """After commit: wake whoever executes runs in this process."""


class TableQueue:
    """The embedded shape: the runs table alone is the queue; workers poll it."""

    def __init__(self) -> None:
        self._listeners: list[_Wakeable] = []

    def submit(self, repos: Repositories, integration: str, run: Run) -> int | None:
        return None

    def notify(self) -> None:
        for listener in self._listeners:
            listener.set()

    def subscribe(self, listener: _Wakeable) -> None:
        self._listeners.append(listener)


class _Wakeable(Protocol):
    def set(self) -> None: ...


def serialise_enqueuers(repos: Repositories) -> None:
    """Hold the integration row's write lock until commit.

    Check-then-insert ("is a run queued? no: queue one") must not interleave between two
    requests. A no-op UPDATE takes SQLite's write lock or PostgreSQL's row lock, so
    enqueuers of one integration run one at a time, on both databases.
    """
    repos.session.execute(
        update(Integration)
        .where(Integration.id == repos.integration_id)
        .values(name=Integration.name)
    )


def enqueue(
    repos: Repositories,
    integration: str,
    object_name: str,
    trigger: RunTrigger,
    queue: JobQueue,
    *,
    join_running: bool,
) -> Enqueued:
    """Queue a run of ``object_name`` or join the active one; call inside a transaction."""
    serialise_enqueuers(repos)
    joinable = (RunStatus.QUEUED, RunStatus.RUNNING) if join_running else (RunStatus.QUEUED,)
    existing = repos.session.scalar(
        select(Run)
        .where(
            Run.integration_id == repos.integration_id,
            Run.object == object_name,
            Run.status.in_(joinable),
        )
        .order_by(Run.id)
        .limit(1)
    )
    if existing is not None:
        return Enqueued(existing.id, object_name, True, existing.status)
    run = repos.runs.create(object_name, trigger)
    other = queue.submit(repos, integration, run)
    if other is None:
        return Enqueued(run.id, object_name, False, RunStatus.QUEUED)
    repos.session.delete(run)
    repos.session.flush()
    joined = repos.runs.get(other)
    return Enqueued(other, object_name, True, joined.status if joined else RunStatus.QUEUED)


def sync_now(hub: Hub, object_name: str, queue: JobQueue) -> Enqueued:
    """Sync Now of one object: queue it unless it is already queued or running."""
    with hub.repos() as repos:
        result = enqueue(
            repos, hub.integration, object_name, RunTrigger.MANUAL, queue, join_running=True
        )
    queue.notify()
    return result


def queue_for(hub: Hub) -> JobQueue:
    """The queue of the configured shape: procrastinate on PostgreSQL, else the runs table."""
    if hub.store.engine.dialect.name == "postgresql":
        from b1hub.runner.distributed import ProcrastinateQueue

        return ProcrastinateQueue()
    return TableQueue()
