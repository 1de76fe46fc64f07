"""Give freed memory back to the operating system between the stages of a large run.

CPython frees a chunk's records when it is done with them, but glibc keeps the pages in
its heap: a run's resident size then only ever grows, by the fragmentation of each
chunk, and matching 100,000 accounts leaves its index's pages behind for the whole first
load. ``malloc_trim`` returns every free page; elsewhere (musl, macOS) it is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        return libc.malloc_trim if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release() -> None:
    """Return the heap's free pages to the system (glibc); cheap, safe to call often."""
    trim = _libc()
    if trim is not None:
        trim(0)
