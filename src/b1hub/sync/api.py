"""The engine's public entry points: what the CLI, the runner and the console call.

Each call opens its own clients and store transactions, so callers only pass a
:class:`~b1hub.hub.Hub` and an object name; progress is reported through an optional
callback (Rich bars, the live console) and never printed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from b1hub.hub import Hub
from b1hub.store.types import InitStatus, RunStatus, RunTrigger


@dataclass(frozen=True)
class Progress:
    """A stage of a run and how far it got (``total`` None when unknown up front)."""

    stage: str
    done: int
    total: int | None


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    object: str
    status: RunStatus
    created: int
    updated: int
    skipped: int
    failed: int
    held: int
    waiting: int
    sap_requests: int
    salesforce_api_calls: int
    message: str | None


@dataclass(frozen=True)
class InitSummary:
    object: str
    linked: int
    created: int
    held: int
    status: InitStatus
    message: str | None


class NotActivated(RuntimeError):
    """The Salesforce connector feature is not activated (run ``b1hub activate``)."""


class NotInitialized(RuntimeError):
    """The object needs ``b1hub init OBJECT`` before Sync Now and schedules."""


def run_object(
    hub: Hub,
    object_name: str,
    *,
    trigger: RunTrigger = RunTrigger.MANUAL,
    run_id: int | None = None,
    progress: ProgressCallback | None = None,
) -> RunSummary:
    """Sync Now of one object, both of its directions, under the object's lock.

    Raises ``ObjectBusy`` (another run holds the object), ``NotActivated`` or
    ``NotInitialized``; record failures never raise, they are counted in the summary.
    """
    from b1hub.sync.engine import run_one

    return run_one(hub, object_name, trigger=trigger, run_id=run_id, progress=progress)


def run_all(
    hub: Hub,
    *,
    trigger: RunTrigger = RunTrigger.MANUAL,
    progress: ProgressCallback | None = None,
) -> list[RunSummary]:
    """Every initialized object in dependency order (accounts before products' users)."""
    from b1hub.sync.engine import run_every

    return run_every(hub, trigger=trigger, progress=progress)


def initialize(
    hub: Hub, object_name: str, *, progress: ProgressCallback | None = None
) -> InitSummary:
    """Link what already exists on both sides, hold ambiguous matches, then first load."""
    from b1hub.sync.initialize import initialize_object

    return initialize_object(hub, object_name, progress=progress)


def retry_errors(
    hub: Hub,
    *,
    object_name: str | None = None,
    outcome_ids: list[int] | None = None,
    progress: ProgressCallback | None = None,
) -> list[RunSummary]:
    """Re-read the current source record of each open error and write it (one run per
    object); ``outcome_ids`` None retries every open error (of ``object_name``)."""
    from b1hub.sync.retry import retry_open_errors

    return retry_open_errors(hub, object_name=object_name, outcome_ids=outcome_ids,
                             progress=progress)
