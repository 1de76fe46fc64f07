"""SAP → Salesforce: read changed SAP records, plan against their links, write, record.

A Salesforce record read in the same run (``sf_changes``) is merged here as the other
side of its pair, so a field both sides changed is settled once, by the policy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from b1hub.connectors.base import Checkpoint, WriteRecord
from b1hub.connectors.service_layer.reading import record_checkpoint
from b1hub.mapping.fields import Mapped
from b1hub.objects import udfs
from b1hub.store.models import Link
from b1hub.store.repositories import LinkState, Repositories
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import addresses, memory, messages, writer
from b1hub.sync.checkpoint import CheckpointTracker, Position
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.hashing import record_hash
from b1hub.sync.merge import merge
from b1hub.sync.prices import CREATED, price_changes_due, write_prices
from b1hub.sync.reader import (
    Clock,
    ReadState,
    cursor_after,
    read_chunks,
    read_start,
    sap_clock,
)
from b1hub.sync.records import (
    TYPE,
    OpenRecords,
    SfChange,
    label_of,
    mapping_error,
    sf_extras,
    sync_stamp,
    unchanged_since,
    unmapped_change,
)

DIRECTION = Direction.SAP_TO_SALESFORCE
CHUNK = 5000
"""Records planned and written together: above the connector's Bulk threshold (2,000),
so a large load goes out as Bulk jobs, and creates and updates each fill whole requests."""
ITEM_CHUNK = 2500
"""Items carry their price entries (seven writes each at three price lists): half as
many still send the entries as Bulk jobs, and a chunk's records, entries and outcomes
were what set a first load's peak memory."""
KEYS_PER_READ = 40
"""Records read by key per request (the filter must fit in a URL)."""
STAMP_FIELDS = frozenset(sync_stamp(""))
ECHO = "__echo"
"""In a link's base: the fingerprint of the SAP record as our last write-back left it."""
XREF = "__xref"
"""Set in a link's base once Salesforce holds the external id (initialization links
records matched by name or natural key that lack it)."""


@dataclass
class Planned:
    key: str
    position: Position
    values: dict[str, Any]
    link: Link | None
    sf_data: dict[str, Any] | None = None
    sap_data: dict[str, Any] | None = None
    pair: SfChange | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    account_type: str | None = None
    """The Account Type sent with this write, if any."""
    echo: str | None = None
    """Fingerprint of the record as a write-back of only our stamp left it."""


def sap_fields(ctx: RunContext) -> list[str]:
    extra = ["Valid", "Frozen", "ItemPrices"] if ctx.spec.sap_entity == "Items" else []
    mapped = [f for f in ctx.spec.field_map.sap_select() if not f.startswith("_")]
    return list(dict.fromkeys([*mapped, *extra, udfs.SFID]))


@dataclass
class Scope:
    """What one SAP read decides with: who is selected, held or parked, and its cursor."""

    held: set[str]
    """Ambiguous at initialization: never created until a person links them."""
    parked: dict[str, dt.datetime]
    sf_changes: dict[str, SfChange]
    tracker: CheckpointTracker
    cursor: dict[str, Any] | None
    clock: Clock
    save: bool
    due: set[str] = field(default_factory=set)
    """Records due regardless of the checkpoint and not read yet (a read crosses them off)."""
    retrying: bool = False
    """Reading the records of open errors: one found in sync closes its error."""
    echoes: bool = False
    """Pass over our write-back's echoes (the change read; never a read by key)."""
    waiting: frozenset[str] = frozenset()
    """Records with a child waiting for them: due even when unchanged since our write."""


