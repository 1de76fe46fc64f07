"""Hold an object's lock for the length of a run, with heartbeats from a thread.

>>> with object_lock(hub, "account", run_id=7):      # doctest: +SKIP
...     run_the_sync()
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from b1hub.hub import Hub
from b1hub.store.availability import unavailable_reason

log = logging.getLogger(__name__)

STALE_AFTER_ENV = "B1HUB_STALE_AFTER_SECONDS"
HEARTBEAT_EVERY = timedelta(seconds=5)
STALE_AFTER = timedelta(seconds=30)
"""A holder silent this long is presumed dead and its object freed (bounded recovery)."""


def stale_limit() -> timedelta:
    """How long a silent run, lock or worker is given before it is presumed dead.

    One setting for every liveness check of the runner (object locks, run heartbeats,
    procrastinate worker heartbeats), so recovery has a single, bounded delay. Read on
    every call: tests and operators shorten it through the environment.
    """
    raw = os.environ.get(STALE_AFTER_ENV)
    if not raw:
        return STALE_AFTER
    seconds = float(raw)
    if seconds <= 0:
        raise ValueError(f"{STALE_AFTER_ENV} must be a positive number of seconds")
    return timedelta(seconds=seconds)


def heartbeat_interval() -> timedelta:
    """Six heartbeats per stale period: a live holder is never mistaken for a dead one."""
    return min(HEARTBEAT_EVERY, stale_limit() / 6)


class ObjectBusy(RuntimeError):
    """Another run holds the object; the caller joins or queues instead of stacking a run."""

    def __init__(self, object_name: str, holder: str, run_id: int | None) -> None:
        super().__init__(f"{object_name} is already running (run {run_id}, held by {holder})")
        self.object_name = object_name
        self.holder = holder
        self.run_id = run_id


class LockLost(RuntimeError):
    """Our heartbeat stopped long enough for another process to take the object over."""


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def object_lock(
    hub: Hub,
    object_name: str,
    *,
    run_id: int | None = None,
    stale_after: timedelta | None = None,
    heartbeat_every: timedelta | None = None,
) -> Iterator[threading.Event]:
    """Hold ``object_name``'s lock; yields an event that is set if the lock is lost."""
    holder = holder_name()
    stale = stale_after or stale_limit()
    beat_every = heartbeat_every or heartbeat_interval()
    with hub.repos() as repos:
        if not repos.locks.acquire(object_name, holder, stale_after=stale, run_id=run_id):
            current = repos.locks.holder(object_name)
            other, other_run = (current[0], current[1]) if current else ("unknown", None)
            raise ObjectBusy(object_name, other, other_run)
    lost = threading.Event()
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(beat_every.total_seconds()):
            try:
                with hub.repos() as repos:
                    if not repos.locks.heartbeat(object_name, holder):
                        lost.set()
                        return
            except Exception as exc:  # a store locked or down for a while: beat again later
                if unavailable_reason(exc) is None:
                    raise
                log.warning("heartbeat of the %s lock missed: the store is unavailable",
                            object_name)

    thread = threading.Thread(target=beat, name=f"lock-{object_name}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join()
        with hub.repos() as repos:
            repos.locks.release(object_name, holder)
