"""Child processes measured from outside (wall, CPU, peak RSS) and the machine they ran on.

The hub's work runs in a child so its CPU and peak RSS are its own: ``os.wait4`` returns
the CPU of exactly that child, and the child reports its own peak RSS (``peak.py``): the
``ru_maxrss`` of a child includes the benchmark's own memory at the moment it started.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.hub.peak import PEAK_FILE

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ChildRun:
    args: list[str]
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    returncode: int
    output: Any
    """The child's stdout parsed as JSON (None when it printed none)."""
    stderr: str


class ChildFailed(RuntimeError):
    pass


def run_child(args: list[str], *, check: bool = True) -> ChildRun:
    """Run ``args`` from the repository root and wait for it with ``os.wait4``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=ROOT,
                                env={**os.environ, PEAK_FILE: str(peak_file)})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errors = out.read().decode(), err.read().decode()
        reported = peak_file.read_text().strip() if peak_file.exists() else ""
    peak_mb = int(reported) / 1024 if reported.isdigit() else usage.ru_maxrss / 1024
    try:
        output = json.loads(text) if text.strip() else None
    except json.JSONDecodeError:
        output = None
    run = ChildRun(args, seconds, usage.ru_utime + usage.ru_stime, peak_mb,
                   proc.returncode, output, errors[-4000:])
    if check and (proc.returncode != 0 or output is None):
        raise ChildFailed(f"{' '.join(args)} exited {proc.returncode}:\n{text[-2000:]}\n"
                          f"{errors[-2000:]}")
    return run


def python_module(module: str, *args: str) -> list[str]:
    """``python -m module args`` that reports its own peak RSS."""
    return [sys.executable, "-m", "benchmarks.hub.peak", module, *args]


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, Python, OS and the date of the run."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = None
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "os": platform.platform(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
