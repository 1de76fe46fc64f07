"""Applying a person's decision on a held conflict, right away.

The decision is turned into a merge base: for every field the two held versions
disagree on, the base takes the *losing* side's value, so the next merge sees only the
chosen side as changed and writes its value over the other. The record is then synced
at once (both sides re-read) under the object's lock. Had the losing side changed again
since the hold, that is a new edit and a new conflict, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from b1hub.hub import Hub
from b1hub.objects.registry import get_spec
from b1hub.runner.locks import object_lock
from b1hub.store.types import ConflictResolution, ConflictStatus, RunTrigger
from b1hub.sync.api import RunSummary
from b1hub.sync.engine import check_allowed, execute
from b1hub.sync.hashing import record_hash


class ConflictNotOpen(ValueError):
    """No open conflict with this id (unknown, or resolved already)."""


@dataclass(frozen=True)
class Resolved:
    conflict_id: int
    object: str
    sap_key: str
    sf_id: str
    taken: ConflictResolution
    run: RunSummary


def resolve_conflict(
    hub: Hub, conflict_id: int, take: ConflictResolution, *, by: str = "cli"
) -> Resolved:
    with hub.repos() as repos:
        conflict = repos.conflicts.get(conflict_id)
        if conflict is None or conflict.status is not ConflictStatus.OPEN:
            state = "unknown" if conflict is None else "already resolved"
            raise ConflictNotOpen(f"conflict {conflict_id} is {state} (see "
                                  "`b1hub conflicts list`)")
        object_name, sap_key, sf_id = conflict.object, conflict.sap_key, conflict.sf_id
    spec = get_spec(object_name)
    check_allowed(hub, spec)
    with object_lock(hub, spec.name):
        with hub.repos() as repos:
            conflict = repos.conflicts.get(conflict_id)
            assert conflict is not None
            if conflict.status is not ConflictStatus.OPEN:
                raise ConflictNotOpen(f"conflict {conflict_id} is already resolved")
            loser = conflict.sf_version if take is ConflictResolution.TAKE_SAP \
                else conflict.sap_version
            disputed = {name for name in set(conflict.sap_version) | set(conflict.sf_version)
                        if record_hash({"v": conflict.sap_version.get(name)})
                        != record_hash({"v": conflict.sf_version.get(name)})}
            link = repos.links.by_sap_key(object_name, sap_key)
            if link is not None:
                link.base_values = {**(link.base_values or {}),
                                    **{name: loser.get(name) for name in disputed}}
            repos.conflicts.resolve(conflict_id, take, by)
        summary = execute(hub, spec, trigger=RunTrigger.RETRY, run_id=None, progress=None,
                          sap_keys={sap_key}, sf_ids={sf_id})
    return Resolved(conflict_id, object_name, sap_key, sf_id, take, summary)
