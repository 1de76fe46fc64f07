"""A run of one object: lock, run row, both directions in a fixed order, summary.

Order for a two-way object: read Salesforce changes; SAP → Salesforce (merging pairs
changed on both sides); Salesforce → SAP for the rest; then, if this run wrote to SAP,
one more SAP read that absorbs the echoes of those writes (their values equal the merge
base, so nothing is written) and moves the checkpoint past them — the next run starts
quiet.
"""

from __future__ import annotations

import logging
from collections import Counter

from b1hub.hub import Hub
from b1hub.mapping.store import effective_spec
from b1hub.objects import udfs
from b1hub.objects.registry import dependency_order, get_spec
from b1hub.objects.spec import ObjectSpec
from b1hub.runner.locks import object_lock
from b1hub.store.availability import paused_message, unavailable_reason
from b1hub.store.repositories import SALESFORCE_CONNECTOR, OrgApiUsage
from b1hub.store.repositories.runs import ACTIVE
from b1hub.store.types import ObjectDirection, RunStatus, RunTrigger
from b1hub.sync import refused
from b1hub.sync.api import NotActivated, NotInitialized, ProgressCallback, RunSummary
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.sap_pass import run_sap_pass
from b1hub.sync.sf_pass import SfRead, run_sf_pass

RESUME = "the next run resumes from the checkpoint"
log = logging.getLogger(__name__)


def check_allowed(hub: Hub, spec: ObjectSpec, *, initializing: bool = False) -> None:
    with hub.repos() as repos:
        if not repos.features.is_active(SALESFORCE_CONNECTOR):
            raise NotActivated("the Salesforce connector is not activated; run `b1hub activate`")
        repos.objects.ensure(spec.name, spec.direction)
        if not initializing and spec.requires_initialization \
                and not repos.objects.is_initialized(spec.name):
            raise NotInitialized(f"{spec.name} is not initialized; run `b1hub init {spec.name}`")


def run_one(
    hub: Hub, object_name: str, *, trigger: RunTrigger, run_id: int | None,
    progress: ProgressCallback | None,
) -> RunSummary:
    spec = get_spec(object_name)
    check_allowed(hub, spec)
    with object_lock(hub, spec.name, run_id=run_id):
        return execute(hub, spec, trigger=trigger, run_id=run_id, progress=progress)


def run_every(
    hub: Hub, *, trigger: RunTrigger, progress: ProgressCallback | None
) -> list[RunSummary]:
    summaries = []
    for spec in dependency_order():
        with hub.repos() as repos:
            ready = not spec.requires_initialization or repos.objects.is_initialized(
                spec.name)
        if ready:
            summaries.append(run_one(hub, spec.name, trigger=trigger, run_id=None,
                                     progress=progress))
    return summaries


def execute(
    hub: Hub, spec: ObjectSpec, *, trigger: RunTrigger, run_id: int | None,
    progress: ProgressCallback | None, sap_keys: set[str] | None = None,
    sf_ids: set[str] | None = None,
) -> RunSummary:
    """Run the passes of ``spec`` (only the given records when retrying) and finish the run.

    An unexpected exception (a bug) still finishes the run, as failed with the reason,
    before it propagates: a run never stays "running" behind it. A store that stays locked
    or unreachable pauses the run instead, as soon as the store can record that; while it
    cannot, the exception propagates and the runner's recovery finishes the run later.
    """
    with hub.repos() as repos:
        if run_id is None:
            run_id = repos.runs.create(spec.name, trigger).id
        repos.runs.start(run_id)
    try:
        return _run_started(hub, spec, run_id, progress, sap_keys, sf_ids)
    except Exception as exc:
        paused = _fail_unexpected(hub, run_id, exc)
        if paused is None:
            raise
        return RunSummary(run_id=run_id, object=spec.name, status=RunStatus.PAUSED, created=0,
                          updated=0, skipped=0, failed=0, held=0, waiting=0, sap_requests=0,
                          salesforce_api_calls=0, message=paused)


