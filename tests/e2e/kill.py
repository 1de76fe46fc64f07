"""Kill an initialization child at one chosen request, as a crash would.

A sandbox fault holds the request (``hang`` or ``late_answer``); once the fault is spent
and ``reached`` says the child got far enough, the child is SIGKILLed. The killed run's
lock goes stale after ``STALE_SECONDS`` (set the env with the ``stale_fast`` fixture).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from e2e_world import World

STALE_SECONDS = "1"
CHILD = ("import sys; from b1hub.hub import Hub; from b1hub.sync import api; "
         "getattr(api, sys.argv[3])(Hub.open(sys.argv[1]), sys.argv[2])")


def kill_initialization(
    world: World, object_name: str, fault: dict[str, Any], what: str,
    reached: Callable[[], bool] = lambda: True, *, action: str = "initialize",
) -> None:
    """Initialize (``action="run_object"``: sync) ``object_name`` in a child and SIGKILL it
    inside ``fault``'s request; returns once the killed run's lock is stale. ``what`` names
    the request in a timeout."""
    assert world.sf_admin.post("/_sandbox/faults", json=fault).status_code == 200
    child = subprocess.Popen([sys.executable, "-c", CHILD, world.hub.integration, object_name,
                              action],
                             env=dict(os.environ), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while world.sf_admin.get("/_sandbox/faults").json() or not reached():
            assert child.poll() is None, child.stderr.read() if child.stderr else b""
            assert time.monotonic() < deadline, f"the load never reached {what}"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        world.sf_admin.delete("/_sandbox/faults")
        if child.poll() is None:
            child.kill()
            child.wait()
    time.sleep(float(STALE_SECONDS) + 0.2)
