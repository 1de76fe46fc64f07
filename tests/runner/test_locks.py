"""One run per object at a time; a dead holder's lock is taken over in bounded time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from b1hub.hub import Hub
from b1hub.runner.locks import ObjectBusy, object_lock


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    monkeypatch.setenv("B1HUB_HOME", str(tmp_path))
    monkeypatch.delenv("B1HUB_DATABASE_URL", raising=False)
    h = Hub.open()
    yield h
    h.close()


def test_second_holder_is_refused_until_release(hub: Hub) -> None:
    with object_lock(hub, "account", run_id=1):
        with pytest.raises(ObjectBusy, match="run 1"), object_lock(hub, "account"):
            pass
        with object_lock(hub, "product"):
            pass  # other objects are independent
    with object_lock(hub, "account"):
        pass


def test_racing_threads_get_exactly_one_lock(hub: Hub) -> None:
    winners: list[int] = []
    barrier = threading.Barrier(8)

    def contend(i: int) -> None:
        barrier.wait()
        try:
            with object_lock(hub, "contact"):
                winners.append(i)
                time.sleep(0.3)
        except ObjectBusy:
            pass

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_a_silent_holder_is_taken_over(hub: Hub) -> None:
    with hub.repos() as repos:
        assert repos.locks.acquire("lead", "dead-process", stale_after=timedelta(seconds=30))
    with pytest.raises(ObjectBusy), object_lock(hub, "lead", stale_after=timedelta(seconds=30)):
        pass
    time.sleep(1.1)
    with object_lock(hub, "lead", stale_after=timedelta(seconds=1)):
        with hub.repos() as repos:
            holder = repos.locks.holder("lead")
        assert holder is not None and holder[0] != "dead-process"


def test_heartbeats_keep_a_long_run_alive(hub: Hub) -> None:
    with object_lock(
        hub, "order", stale_after=timedelta(seconds=1), heartbeat_every=timedelta(seconds=0.2)
    ) as lost:
        time.sleep(1.5)
        with pytest.raises(ObjectBusy), object_lock(hub, "order", stale_after=timedelta(seconds=1)):
            pass
        assert not lost.is_set()
