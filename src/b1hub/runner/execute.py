"""Execute one queued run: the step shared by the embedded pool and procrastinate jobs.

Whatever executes a run, the run row ends in a final state: the engine finishes it, and
if the engine raises before it could, the run is failed here with the reason. Only
``ObjectBusy`` escapes, so the caller can try again once the object is free.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import update

from b1hub.hub import Hub
from b1hub.runner.locks import ObjectBusy, heartbeat_interval
from b1hub.store import Store
from b1hub.store.models import Run
from b1hub.store.repositories.runs import ACTIVE
from b1hub.store.types import RunStatus, RunTrigger, utcnow

log = logging.getLogger(__name__)

RunFunction = Callable[[Hub, str, RunTrigger, int], object]
"""(hub, object, trigger, queued run id): runs the object and finishes the run row."""

RESUMED = "resumed: the worker that started this run stopped responding"


def engine_run(hub: Hub, object_name: str, trigger: RunTrigger, run_id: int) -> object:
    """The production run function: the sync engine's Sync Now of one object."""
    from b1hub.sync.api import run_object

    return run_object(hub, object_name, trigger=trigger, run_id=run_id)


@contextmanager
def keep_alive(store: Store, run_id: int) -> Iterator[None]:
    """Refresh the run's heartbeat while it executes, so recovery can tell dead from slow."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(heartbeat_interval().total_seconds()):
            try:
                with store.transaction() as session:
                    session.execute(
                        update(Run).where(Run.id == run_id).values(heartbeat_at=utcnow())
                    )
            except Exception:  # a missed beat is retried; recovery allows several
                log.warning("heartbeat of run %s failed", run_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def executor_name() -> str:
    """Who executes a run, as recorded in its row: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def execute_run(
    hub: Hub, run_id: int, run: RunFunction, *, worker: str | None = None
) -> RunStatus | None:
    """Run the queued run ``run_id``; its final status, or None if it was already final.

    ``worker`` (when given) is recorded as the run's executor; a run delivered again after
    its executor died keeps a note of it in its final message.
    """
    with hub.repos() as repos:
        row = repos.runs.get(run_id)
        if row is None or row.status not in ACTIVE:
            return None
        values: dict[str, object] = {} if worker is None else {"worker": worker}
        note = row.message if (row.message or "").startswith(RESUMED) else None
        if row.status is RunStatus.RUNNING:
            # Delivered again after its executor died (procrastinate's stalled-job retry).
            note = f"{RESUMED} ({row.worker or 'unknown'})"
            values.update(status=RunStatus.QUEUED, message=note)
        if values:
            repos.session.execute(update(Run).where(Run.id == run_id).values(**values))
        object_name, trigger = row.object, row.trigger
    try:
        with keep_alive(hub.store, run_id):
            run(hub, object_name, trigger, run_id)
    except ObjectBusy:
        raise
    except Exception as exc:
        log.exception("run %s of %s failed", run_id, object_name)
        return _fail_if_active(hub, run_id, f"{type(exc).__name__}: {exc}")
    finally:
        if note is not None:
            _note_resumed(hub, run_id, note)
    return _fail_if_active(hub, run_id, "the run ended without recording a result")


def _note_resumed(hub: Hub, run_id: int, note: str) -> None:
    """Keep in the finished run's message that it resumed after its first executor died."""
    with hub.repos() as repos:
        row = repos.runs.get(run_id)
        if row is not None and row.status not in ACTIVE and RESUMED not in (row.message or ""):
            message = f"{note}; {row.message}" if row.message else note
            repos.session.execute(update(Run).where(Run.id == run_id).values(message=message))


def _fail_if_active(hub: Hub, run_id: int, message: str) -> RunStatus:
    with hub.repos() as repos:
        row = repos.runs.get(run_id)
        if row is None:
            return RunStatus.FAILED
        if row.status in ACTIVE:
            repos.runs.finish(run_id, RunStatus.FAILED, message)
            return RunStatus.FAILED
        return row.status