def run_sap_pass(
    ctx: RunContext, sf_changes: dict[str, SfChange], *, keys: set[str] | None = None
) -> None:
    """One read of SAP changes since the checkpoint, then the records due regardless of
    it; ``keys``: only these records (retries), the checkpoint left alone.

    Due regardless of the checkpoint: records marked for sync but not linked yet (marked
    after initialization, unchanged in SAP since) and records with a child waiting for
    its parent. Parked failures and held records are not due: a change or a retry
    brings them back.
    """
    spec = ctx.spec
    with ctx.hub.repos() as repos:
        cursor = repos.checkpoints.load(spec.name, DIRECTION)
        open_records = OpenRecords.load(repos, spec.name, DIRECTION)
        unlinked, retyped = repos.selections.unsynced(spec.name)
    clock = sap_clock(ctx.settings.time_zone)
    if keys is not None:
        _read_keys(ctx, Scope(open_records.held, {}, sf_changes, CheckpointTracker(None), None,
                              clock, save=False, retrying=True), keys)
        return
    start = read_start(cursor, ctx.overlap, clock)
    tracker = CheckpointTracker(
        start=Position(cursor["timestamp"], cursor["key"]) if cursor else None)
    due = open_records.waiting | ((unlinked | retyped) - set(open_records.parked)
                                  - open_records.held)
    scope = Scope(open_records.held, open_records.parked, sf_changes, tracker, cursor, clock,
                  save=True, due=due, echoes=True, waiting=frozenset(open_records.waiting))
    read_at = dt.datetime.now(dt.UTC)
    state = _read(ctx, scope, start, None)
    if state.completed and not tracker.pending:
        with ctx.hub.repos() as repos:
            saved = cursor_after(tracker.checkpoint(), read_at, cursor)
            if saved is not None:
                repos.checkpoints.save(spec.name, DIRECTION, saved)
    if state.stop is not None:
        raise Paused(state.stop)
    if scope.due:
        _read_keys(ctx, Scope(open_records.held, {}, sf_changes, CheckpointTracker(None), None,
                              clock, save=False), scope.due)


def _read_keys(ctx: RunContext, scope: Scope, keys: set[str]) -> None:
    """Read these records by key, a few dozen per request, outside the checkpoint."""
    ordered = sorted(keys)
    for start in range(0, len(ordered), KEYS_PER_READ):
        scope.tracker = CheckpointTracker(None)  # each read has its own order
        state = _read(ctx, scope, None, ordered[start:start + KEYS_PER_READ])
        if state.stop is not None:
            raise Paused(state.stop)


def _read(
    ctx: RunContext, scope: Scope, start: Checkpoint | None, keys: list[str] | None
) -> ReadState:
    spec = ctx.spec
    where = spec.sap_filter
    if keys is not None:
        codes = " or ".join(f"{spec.sap_key} eq '{k.replace(chr(39), chr(39) * 2)}'"
                            for k in keys)
        where = f"({where}) and ({codes})" if where else codes
    state = ReadState()
    done = 0
    for chunk in read_chunks(ctx.sap, spec.sap_entity, sap_fields(ctx), start, where=where,
                             position_of=lambda r: _position(r, spec.sap_key),
                             chunk_size=ITEM_CHUNK if spec.sap_entity == "Items" else CHUNK,
                             state=state, page_size=0):
        for position, _ in chunk.rows:
            scope.tracker.observe(position)
            scope.due.discard(position.key)
        _process(ctx, chunk.rows, scope)
        memory.release()
        done += len(chunk.rows)
        ctx.report("read sap", done)
    return state


def _position(record: dict[str, Any], key_field: str) -> Position:
    checkpoint = record_checkpoint(record, key_field)
    return Position(checkpoint.timestamp, checkpoint.key)


