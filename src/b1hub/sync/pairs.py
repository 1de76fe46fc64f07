"""What the contact and lead passes share: reading changes since a checkpoint, loading
records by key, and settling one linked pair (merge, conflict log, review holds).

These objects are synced a *pair at a time*: a change on either side marks the pair
dirty, then both sides' current versions are loaded and merged against the link's base.
A side equal to the base did not change, so echoes of the hub's own writes settle to
"nothing to write" whatever their timing; recognising a linked record the hub itself
wrote last (``LastModifiedById`` is its dedicated integration user, see
:mod:`b1hub.sync.echo`) only saves the work of merging it. Edits made by people logged in
as that user are therefore not seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from b1hub.connectors.service_layer.reading import record_checkpoint
from b1hub.store.models import Link
from b1hub.store.repositories import Repositories
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import ConflictResolution, Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import echo
from b1hub.sync.checkpoint import Position, parse_utc
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.merge import MergeResult, Side, merge
from b1hub.sync.reader import (
    Clock,
    ReadState,
    cursor_after,
    read_chunks,
    read_start,
    salesforce_clock,
    sap_clock,
)

KEYS_PER_READ = 40
IDS_PER_QUERY = 200
CONVERTED = "__converted"


@dataclass
class Version:
    """One side's current canonical values of a record and when that side changed it."""

    values: dict[str, Any]
    modified: dt.datetime
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Changes:
    """Rows read since a checkpoint and where the checkpoint goes once they are done."""

    rows: list[dict[str, Any]]
    position: Position | None
    cursor: dict[str, Any] | None
    read_at: dt.datetime


def read_sap_changes(
    ctx: RunContext, fields: Sequence[str], where: str, direction: Direction
) -> Changes:
    with ctx.hub.repos() as repos:
        cursor = repos.checkpoints.load(ctx.spec.name, direction)
    clock = sap_clock(ctx.settings.time_zone)
    return _read(ctx, ctx.sap, ctx.spec.sap_entity, fields, where, cursor, clock,
                 lambda r: _sap_position(r), 0)


def read_sf_changes(
    ctx: RunContext, fields: Sequence[str], where: str | None, direction: Direction
) -> Changes:
    with ctx.hub.repos() as repos:
        cursor = repos.checkpoints.load(ctx.spec.name, direction)
    return _read(ctx, ctx.sf, ctx.spec.salesforce_object, fields, where, cursor,
                 salesforce_clock(),
                 lambda r: Position(str(r["SystemModstamp"]), str(r["Id"])), 2000)


def _sap_position(record: dict[str, Any]) -> Position:
    checkpoint = record_checkpoint(record, "CardCode")
    return Position(checkpoint.timestamp, checkpoint.key)


def _read(
    ctx: RunContext, source: Any, entity: str, fields: Sequence[str], where: str | None,
    cursor: dict[str, Any] | None, clock: Clock,
    position_of: Callable[[dict[str, Any]], Position], page_size: int,
) -> Changes:
    read_at = dt.datetime.now(dt.UTC)
    state = ReadState()
    rows: list[dict[str, Any]] = []
    position: Position | None = None
    for chunk in read_chunks(source, entity, fields, read_start(cursor, ctx.overlap, clock),
                             where=where, position_of=position_of, chunk_size=2000,
                             state=state, page_size=page_size):
        for pos, row in chunk.rows:
            rows.append(row)
            position = max(position, pos) if position else pos
    if state.stop is not None:
        raise Paused(state.stop)
    return Changes(rows, position, cursor, read_at)


def save_checkpoint(ctx: RunContext, changes: Changes, direction: Direction) -> None:
    """Called only once every record read is finished (written, skipped or parked)."""
    saved = cursor_after(changes.position, changes.read_at, changes.cursor)
    if saved is not None and saved != changes.cursor:
        with ctx.hub.repos() as repos:
            repos.checkpoints.save(ctx.spec.name, direction, saved)


def sap_records(
    ctx: RunContext, keys: Iterable[str], select: Sequence[str], where: str | None = None
) -> dict[str, dict[str, Any]]:
    """Business partners by CardCode, a few dozen per request."""
    ordered = sorted(set(keys))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ordered), KEYS_PER_READ):
        codes = " or ".join("CardCode eq '" + k.replace("'", "''") + "'"
                            for k in ordered[start:start + KEYS_PER_READ])
        condition = f"({where}) and ({codes})" if where else codes
        for page in ctx.sap.iter_pages("BusinessPartners", select=list(select),
                                       filter=condition):
            if not isinstance(page, list):
                raise Paused(page)
            found.update({str(r["CardCode"]): r for r in page})
    return found


def soql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in values)


