"""The embedded runner: a dispatcher thread and a small worker pool inside `b1hub serve`.

Workers take queued runs from the runs table with a compare-and-set claim (so two workers,
or two processes on one SQLite file, never take the same run), execute them through the
engine, and keep the run's heartbeat fresh. A run whose heartbeat and object lock both went
silent belonged to a process that died: it is failed with a message, which frees the object;
the next run resumes from the checkpoint.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import aliased

from b1hub.hub import Hub
from b1hub.runner.clock import Clock
from b1hub.runner.dispatcher import Dispatcher
from b1hub.runner.enqueue import TableQueue
from b1hub.runner.execute import RunFunction, engine_run, execute_run
from b1hub.runner.locks import ObjectBusy, holder_name, stale_limit
from b1hub.store import Store
from b1hub.store.availability import StoreUnavailable
from b1hub.store.models import Integration, Run
from b1hub.store.repositories import Repositories, stalled_runs
from b1hub.store.types import RunStatus, utcnow

log = logging.getLogger(__name__)

STALLED = (
    "stopped: the process running it stopped responding (killed or machine gone); "
    "the object is free again and the next run resumes from the checkpoint"
)
BUSY_RETRY = dt.timedelta(seconds=2)


@dataclass(frozen=True)
class Claimed:
    run_id: int
    integration_id: int
    integration: str


def claim_next(store: Store, worker: str, skip: set[int]) -> Claimed | None:
    """Take the oldest queued run whose object is not already being run."""
    other = aliased(Run)
    busy = exists().where(
        other.integration_id == Run.integration_id,
        other.object == Run.object,
        other.id != Run.id,
        (other.status == RunStatus.RUNNING)
        | and_(other.status == RunStatus.QUEUED, other.worker.is_not(None)),
    )
    with store.transaction() as session:
        candidates = session.execute(
            select(Run.id, Run.integration_id, Integration.name)
            .join(Integration, Integration.id == Run.integration_id)
            .where(Run.status == RunStatus.QUEUED, Run.worker.is_(None), ~busy)
            .order_by(Run.id)
            .limit(20)
        ).all()
        for run_id, integration_id, name in candidates:
            if run_id in skip:
                continue
            taken = session.execute(
                update(Run)
                .where(Run.id == run_id, Run.status == RunStatus.QUEUED, Run.worker.is_(None))
                .values(worker=worker, heartbeat_at=utcnow())
            )
            if int(getattr(taken, "rowcount", 0)) == 1:
                return Claimed(run_id, integration_id, name)
    return None


def release(store: Store, run_id: int, worker: str) -> None:
    """Put a claimed run back in the queue (its object was busy)."""
    with store.transaction() as session:
        session.execute(
            update(Run)
            .where(Run.id == run_id, Run.worker == worker, Run.status == RunStatus.QUEUED)
            .values(worker=None)
        )


def recover_stalled_runs(store: Store, now: dt.datetime | None = None) -> list[int]:
    """Fail runs whose executor died and requeue claims nobody is working on.

    A running run counts as dead only when its own heartbeat and its object's lock are
    both older than the stale limit: a foreground `b1hub sync` keeps its lock alive.
    """
    cutoff = (now or utcnow()) - stale_limit()
    failed: list[int] = []
    with store.transaction() as session:
        session.execute(
            update(Run)
            .where(Run.status == RunStatus.QUEUED, Run.worker.is_not(None),
                   Run.heartbeat_at < cutoff)
            .values(worker=None)
        )
        for run in stalled_runs(session, cutoff):
            repos = Repositories(session, run.integration_id)
            holder = repos.locks.holder(run.object)
            if holder is not None and holder[2] >= cutoff:
                continue
            repos.runs.finish(run.id, RunStatus.FAILED, STALLED)
            failed.append(run.id)
    for run_id in failed:
        log.warning("run %s stalled and was failed", run_id)
    return failed


@dataclass
class WorkerPool:
    """Threads executing queued runs of every integration in the store."""

    store: Store
    run: RunFunction = engine_run
    size: int = 2
    poll_interval: float = 1.0
    wake: threading.Event = field(default_factory=threading.Event)

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self._work, args=(stop,), name=f"b1hub-worker-{i}",
                             daemon=True)
            for i in range(self.size)
        ]
        for thread in threads:
            thread.start()
        return threads

    def _work(self, stop: threading.Event) -> None:
        me = holder_name()
        backoff: dict[int, float] = {}
        while not stop.is_set():
            now = time.monotonic()
            skip = {run_id for run_id, until in backoff.items() if until > now}
            try:
                claimed = claim_next(self.store, me, skip)
            except Exception:
                log.exception("claiming a queued run failed")
                claimed = None
            if claimed is None:
                self.wake.wait(self.poll_interval)
                self.wake.clear()
                continue
            hub = Hub(self.store, claimed.integration, claimed.integration_id)
            try:
                execute_run(hub, claimed.run_id, self.run)
                backoff.pop(claimed.run_id, None)
            except ObjectBusy:
                release(self.store, claimed.run_id, me)
                backoff[claimed.run_id] = time.monotonic() + BUSY_RETRY.total_seconds()
            except StoreUnavailable:  # nothing can be released now: recovery finishes it
                log.warning("run %s left to recovery: the store is unavailable", claimed.run_id,
                            exc_info=True)
                backoff[claimed.run_id] = time.monotonic() + BUSY_RETRY.total_seconds()
            except Exception:
                log.exception("run %s could not be executed", claimed.run_id)
                release(self.store, claimed.run_id, me)
                backoff[claimed.run_id] = time.monotonic() + BUSY_RETRY.total_seconds()


class EmbeddedRunner:
    """Dispatcher plus worker pool; `start()` in `b1hub serve`, `stop()` on shutdown."""

    def __init__(
        self,
        store: Store,
        *,
        run: RunFunction = engine_run,
        workers: int = 2,
        clock: Clock | None = None,
        tick_interval: float = 2.0,
        poll_interval: float = 1.0,
    ) -> None:
        self.queue = TableQueue()
        self.pool = WorkerPool(store, run, workers, poll_interval)
        self.queue.subscribe(self.pool.wake)
        self.dispatcher = Dispatcher(
            store, self.queue, clock, maintenance=lambda: recover_stalled_runs(store)
        )
        self.tick_interval = tick_interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._stop.clear()
        self._threads = [
            self.dispatcher.start(self._stop, self.tick_interval),
            *self.pool.start(self._stop),
        ]

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking work and wait for runs in progress to finish (up to ``timeout``)."""
        self._stop.set()
        self.pool.wake.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
