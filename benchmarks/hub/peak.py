"""Run a module as ``python -m`` does, and leave this process's own peak RSS in a file.

``ru_maxrss`` of a child also counts the RSS of the parent when it was started (Linux
carries the starting process's high-water mark across ``exec``), so a benchmark whose
parent holds a large world reported that world's memory as the hub's. ``VmHWM`` in
``/proc/self/status`` is the high-water mark of this process's own memory.

    B1HUB_PEAK_FILE=/tmp/peak python -m benchmarks.hub.peak benchmarks.hub.hubrun init account
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
from pathlib import Path

PEAK_FILE = "B1HUB_PEAK_FILE"


def own_peak_kb() -> int | None:
    """This process's peak resident set in KiB (None where /proc is missing)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main() -> None:
    target = os.environ.pop(PEAK_FILE, None)
    if target:
        atexit.register(lambda: Path(target).write_text(str(own_peak_kb() or "")))
    module, sys.argv = sys.argv[1], sys.argv[1:]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