def sf_rows(ctx: RunContext, soql: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for page in ctx.sf.query(soql, page_size=2000):
        if not isinstance(page, list):
            raise Paused(str(getattr(page, "reason", None) or page))
        rows.extend(page)
    return rows


def sf_rows_in(
    ctx: RunContext, fields: Sequence[str], sobject: str, column: str, values: Iterable[str],
    extra: str | None = None,
) -> list[dict[str, Any]]:
    """``SELECT fields FROM sobject WHERE column IN (values)``, in URL-sized slices."""
    ordered = sorted(set(values))
    rows: list[dict[str, Any]] = []
    columns = ", ".join(dict.fromkeys(["Id", *fields]))
    for start in range(0, len(ordered), IDS_PER_QUERY):
        where = f"{column} IN ({soql_list(ordered[start:start + IDS_PER_QUERY])})"
        if extra:
            where = f"{where} AND ({extra})"
        rows.extend(sf_rows(ctx, f"SELECT {columns} FROM {sobject} WHERE {where}"))
    return rows


def sf_modified(raw: dict[str, Any]) -> dt.datetime:
    stamp = raw.get("LastModifiedDate") or raw.get("SystemModstamp")
    return parse_utc(str(stamp)) if stamp else dt.datetime.now(dt.UTC)


def sap_modified(ctx: RunContext, raw: dict[str, Any]) -> dt.datetime:
    """When SAP last changed this record or contact person (company time zone)."""
    date, time = raw.get("UpdateDate"), raw.get("UpdateTime")
    if not date:
        date, time = raw.get("CreateDate"), raw.get("CreateTime")
    if not date:
        return dt.datetime.now(dt.UTC)
    clock = sap_clock(ctx.settings.time_zone)
    return clock.parse(f"{str(date)[:10]}T{time or '00:00:00'}")


def our_echo(ctx: RunContext, raw: dict[str, Any]) -> bool:
    """The Salesforce record was last written by the hub itself."""
    return echo.ours(ctx, raw)


def first_base(sap: dict[str, Any], salesforce: dict[str, Any]) -> dict[str, Any]:
    """The merge base of a pair linked without a common history (adopted, converted).

    Each field's base is the value of the side that should receive the other's: a value
    only one side has flows to the other, and where both differ SAP's (the system of
    record) wins — nothing is blanked and no conflict is invented.
    """
    return {name: salesforce.get(name) if sap.get(name) not in (None, "") else sap.get(name)
            for name in set(sap) | set(salesforce)}


@dataclass
class Settled:
    """A linked pair after merging: what to write where, or held for review."""

    result: MergeResult | None
    held: bool = False
    conflict_id: int | None = None


def settle(
    ctx: RunContext, repos: Repositories, link: Link, sap: Version, salesforce: Version,
    outcomes: list[OutcomeIn],
) -> Settled:
    """Merge both current versions against the link's base under the object's policy.

    A record with an open review conflict stays held (its versions refreshed) until a
    person resolves it: merging it alone would silently pick the side read this run.
    Conflicts a policy settles are logged as settled conflicts.
    """
    spec = ctx.spec
    base = {k: v for k, v in (link.base_values or {}).items() if not k.startswith("__")}
    open_conflict = repos.conflicts.open_for(spec.name, link.sap_key)
    result = merge(base, sap.values, salesforce.values, policy=ctx.policy,
                   owners=spec.field_map.owners(), sap_modified=sap.modified,
                   salesforce_modified=salesforce.modified)
    if result.held or open_conflict is not None:
        conflict = repos.conflicts.hold(spec.name, link.sap_key, link.sf_id, sap.values,
                                        salesforce.values, ctx.run_id)
        fields = ", ".join(c.field for c in result.conflicts) or "earlier conflict"
        outcomes.append(OutcomeIn(
            spec.name, Direction.SAP_TO_SALESFORCE, OutcomeAction.HELD, OutcomeStatus.HELD,
            sap_key=link.sap_key, sf_id=link.sf_id, error_code="CONFLICT",
            error_message=f"conflict {conflict.id} held for review ({fields}); resolve with "
                          f"`b1hub conflicts resolve {conflict.id} --take sap|salesforce`"))
        return Settled(None, held=True, conflict_id=conflict.id)
    if result.conflicts:
        winner = result.conflicts[0].winner
        repos.conflicts.log_settled(
            spec.name, link.sap_key, link.sf_id,
            {c.field: c.sap for c in result.conflicts},
            {c.field: c.salesforce for c in result.conflicts},
            ConflictResolution.TAKE_SAP if winner is Side.SAP
            else ConflictResolution.TAKE_SALESFORCE,
            f"policy:{ctx.policy.value}", ctx.run_id)
    return Settled(result)


def out(
    ctx: RunContext, direction: Direction, action: OutcomeAction, status: OutcomeStatus, *,
    sap_key: str | None, sf_id: str | None, message: str | None = None,
    code: str | None = None, payload: dict[str, Any] | None = None,
    fields: Sequence[str] = (),
) -> OutcomeIn:
    return OutcomeIn(ctx.spec.name, direction, action, status, sap_key=sap_key, sf_id=sf_id,
                     error_code=code, error_message=message, error_fields=list(fields),
                     payload=payload)