def _process(ctx: RunContext, rows: list[tuple[Position, dict[str, Any]]], scope: Scope) -> None:
    spec = ctx.spec
    tracker = scope.tracker
    outcomes: list[OutcomeIn] = []
    plans: list[Planned] = []
    with ctx.hub.repos() as repos:
        keys = [str(r[spec.sap_key]) for _, r in rows]
        links = repos.links.by_sap_keys(spec.name, keys)
        selected = repos.selections.types_of(spec.name, keys)
        for position, raw in rows:
            key = str(raw[spec.sap_key])
            link = links.get(key)
            if scope.echoes and key not in scope.waiting \
                    and not _retyped(link, selected.get(key)) and _own_echo(link, raw):
                tracker.done(position)  # only our cross-reference changed: nothing to do
                continue
            if key not in selected or (link is None and key in scope.held):
                tracker.done(position)  # linked at initialization or unmarked: not synced
                continue
            if unchanged_since(scope.clock.parse(position.timestamp), scope.parked.get(key)):
                tracker.done(position)  # failed before and not changed since: stays parked
                continue
            mapped = spec.field_map.from_sap(spec.prepare_sap(raw))
            record = messages.describe(label_of(spec), mapped.values.get("name"), "SAP", key)
            if mapped.errors:
                outcomes.append(_out(ctx, key, link, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                     message=messages.unmapped(record, "SAP", mapped.errors),
                                     fields=[e.field for e in mapped.errors]))
                tracker.done(position)
                continue
            if link is None and raw.get(udfs.SFID):
                # our own cross-reference survived a crash that lost the link: adopt it
                link = repos.links.insert_or_get(spec.name, key, str(raw[udfs.SFID])).link
                link.base_values = mapped.values
            plan = _plan(ctx, repos, key, position, raw, mapped.values, link,
                         selected[key], scope, outcomes)
            if plan is None:
                tracker.done(position)
            else:
                plans.append(plan)
    finished = _write(ctx, plans, outcomes)
    for plan in plans:
        if plan.key in finished:
            tracker.done(plan.position)
            if plan.pair is not None:
                plan.pair.done = True
    ctx.count(outcomes)
    with ctx.hub.repos() as repos:
        repos.outcomes.record(ctx.run_id, outcomes)
        _remember(repos, ctx, plans, finished)
        if scope.save:
            saved = cursor_after(tracker.checkpoint(), None, scope.cursor)
            if saved is not None:
                repos.checkpoints.save(spec.name, DIRECTION, saved)
        repos.runs.heartbeat(ctx.run_id)


def _plan(
    ctx: RunContext, repos: Repositories, key: str, position: Position, raw: dict[str, Any],
    values: dict[str, Any], link: Link | None, account_type: str | None, scope: Scope,
    outcomes: list[OutcomeIn],
) -> Planned | None:
    spec = ctx.spec
    if link is None:
        data = _converted(ctx, key, None, values, spec.field_map.to_salesforce(values),
                          outcomes)
        if data is None:
            return None
        data.update(sf_extras(spec, key, account_type, create=True))
        return Planned(key, position, values, None, sf_data=data, raw=raw,
                       account_type=data.get("Type"))
    pair = scope.sf_changes.get(link.sf_id)
    if pair is not None and pair.done:
        pair = None  # settled earlier in this run: its values are stale now
    if pair is not None and pair.errors:
        outcomes.append(unmapped_change(spec, pair, link.sap_key))
        pair.done = True  # parked with its error; SAP's own changes still go out
        pair = None
    sap_modified = scope.clock.parse(position.timestamp)
    base = {k: v for k, v in (link.base_values or {}).items() if not k.startswith("__")}
    other = pair.values if pair is not None else dict(base)
    result = merge(base, values, other, policy=ctx.policy, owners=spec.field_map.owners(),
                   sap_modified=sap_modified,
                   salesforce_modified=pair.modified if pair else sap_modified)
    if result.held:
        conflict = repos.conflicts.hold(spec.name, key, link.sf_id, values, other, ctx.run_id)
        outcomes.append(_out(ctx, key, link, OutcomeAction.HELD, OutcomeStatus.HELD,
                             message=f"conflict {conflict.id} held for review: "
                             + ", ".join(c.field for c in result.conflicts)))
        if pair is not None:
            pair.done = True
        return None
    plan = Planned(key, position, result.values, link, pair=pair, raw=raw)
    retype = bool(account_type) and (link.base_values or {}).get(TYPE) != account_type
    if result.to_salesforce or not (link.base_values or {}).get(XREF) or retype:
        plan.sf_data = _converted(ctx, key, link, values,
                                  spec.field_map.to_salesforce(result.to_salesforce), outcomes)
        if plan.sf_data is None:
            return None
        plan.sf_data.update(sf_extras(spec, key, None, create=False))
        if retype:
            plan.sf_data["Type"] = plan.account_type = account_type
    if result.to_sap or raw.get(udfs.SFID) != link.sf_id:
        plan.sap_data = _converted(ctx, key, link, values, spec.field_map.to_sap(result.to_sap),
                                   outcomes)
        if plan.sap_data is None:
            return None
        plan.sap_data.update(sync_stamp(link.sf_id))  # also: cross-reference of a new link
        addresses.identify(plan.sap_data, raw.get(addresses.COLLECTION))
    prices_due = spec.sap_entity == "Items" and price_changes_due(ctx, raw, link)
    if plan.sf_data is None and plan.sap_data is None and not prices_due:
        if pair is not None:
            pair.done = True
        if result.values != base:
            link.base_values = {**(link.base_values or {}), **result.values}
        if scope.retrying:
            outcomes.append(_out(ctx, key, link, OutcomeAction.SKIP, OutcomeStatus.SUCCEEDED))
        return None
    return plan


