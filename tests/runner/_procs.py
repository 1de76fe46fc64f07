"""Child processes of the distributed tests: `python _procs.py worker|dispatcher ...`.

Workers execute runs with the engine stand-in (tests/runner/sim.py) or the real engine;
dispatchers defer due slots on a compressed clock shared by every process.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from sim import CompressedClock, simple_run

from b1hub.runner import distributed
from b1hub.runner.execute import engine_run
from b1hub.store import open_store


def main(argv: list[str]) -> None:
    role, url = argv[0], argv[1]
    if role == "worker":
        job_seconds = float(argv[2])
        run = engine_run if job_seconds < 0 else simple_run(job_seconds)
        distributed.run_worker(url, run=run, concurrency=1, dispatch=False)
        return
    sim_start, factor, sim_end, interval, rendezvous = (
        dt.datetime.fromisoformat(argv[2]), float(argv[3]), dt.datetime.fromisoformat(argv[4]),
        float(argv[5]), Path(argv[6]),
    )
    store = open_store(url, migrate=False)
    with store.engine.connect():
        pass
    (rendezvous / f"ready-{os.getpid()}").touch()
    start_file = rendezvous / "start"
    while not start_file.exists():
        time.sleep(0.02)
    clock = CompressedClock(sim_start, float(start_file.read_text()), factor)
    with distributed.dispatching(store, clock=clock, interval=interval):
        while clock.now() < sim_end:
            time.sleep(0.05)
    store.dispose()

if __name__ == "__main__":
    main(sys.argv[1:])
