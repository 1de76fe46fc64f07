"""A Rich progress display fed by the engine's progress callback: one bar per stage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from b1hub.commands.common import err_console


class StageProgress(Protocol):
    stage: str
    done: int
    total: int | None


class Bars:
    """Maps engine stages ("read sap", "write salesforce", ...) to bars, created on first use.

    The display starts with the first update, so a command refused before any work (busy,
    not activated) prints its error alone.
    """

    def __init__(self, progress: Progress, prefix: str) -> None:
        self._progress = progress
        self._prefix = prefix
        self._tasks: dict[str, TaskID] = {}
        self.started = False

    def __call__(self, update: StageProgress) -> None:
        if not self.started:
            self._progress.start()
            self.started = True
        task = self._tasks.get(update.stage)
        if task is None:
            task = self._progress.add_task(f"{self._prefix} {update.stage}", total=update.total)
            self._tasks[update.stage] = task
        self._progress.update(task, completed=update.done, total=update.total)


@contextmanager
def progress_bars(prefix: str, *, enabled: bool = True) -> Iterator[Any]:
    """A callback drawing bars on stderr (stdout stays clean for --json and summaries)."""
    if not enabled:
        yield None
        return
    progress = Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=err_console, transient=False,
    )
    bars = Bars(progress, prefix)
    try:
        yield bars
    finally:
        if bars.started:
            progress.stop()