def _run_started(
    hub: Hub, spec: ObjectSpec, run_id: int, progress: ProgressCallback | None,
    sap_keys: set[str] | None, sf_ids: set[str] | None,
) -> RunSummary:
    with hub.repos() as repos:
        settings = repos.settings.get()
        spec = effective_spec(repos, spec)
        row = repos.objects.ensure(spec.name, spec.direction)
        policy = row.conflict_policy or settings.conflict_policy
        direction = row.direction
    with hub.service_layer() as sap, hub.salesforce() as sf:
        ctx = RunContext(hub, spec, run_id, sap, sf, settings, policy, progress)
        status, message = RunStatus.SUCCEEDED, None
        try:
            _passes(ctx, direction, sap_keys, sf_ids)
            if ctx.pending_reason:
                raise Paused(ctx.pending_reason)
        except Paused as paused:
            status, message = RunStatus.PAUSED, f"paused: {paused.reason}; {RESUME}"
            if paused.refused is not None:  # not an outage: a missing field, UDF, object
                status, message = RunStatus.FAILED, refused.explain(ctx, paused.refused)
        except udfs.MissingUdfs as exc:
            status, message = RunStatus.FAILED, str(exc)
        except Exception as exc:  # the store locked or down past its retry window: pause
            reason = unavailable_reason(exc)
            if reason is None:
                raise
            log.warning("run %s paused: the store was unavailable (%s)", run_id, reason)
            status, message = RunStatus.PAUSED, paused_message(reason)
        sap_calls, sf_calls = sap.counters.api_calls, sf.counters.api_calls
        usage = sf.budget.last_seen()
    return _finish(hub, ctx, status, message, sap_calls, sf_calls,
                   OrgApiUsage(*usage) if usage else None)


def _fail_unexpected(hub: Hub, run_id: int, exc: Exception) -> str | None:
    """Finish the run behind ``exc``: paused if the store was unavailable (the pause message
    is returned), failed otherwise. None when nothing could be recorded as paused."""
    reason = unavailable_reason(exc)
    if reason is None:
        log.exception("run %s failed unexpectedly", run_id)
        status, message = RunStatus.FAILED, f"failed: {type(exc).__name__}: {exc}; {RESUME}"
    else:
        log.warning("run %s paused: the store was unavailable (%s)", run_id, reason)
        status, message = RunStatus.PAUSED, paused_message(reason)
    try:
        with hub.repos() as repos:
            run = repos.runs.get(run_id)
            if run is None or run.status not in ACTIVE:
                return None
            repos.runs.finish(run_id, status, message)
    except Exception:  # the store itself is down: the runner's recovery finishes it later
        log.exception("could not record the end of run %s", run_id)
        return None
    return message if status is RunStatus.PAUSED else None


def _passes(
    ctx: RunContext, direction: ObjectDirection, sap_keys: set[str] | None,
    sf_ids: set[str] | None,
) -> None:
    if ctx.spec.passes is not None:
        ctx.spec.passes(ctx, direction, sap_keys, sf_ids)
        return
    retrying = sap_keys is not None or sf_ids is not None
    to_sf = direction in (ObjectDirection.BOTH, ObjectDirection.SAP_TO_SALESFORCE)
    to_sap = ctx.spec.direction is ObjectDirection.BOTH and direction in (
        ObjectDirection.BOTH, ObjectDirection.SALESFORCE_TO_SAP)
    sf_read = SfRead(ctx) if to_sap else None
    if sf_read is not None and sap_keys:
        sf_ids = set(sf_ids or ()) | _paired_sf_ids(ctx, sap_keys)
    if sf_read is not None and (not retrying or sf_ids):
        sf_read.read(sf_ids if retrying else None)
    if to_sf and (not retrying or sap_keys):
        run_sap_pass(ctx, sf_read.changes if sf_read else {},
                     keys=sap_keys if retrying else None)
    if sf_read is not None:
        run_sf_pass(ctx, sf_read, save=not retrying)
    if to_sf and ctx.sap_written and not retrying:
        ctx.sap_written = 0
        run_sap_pass(ctx, {})


def _paired_sf_ids(ctx: RunContext, sap_keys: set[str]) -> set[str]:
    """The Salesforce side of each retried linked SAP record, read again with it.

    The SAP pass settles a pair changed on both sides, so the error of a Salesforce edit
    that SAP rejected can be stored under the SAP record; retried without its Salesforce
    side, the merge would see only SAP's unchanged values and write nothing.
    """
    with ctx.hub.repos() as repos:
        return {link.sf_id for link in repos.links.by_sap_keys(ctx.spec.name, sap_keys).values()}


def _finish(
    hub: Hub, ctx: RunContext, status: RunStatus, message: str | None, sap_calls: int,
    sf_calls: int, sf_usage: OrgApiUsage | None,
) -> RunSummary:
    counts: Counter[str] = ctx.counts
    with hub.repos() as repos:
        if sf_usage is not None:  # the org's usage for the dashboard (issue 9)
            repos.settings.record_api_usage(sf_usage)
        repos.runs.add_counts(ctx.run_id, created=counts["created"], updated=counts["updated"],
                              skipped=counts["skipped"], failed=counts["failed"],
                              held=counts["held"], sap_api_calls=sap_calls,
                              sf_api_calls=sf_calls)
        repos.runs.finish(ctx.run_id, status, message)
    return RunSummary(
        run_id=ctx.run_id, object=ctx.spec.name, status=status, created=counts["created"],
        updated=counts["updated"], skipped=counts["skipped"], failed=counts["failed"],
        held=counts["held"], waiting=counts["waiting"], sap_requests=sap_calls,
        salesforce_api_calls=sf_calls, message=message,
    )
