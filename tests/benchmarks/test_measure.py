"""The hub's peak RSS is its own, not the benchmark's that started it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# run from the repository root: ``benchmarks`` here would be this test package
CHECK = """
from benchmarks.hub.measure import python_module, run_child
held = bytearray(200 * 2**20)
held[::4096] = b"\\x01" * len(held[::4096])  # touch every page: 200 MB resident here
child = run_child(python_module("json.tool", "--help"), check=False)
print(child.returncode, child.peak_rss_mb, len(held))
"""


def test_child_peak_rss_leaves_out_the_parents_memory() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    code, peak, _ = done.stdout.split()
    assert code == "0"
    assert 5 < float(peak) < 100, peak  # ru_maxrss would say about 300 MB
