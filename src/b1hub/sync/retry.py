"""Retrying open errors: re-read each record's current source version and write it."""

from __future__ import annotations

from b1hub.hub import Hub
from b1hub.objects.registry import dependency_order, get_spec
from b1hub.runner.locks import object_lock
from b1hub.store.types import Direction, OutcomeStatus, RunTrigger
from b1hub.sync.api import ProgressCallback, RunSummary
from b1hub.sync.engine import check_allowed, execute
from b1hub.sync.records import record_key


def retry_open_errors(
    hub: Hub, *, object_name: str | None, outcome_ids: list[int] | None,
    progress: ProgressCallback | None,
) -> list[RunSummary]:
    wanted = get_spec(object_name).name if object_name else None
    with hub.repos() as repos:
        rows = (repos.outcomes.get_many(outcome_ids) if outcome_ids is not None
                else repos.outcomes.open_errors(wanted, limit=1_000_000))
        targets: dict[str, tuple[set[str], set[str]]] = {}
        for row in rows:
            if row.resolved or row.status is OutcomeStatus.HELD:
                continue
            if wanted is not None and row.object != wanted:
                continue
            sap_keys, sf_ids = targets.setdefault(row.object, (set(), set()))
            if row.direction is Direction.SAP_TO_SALESFORCE and row.sap_key:
                sap_keys.add(record_key(row.sap_key))
            elif row.sf_id:
                sf_ids.add(row.sf_id)
    summaries = []
    for spec in dependency_order():
        if spec.name not in targets:
            continue
        sap_keys, sf_ids = targets[spec.name]
        check_allowed(hub, spec)
        with object_lock(hub, spec.name):
            summaries.append(execute(hub, spec, trigger=RunTrigger.RETRY, run_id=None,
                                     progress=progress, sap_keys=sap_keys, sf_ids=sf_ids))
    return summaries