def _converted(
    ctx: RunContext, key: str, link: Link | None, values: dict[str, Any], mapped: Mapped,
    outcomes: list[OutcomeIn],
) -> dict[str, Any] | None:
    """The write body, or None with a record error when a value cannot be converted."""
    if not mapped.errors:
        return mapped.values
    outcomes.append(mapping_error(ctx.spec, DIRECTION, values.get("name"), mapped.errors,
                                  sap_key=key, sf_id=link.sf_id if link else None))
    return None


def _write(ctx: RunContext, plans: list[Planned], outcomes: list[OutcomeIn]) -> set[str]:
    """Write every plan; returns the keys whose records are finished (ok or parked)."""
    spec = ctx.spec
    creates = [WriteRecord(p.key, p.sf_data) for p in plans if p.link is None and p.sf_data]
    updates = [WriteRecord(p.key, p.sf_data, p.link.sf_id) for p in plans
               if p.link is not None and p.sf_data]
    ctx.report("write salesforce", 0, len(creates) + len(updates))
    sf = writer.to_salesforce(ctx, spec.salesforce_object, "upsert", creates,
                              spec.salesforce_external_id)
    sf.update(writer.to_salesforce(ctx, spec.salesforce_object, "update", updates))
    ctx.report("write salesforce", len(sf), len(sf))
    sap_records = [WriteRecord(p.key, p.sap_data, p.key) for p in plans if p.sap_data]
    for p in plans:
        result = sf.get(p.key)
        if p.link is None and result is not None and result.ok and result.remote_id:
            sap_records.append(WriteRecord(p.key, sync_stamp(result.remote_id), p.key))
    ctx.report("write back", 0, len(sap_records))
    sap = writer.to_sap(ctx, spec.sap_entity, "update", sap_records)
    _expect_echoes(plans, sap_records, sap)
    finished: set[str] = set()
    pending: list[str] = []
    for p in plans:
        s, b = sf.get(p.key), sap.get(p.key)
        if (s and s.pending) or (b and b.pending and p.sap_data):
            pending.append((s.pending if s and s.pending else None) or (b.pending if b else "")
                           or "")
            continue
        finished.add(p.key)
        sf_id = s.remote_id if s and s.remote_id else (p.link.sf_id if p.link else None)
        record = messages.describe(label_of(spec), p.values.get("name"), "SAP", p.key)
        if s is not None and s.error is not None:
            outcomes.append(_out(ctx, p.key, p.link, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                 message=messages.rejected(record, "Salesforce", "SAP", s.error),
                                 code=s.error.code, fields=messages.fields_of(s.error),
                                 payload=p.sf_data, sf_id=sf_id))
            p.sf_data = None
            continue
        if b is not None and b.error is not None and p.sap_data:
            outcomes.append(_out(ctx, p.key, p.link, OutcomeAction.ERROR, OutcomeStatus.FAILED,
                                 message=messages.rejected(record, "SAP", "Salesforce", b.error),
                                 code=b.error.code, fields=messages.fields_of(b.error),
                                 payload=p.sap_data, sf_id=sf_id))
            continue
        action = OutcomeAction.CREATE if p.link is None else OutcomeAction.UPDATE
        if p.sf_data is not None or p.sap_data is not None:
            outcomes.append(_out(ctx, p.key, p.link, action, OutcomeStatus.SUCCEEDED,
                                 sf_id=sf_id, payload=p.sf_data or p.sap_data))
        p.raw["__sf_id"] = sf_id
        if s is not None and s.created:
            p.raw[CREATED] = True
    if spec.sap_entity == "Items":
        write_prices(ctx, [p for p in plans if p.key in finished and p.raw.get("__sf_id")],
                     outcomes)
    if pending:
        ctx.pending_reason = pending[0]
    return finished


