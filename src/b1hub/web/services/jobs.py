"""Long work started from the console (initialization, retries, Sync Now without a runner):
run in a small thread pool, with the latest progress kept for the live fragment.

When the runner's queue exists (``b1hub serve`` embeds it), Sync Now goes there instead, so a
queued run survives a restart and joins a run already in flight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from b1hub.store.types import utcnow

log = structlog.get_logger(__name__)


@dataclass
class JobState:
    kind: str
    object: str
    started_at: datetime
    stage: str = "starting"
    done: int = 0
    total: int | None = None
    finished: bool = False
    error: str | None = None
    result: str | None = None


@dataclass
class Jobs:
    """At most one job per (kind, object) at a time; a second request joins the first."""

    workers: int = 2
    _pool: ThreadPoolExecutor | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    states: dict[tuple[str, str], JobState] = field(default_factory=dict)

    def start(
        self, kind: str, object_name: str, work: Callable[[JobState], str | None]
    ) -> tuple[JobState, bool]:
        """The job's state and whether this call started it (False: it was running)."""
        key = (kind, object_name)
        with self._lock:
            current = self.states.get(key)
            if current is not None and not current.finished:
                return current, False
            state = JobState(kind, object_name, utcnow())
            self.states[key] = state
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="b1hub-console")
            self._pool.submit(self._run, state, work)
        return state, True

    def _run(self, state: JobState, work: Callable[[JobState], str | None]) -> None:
        try:
            state.result = work(state)
        except Exception as exc:  # shown on the page; the traceback goes to the log
            state.error = str(exc) or type(exc).__name__
            log.exception("console job failed", kind=state.kind, object=state.object)
        finally:
            state.finished = True

    def running(self) -> list[JobState]:
        with self._lock:
            return [s for s in self.states.values() if not s.finished]

    def latest(self, kind: str, object_name: str) -> JobState | None:
        with self._lock:
            return self.states.get((kind, object_name))

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
