"""Sync Now, Initialize and Retry from the console: checked here, run in the background.

The engine refuses to run an object that is not activated or not initialized; the console
checks the same first so the user gets the reason at once instead of a failed job.
"""

from __future__ import annotations

from collections.abc import Sequence

from b1hub.hub import Hub
from b1hub.objects.registry import REGISTRY
from b1hub.store.repositories import SALESFORCE_CONNECTOR
from b1hub.sync.api import Progress, ProgressCallback, retry_errors
from b1hub.sync.api import initialize as engine_initialize
from b1hub.web.services.errors import ActionRefused, NotFound
from b1hub.web.services.jobs import Jobs, JobState


def known_object(name: str) -> str:
    if name not in REGISTRY:
        raise NotFound(f"unknown object {name!r}; known: {', '.join(REGISTRY)}")
    return name


def _check_active(hub: Hub) -> None:
    with hub.repos() as repos:
        if not repos.features.is_active(SALESFORCE_CONNECTOR):
            raise ActionRefused(
                "the Salesforce connector is not activated: activate it on the Connections page"
            )


def _progress(state: JobState) -> ProgressCallback:
    def update(progress: Progress) -> None:
        state.stage, state.done, state.total = progress.stage, progress.done, progress.total

    return update


def sync_now(hub: Hub, object_name: str, by: str) -> str:
    """Queue a run of one object for the runner (or join the one queued or running)."""
    from b1hub.runner.enqueue import queue_for
    from b1hub.runner.enqueue import sync_now as enqueue_sync

    known_object(object_name)
    _check_active(hub)
    with hub.repos() as repos:
        if not repos.objects.is_initialized(object_name):
            raise ActionRefused(f"{object_name} is not initialized yet: initialize it first")
    result = enqueue_sync(hub, object_name, queue_for(hub))
    with hub.repos() as repos:
        repos.audit.record(by, "sync.now", object_name,
                           {"run_id": result.run_id, "joined": result.joined})
    if result.joined:
        return f"{object_name} is already {result.status.value} (run {result.run_id}); joined it"
    return f"sync of {object_name} queued (run {result.run_id})"


def initialize(hub: Hub, jobs: Jobs, object_name: str, by: str) -> str:
    known_object(object_name)
    _check_active(hub)
    with hub.repos() as repos:
        repos.audit.record(by, "object.initialize", object_name)

    def work(state: JobState) -> str:
        summary = engine_initialize(hub, object_name,
                                    progress=_progress(state))
        return (f"{summary.status.value}: {summary.linked} linked, {summary.created} created, "
                f"{summary.held} held")

    _, started = jobs.start("initialize", object_name, work)
    return (f"initialization of {object_name} started" if started
            else f"initialization of {object_name} is already running")


def retry(
    hub: Hub, jobs: Jobs, by: str, *, object_name: str | None = None,
    outcome_ids: Sequence[int] | None = None,
) -> str:
    """Retry the given open errors, or all (of one object) when no ids are given."""
    if object_name is not None:
        known_object(object_name)
    ids = list(outcome_ids) if outcome_ids else None
    with hub.repos() as repos:
        if ids is not None:
            found = {row.id for row in repos.outcomes.get_many(ids) if not row.resolved}
            missing = sorted(set(ids) - found)
            if missing:
                raise NotFound(f"no open error with id {', '.join(map(str, missing))}")
        elif not repos.outcomes.open_errors(object_name, limit=1):
            raise ActionRefused("there is no open error to retry")
        repos.audit.record(by, "errors.retry", object_name,
                           {"ids": ids if ids is not None else "all"})

    def work(state: JobState) -> str:
        summaries = retry_errors(hub, object_name=object_name, outcome_ids=ids,
                                 progress=_progress(state))
        return "; ".join(f"{s.object}: {s.created + s.updated} written, {s.failed} failed"
                         for s in summaries) or "nothing to retry"

    target = object_name or "all"
    _, started = jobs.start("retry", target, work)
    return "retry started" if started else "a retry is already running"