def _fingerprint(raw: dict[str, Any], sf_id: Any) -> str:
    """The record's content apart from its update stamp, with this cross-reference (the
    first 128 bits of the hash)."""
    return record_hash(
        {**{k: v for k, v in raw.items()
            if not k.startswith("__") and k not in ("UpdateDate", "UpdateTime")},
         udfs.SFID: sf_id})[:32]


def _expect_echoes(
    plans: list[Planned], written: list[WriteRecord], results: dict[str, writer.Written]
) -> None:
    """Fingerprint the records whose write-back was only the cross-reference stamp.

    The read after the writes (engine: "absorb the echoes") finds all of them changed; one
    still equal to this fingerprint changed by our stamp alone and is passed over without
    mapping and merging it — at an initial load, that is every record read a second time.
    The fingerprint is kept in the link's base, not in memory: 100,000 of them were the
    largest thing a first load held for its whole length.
    """
    stamp_only = {r.key: r.data[udfs.SFID] for r in written
                  if set(r.data) <= STAMP_FIELDS and r.data.get(udfs.SFID)}
    for p in plans:
        result = results.get(p.key)
        if p.key in stamp_only and result is not None and result.error is None \
                and not result.pending:
            p.echo = _fingerprint(p.raw, stamp_only[p.key])


def _retyped(link: Link | None, account_type: str | None) -> bool:
    """Marked with another Account Type than the one last written: due, echo or not."""
    return bool(account_type) and link is not None and link.account_type != account_type


def _own_echo(link: Link | None, raw: dict[str, Any]) -> bool:
    """The record is as our last write-back left it (its content is what was synced, so
    a re-read inside the overlap is passed over too)."""
    expected = (link.base_values or {}).get(ECHO) if link is not None else None
    return expected is not None and expected == _fingerprint(raw, raw.get(udfs.SFID))


def _out(
    ctx: RunContext, key: str, link: Link | None, action: OutcomeAction, status: OutcomeStatus,
    *, message: str | None = None, code: str | None = None, fields: list[str] | None = None,
    payload: dict[str, Any] | None = None, sf_id: str | None = None,
) -> OutcomeIn:
    return OutcomeIn(ctx.spec.name, DIRECTION, action, status, sap_key=key,
                     sf_id=sf_id or (link.sf_id if link else None), error_code=code,
                     error_message=message, error_fields=fields or [], payload=payload)


def _remember(
    repos: Repositories, ctx: RunContext, plans: list[Planned], finished: set[str]
) -> None:
    """Links and merge bases of the records written successfully."""
    states: list[LinkState] = []
    for p in plans:
        sf_id = p.raw.get("__sf_id")
        if p.key not in finished or not sf_id:
            continue
        previous = (p.link.base_values if p.link else None) or {}
        values = {**p.values, XREF: True}
        if p.account_type:
            values[TYPE] = p.account_type
        elif TYPE in previous:
            values[TYPE] = previous[TYPE]
        if p.echo is not None:
            values[ECHO] = p.echo
        if "__prices" in p.raw:
            values["__prices"] = p.raw["__prices"]
        elif "__prices" in previous:
            values["__prices"] = previous["__prices"]
        digest = record_hash(p.values)
        states.append(LinkState(p.key, str(sf_id), values, sap_hash=digest, sf_hash=digest))
    saved = repos.links.save_many(ctx.spec.name, states, synced_at=dt.datetime.now(dt.UTC))
    if saved.conflicts:
        raise saved.conflicts[0]
