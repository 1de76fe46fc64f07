"""Sync Now joins instead of stacking; the embedded pool executes queued runs one per object;
dead runs are failed and their object freed; live ones are left alone."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import update

from b1hub.hub import Hub
from b1hub.runner.embedded import STALLED, EmbeddedRunner, recover_stalled_runs
from b1hub.runner.enqueue import Enqueued, TableQueue, sync_now
from b1hub.runner.locks import object_lock
from b1hub.store.models import Run
from b1hub.store.types import RunStatus, RunTrigger, utcnow

from .sim import simple_run


def wait_for(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def status(hub: Hub, run_id: int) -> RunStatus:
    with hub.repos() as repos:
        run = repos.runs.get(run_id)
        assert run is not None
        return run.status


def test_sync_now_joins_a_queued_or_running_run(hub: Hub) -> None:
    queue = TableQueue()
    first = sync_now(hub, "account", queue)
    assert first == Enqueued(first.run_id, "account", False, RunStatus.QUEUED)
    assert sync_now(hub, "account", queue) == Enqueued(
        first.run_id, "account", True, RunStatus.QUEUED
    )
    with hub.repos() as repos:
        repos.runs.start(first.run_id)
    assert sync_now(hub, "account", queue).run_id == first.run_id
    with hub.repos() as repos:
        repos.runs.finish(first.run_id, RunStatus.SUCCEEDED)
    again = sync_now(hub, "account", queue)
    assert not again.joined and again.run_id != first.run_id
    assert sync_now(hub, "product", queue).run_id not in (first.run_id, again.run_id)


def test_simultaneous_sync_nows_make_one_run(hub: Hub) -> None:
    results: list[int] = []
    barrier = threading.Barrier(8)

    def press() -> None:
        barrier.wait()
        results.append(sync_now(hub, "product", TableQueue()).run_id)

    threads = [threading.Thread(target=press) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1
    with hub.repos() as repos:
        assert len(repos.runs.active("product")) == 1


def test_pool_runs_queued_runs_and_waits_for_a_busy_object(hub: Hub) -> None:
    runner = EmbeddedRunner(hub.store, run=simple_run(0.2), workers=2, poll_interval=0.1,
                            tick_interval=0.2)
    busy = sync_now(hub, "account", runner.queue)
    other = sync_now(hub, "product", runner.queue)
    try:
        with object_lock(hub, "account"):  # a foreground `b1hub sync account` holds it
            runner.start()
            wait_for(lambda: status(hub, other.run_id) is RunStatus.SUCCEEDED)
            time.sleep(0.5)
            assert status(hub, busy.run_id) is RunStatus.QUEUED
        wait_for(lambda: status(hub, busy.run_id) is RunStatus.SUCCEEDED)
    finally:
        runner.stop()


def test_a_failing_run_is_recorded_with_its_reason(hub: Hub) -> None:
    def broken(hub: Hub, object_name: str, trigger: RunTrigger, run_id: int) -> None:
        raise RuntimeError("no sap connection for integration 'default'")

    runner = EmbeddedRunner(hub.store, run=broken, workers=1, poll_interval=0.1)
    queued = sync_now(hub, "account", runner.queue)
    runner.start()
    try:
        wait_for(lambda: status(hub, queued.run_id) is RunStatus.FAILED)
    finally:
        runner.stop()
    with hub.repos() as repos:
        run = repos.runs.get(queued.run_id)
    assert run is not None
    assert run.message == "RuntimeError: no sap connection for integration 'default'"


def test_a_dead_run_is_failed_and_its_object_freed(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B1HUB_STALE_AFTER_SECONDS", "1")
    queue = TableQueue()
    dead = sync_now(hub, "account", queue)
    alive = sync_now(hub, "product", queue)
    long_ago = utcnow() - dt.timedelta(seconds=5)
    with hub.repos() as repos:
        repos.runs.start(dead.run_id)
        repos.runs.start(alive.run_id)
        repos.locks.acquire("account", "killed-process", stale_after=dt.timedelta(seconds=1),
                            run_id=dead.run_id)
        repos.session.execute(update(Run).values(heartbeat_at=long_ago))
    time.sleep(1.1)  # the dead holder's lock goes stale
    with object_lock(hub, "product", run_id=alive.run_id):  # alive: its lock beats
        assert recover_stalled_runs(hub.store) == [dead.run_id]
    with hub.repos() as repos:
        failed = repos.runs.get(dead.run_id)
        assert failed is not None and failed.status is RunStatus.FAILED
        assert failed.message == STALLED
        assert repos.runs.get(alive.run_id).status is RunStatus.RUNNING  # type: ignore[union-attr]
    # the object is free again: the next Sync Now runs it
    nxt = sync_now(hub, "account", queue)
    assert not nxt.joined
    simple_run()(hub, "account", RunTrigger.MANUAL, nxt.run_id)
    assert status(hub, nxt.run_id) is RunStatus.SUCCEEDED
