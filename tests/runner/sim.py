"""Test clocks and a stand-in for the engine's run_object, importable by child processes.

``simple_run`` does what the runner relies on the engine for (take the object lock, start
the run row, finish it) and nothing else, so scheduling can be tested without remotes.
"""

from __future__ import annotations

import datetime as dt
import os
import time

from b1hub.hub import Hub
from b1hub.runner.locks import object_lock
from b1hub.store.types import RunStatus, RunTrigger


class ManualClock:
    """Moves only when the test says so."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def now(self) -> dt.datetime:
        return self.current

    def set(self, when: dt.datetime) -> None:
        self.current = when


class CompressedClock:
    """Simulated time shared by every process: ``factor`` simulated seconds per real second,
    counted from the real instant ``real_start`` (a Unix time) = ``sim_start``."""

    def __init__(self, sim_start: dt.datetime, real_start: float, factor: float) -> None:
        self.sim_start, self.real_start, self.factor = sim_start, real_start, factor

    def now(self) -> dt.datetime:
        elapsed = (time.time() - self.real_start) * self.factor
        return self.sim_start + dt.timedelta(seconds=elapsed)


def simple_run(seconds: float = 0.0):  # type: ignore[no-untyped-def]
    def run(hub: Hub, object_name: str, trigger: RunTrigger, run_id: int) -> None:
        with object_lock(hub, object_name, run_id=run_id):
            with hub.repos() as repos:
                repos.runs.start(run_id, worker=f"pid-{os.getpid()}")
            time.sleep(seconds)
            with hub.repos() as repos:
                repos.runs.finish(run_id, RunStatus.SUCCEEDED)

    return run
