"""Execute one queued run: the step shared by the embedded pool and procrastinate jobs.

Whatever executes a run, the run row ends in a final state: the engine finishes it, and
if the engine raises before it could, the run is failed here with the reason (paused when
the store was locked or unreachable). Only ``ObjectBusy`` escapes, so the caller can try
again once the object is free, and ``StoreUnavailable`` when the store cannot even record
the pause: the run is then left to the runner's recovery.
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
from b1hub.store.availability import StoreUnavailable, paused_message, unavailable_reason
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
        reason = unavailable_reason(exc)
        if reason is None:
            log.exception("run %s of %s failed", run_id, object_name)
            return _finish_if_active(hub, run_id, f"{type(exc).__name__}: {exc}")
        return _pause_if_active(hub, run_id, reason)
    finally:
        if note is not None:
            _note_resumed(hub, run_id, note)
    return _finish_if_active(hub, run_id, "the run ended without recording a result")


def _note_resumed(hub: Hub, run_id: int, note: str) -> None:
    """Keep in the finished run's message that it resumed after its first executor died."""
    with hub.repos() as repos:
        row = repos.runs.get(run_id)
        if row is not None and row.status not in ACTIVE and RESUMED not in (row.message or ""):
            message = f"{note}; {row.message}" if row.message else note
            repos.session.execute(update(Run).where(Run.id == run_id).values(message=message))


def _finish_if_active(
    hub: Hub, run_id: int, message: str, status: RunStatus = RunStatus.FAILED
) -> RunStatus:
    with hub.repos() as repos:
        row = repos.runs.get(run_id)
        if row is None:
            return status
        if row.status in ACTIVE:
            repos.runs.finish(run_id, status, message)
            return status
        return row.status


def _pause_if_active(hub: Hub, run_id: int, reason: str) -> RunStatus:
    """A run stopped by a locked or unreachable store is paused, not failed: nothing of its
    records is lost and the next run resumes. Raises ``StoreUnavailable`` while the store
    cannot even record that."""
    log.warning("run %s paused: the store was unavailable (%s)", run_id, reason)
    try:
        return _finish_if_active(hub, run_id, paused_message(reason), RunStatus.PAUSED)
    except Exception as exc:
        still = unavailable_reason(exc)
        if still is None:
            raise
        raise StoreUnavailable(
            f"run {run_id} could not be recorded as paused: the hub's store is still "
            f"unavailable ({still}); the runner's recovery finishes it once it is back"
        ) from exc
