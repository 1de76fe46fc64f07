"""What initialization and runs leave for a person: ambiguous matches held, conflicts held
for review, and the per-object switches (enabled, direction, conflict policy).

A held match is resolved by linking the SAP record to the candidate the person picks (the
link has no merge base, like a link from the Master Data Mapping Tool: the next sync
compares both records field by field) or by dismissing it (none of the candidates is that
record; it is no longer held and syncs as a record of its own). Either way the held
outcomes are resolved, so the engine stops skipping the record.

A conflict is resolved by the engine's own apply function (b1hub.sync.resolve).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from b1hub.hub import Hub
from b1hub.objects.registry import get_spec
from b1hub.store.models import Conflict, RecordOutcome
from b1hub.store.repositories import LinkConflictError, Repositories
from b1hub.store.types import (
    ConflictPolicy,
    ConflictResolution,
    ObjectDirection,
    OutcomeStatus,
)
from b1hub.web.services.errors import ActionRefused, InvalidInput, NotFound
from b1hub.web.services.mappings import known

AMBIGUOUS = "AMBIGUOUS_MATCH"


@dataclass(frozen=True)
class HeldMatch:
    object: str
    sap_key: str
    candidates: list[str]
    message: str
    held_at: datetime
    outcome_ids: list[int]


@dataclass(frozen=True)
class ObjectSettingsView:
    object: str
    enabled: bool
    direction: ObjectDirection
    conflict_policy: ConflictPolicy | None
    """None: the general setting applies."""
    directions: list[ObjectDirection]
    """The directions this object can take."""


def _held_rows(repos: Repositories, object_name: str | None = None) -> list[RecordOutcome]:
    return [row for row in repos.outcomes.open_errors(object_name, limit=100_000)
            if row.status is OutcomeStatus.HELD and row.error_code == AMBIGUOUS]


def _group(rows: list[RecordOutcome]) -> list[HeldMatch]:
    groups: dict[tuple[str, str], list[RecordOutcome]] = {}
    for row in rows:
        if row.sap_key:
            groups.setdefault((row.object, row.sap_key), []).append(row)
    found = []
    for (object_name, sap_key), members in groups.items():
        listed: list[str] = []
        for row in members:
            payload = row.payload or {}
            listed.extend(str(c) for c in payload.get("candidates") or [])
            if row.sf_id:
                listed.append(row.sf_id)
        found.append(HeldMatch(object_name, sap_key, list(dict.fromkeys(listed)),
                               members[0].error_message or "", members[0].created_at,
                               [row.id for row in members]))
    return found


def held_matches(hub: Hub, object_name: str | None = None) -> list[HeldMatch]:
    """Ambiguous matches still waiting for a person, one per SAP record."""
    with hub.repos() as repos:
        return _group(_held_rows(repos, known(object_name) if object_name else None))


def _one(repos: Repositories, object_name: str, sap_key: str) -> HeldMatch:
    found = _group([r for r in _held_rows(repos, object_name) if r.sap_key == sap_key])
    if not found:
        raise NotFound(f"no held match for {object_name} SAP {sap_key}")
    return found[0]


def link_held(hub: Hub, object_name: str, sap_key: str, sf_id: str, by: str) -> str:
    """Link SAP ``sap_key`` to the chosen candidate and release the held record."""
    name = known(object_name)
    with hub.repos() as repos:
        match = _one(repos, name, sap_key)
        chosen = next((c for c in match.candidates if c[:15] == sf_id.strip()[:15]), None)
        if chosen is None:
            raise InvalidInput(f"{sf_id} is not one of the candidates of SAP {sap_key}: "
                               f"{', '.join(match.candidates)}")
        try:
            repos.links.insert_or_get(name, sap_key, chosen)
        except LinkConflictError as exc:
            raise ActionRefused(str(exc)) from None
        repos.outcomes.resolve(match.outcome_ids)
        repos.audit.record(by, "held.link", name, {"sap_key": sap_key, "sf_id": chosen,
                                                   "candidates": match.candidates})
    return f"{name} SAP {sap_key} linked to Salesforce {chosen}"


def dismiss_held(hub: Hub, object_name: str, sap_key: str, by: str) -> str:
    name = known(object_name)
    with hub.repos() as repos:
        match = _one(repos, name, sap_key)
        repos.outcomes.resolve(match.outcome_ids)
        repos.audit.record(by, "held.dismiss", name, {"sap_key": sap_key,
                                                      "candidates": match.candidates})
    return (f"{name} SAP {sap_key}: none of the candidates linked; it is no longer held and "
            "syncs as a record of its own")


def open_conflicts(hub: Hub, object_name: str | None = None) -> list[Conflict]:
    with hub.repos() as repos:
        return repos.conflicts.open(known(object_name) if object_name else None)


def resolve_conflict(hub: Hub, conflict_id: int, take: ConflictResolution, by: str) -> str:
    """Take a side: the engine applies it at once (b1hub.sync.resolve: the record is synced
    with the chosen values under the object's lock). Dismissing only closes the conflict."""
    if take is ConflictResolution.DISMISSED:
        with hub.repos() as repos:
            try:
                conflict = repos.conflicts.resolve(conflict_id, take, by)
            except LookupError:
                raise NotFound(f"no conflict {conflict_id}") from None
            except ValueError as exc:
                raise ActionRefused(str(exc)) from None
            repos.audit.record(by, "conflict.resolve", conflict.object,
                               {"conflict": conflict_id, "sap_key": conflict.sap_key,
                                "take": take.value})
            return f"conflict {conflict_id} ({conflict.object} SAP {conflict.sap_key}): dismissed"
    from b1hub.runner.locks import ObjectBusy
    from b1hub.sync.api import NotActivated, NotInitialized
    from b1hub.sync.resolve import ConflictNotOpen
    from b1hub.sync.resolve import resolve_conflict as apply_resolution

    try:
        done = apply_resolution(hub, conflict_id, take, by=by)
    except ConflictNotOpen as exc:
        raise NotFound(str(exc)) from None
    except (NotActivated, NotInitialized, ObjectBusy) as exc:
        raise ActionRefused(f"conflict {conflict_id} stays open: {exc}") from None
    with hub.repos() as repos:
        repos.audit.record(by, "conflict.resolve", done.object,
                           {"conflict": conflict_id, "sap_key": done.sap_key,
                            "sf_id": done.sf_id, "take": take.value,
                            "run_id": done.run.run_id})
    side = "SAP" if take is ConflictResolution.TAKE_SAP else "Salesforce"
    return (f"conflict {conflict_id} ({done.object} SAP {done.sap_key}): {side} values "
            f"applied (run {done.run.run_id}: {done.run.updated} updated, "
            f"{done.run.failed} failed)")


def directions_of(object_name: str) -> list[ObjectDirection]:
    spec = get_spec(object_name)
    if spec.direction is ObjectDirection.BOTH:
        return list(ObjectDirection)
    return [spec.direction]


def _view(object_name: str, repos: Repositories) -> ObjectSettingsView:
    spec = get_spec(object_name)
    row = repos.objects.get(spec.name)
    return ObjectSettingsView(
        spec.name, row.enabled if row else True, row.direction if row else spec.direction,
        row.conflict_policy if row else None, directions_of(spec.name))


def object_settings(hub: Hub, object_names: list[str]) -> list[ObjectSettingsView]:
    with hub.repos() as repos:
        return [_view(name, repos) for name in object_names]


def update_object_settings(
    hub: Hub, object_name: str, by: str, *, enabled: bool | None = None,
    direction: ObjectDirection | None = None, conflict_policy: ConflictPolicy | None = None,
    general_policy: bool = False,
) -> ObjectSettingsView:
    """Change what is given; ``general_policy`` clears the object's own conflict policy."""
    spec = get_spec(known(object_name))
    if direction is not None and direction not in directions_of(spec.name):
        raise InvalidInput(f"{spec.name} syncs {spec.direction.value} only")
    if general_policy and conflict_policy is not None:
        raise InvalidInput("give a conflict policy or the general one, not both")
    with hub.repos() as repos:
        before = _view(spec.name, repos)
        repos.objects.ensure(spec.name, spec.direction)
        repos.objects.update(spec.name, enabled=enabled, direction=direction,
                             conflict_policy=conflict_policy,
                             clear_conflict_policy=general_policy)
        after = _view(spec.name, repos)
        changes = {key: getattr(after, key) for key in ("enabled", "direction", "conflict_policy")
                   if getattr(after, key) != getattr(before, key)}
        if changes:
            repos.audit.record(by, "object.settings", spec.name,
                               {k: v.value if hasattr(v, "value") else v
                                for k, v in changes.items()})
        return after
