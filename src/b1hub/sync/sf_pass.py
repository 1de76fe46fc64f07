"""Salesforce → SAP (accounts): read changed accounts, update linked partners, create new ones.

Our own writes are excluded from the read (``LastModifiedById`` is the hub's dedicated
integration user, see :mod:`b1hub.sync.echo`), so they cost nothing on the next run; edits
made by people logged in as that user are therefore not seen.
A new partner is created only after looking for one already carrying the account's Id
in ``U_B1H_SFID``: a create retried after a crash links that partner instead of
making a second one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from b1hub.connectors.base import WriteRecord
from b1hub.objects import udfs
from b1hub.store.repositories import SelectionEntry
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import Direction, OutcomeAction, OutcomeStatus
from b1hub.sync import addresses, echo, messages, writer
from b1hub.sync.checkpoint import CheckpointTracker, Position, parse_utc
from b1hub.sync.codes import CodeSeries
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.hashing import record_hash
from b1hub.sync.merge import merge
from b1hub.sync.reader import (
    ReadState,
    cursor_after,
    read_chunks,
    read_start,
    salesforce_clock,
)
from b1hub.sync.records import (
    TYPE,
    OpenRecords,
    SfChange,
    label_of,
    sync_stamp,
    unchanged_since,
    unmapped_change,
)

DIRECTION = Direction.SALESFORCE_TO_SAP
CHUNK = 200
DUPLICATE = "-10"


class SfRead:
    """The Salesforce changes of one run, kept until both passes are done with them."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        with ctx.hub.repos() as repos:
            self.cursor = repos.checkpoints.load(ctx.spec.name, DIRECTION)
        self.tracker = CheckpointTracker(start=Position(
            self.cursor["timestamp"], self.cursor["key"]) if self.cursor else None)
        self.changes: dict[str, SfChange] = {}
        with ctx.hub.repos() as repos:
            self.open_records = OpenRecords.load(repos, ctx.spec.name, DIRECTION)
        self.retrying = False
        self.state = ReadState()
        self.read_at = dt.datetime.now(dt.UTC)

    def where(self) -> str:
        spec = self.ctx.spec
        types = ", ".join("'" + t.replace("'", "\\'") + "'"
                          for t in self.ctx.settings.account_types)
        wanted = f"{spec.salesforce_external_id} != null"
        if types:
            wanted = f"(Type IN ({types}) OR {wanted})"
        return f"{echo.not_ours(self.ctx)} AND {wanted}"

    def read(self, ids: set[str] | None = None) -> None:
        spec = self.ctx.spec
        fields = [*spec.field_map.salesforce_select(), spec.salesforce_external_id, "Type",
                  echo.USER_FIELD]
        where = self.where()
        # the mapped values carry the rest; a first load reads every account of the
        # synced types, and whole rows were a fifth of its memory
        kept = ("Name", "Type", spec.salesforce_external_id)
        start = read_start(self.cursor, self.ctx.overlap, salesforce_clock())
        if ids is not None:
            start, self.retrying = None, True
            where = "Id IN (" + ", ".join(f"'{i}'" for i in sorted(ids)) + ")"
        for chunk in read_chunks(self.ctx.sf, spec.salesforce_object, fields, start,
                                 where=where, chunk_size=2000, state=self.state,
                                 page_size=2000,
                                 position_of=lambda r: Position(str(r["SystemModstamp"]),
                                                                str(r["Id"]))):
            for position, raw in chunk.rows:
                self.tracker.observe(position)
                mapped = spec.field_map.from_salesforce(raw)
                self.changes[position.key] = SfChange.of(
                    position, {k: raw.get(k) for k in kept}, mapped.values,
                    parse_utc(position.timestamp), mapped.errors)
            self.ctx.report("read salesforce", len(self.changes))
        if self.state.stop is not None:
            raise Paused(self.state.stop)


def run_sf_pass(ctx: RunContext, read: SfRead, *, save: bool = True) -> None:
    pending = [c for c in read.changes.values() if not c.done]
    for c in read.changes.values():
        if c.done:
            read.tracker.done(c.position)
    for start in range(0, len(pending), CHUNK):
        _process(ctx, read, pending[start:start + CHUNK], save=save)
    if save and read.state.completed and not read.tracker.pending:
        with ctx.hub.repos() as repos:
            saved = cursor_after(read.tracker.checkpoint(), read.read_at, read.cursor)
            if saved is not None:
                repos.checkpoints.save(ctx.spec.name, DIRECTION, saved)


def _process(ctx: RunContext, read: SfRead, chunk: list[SfChange], *, save: bool) -> None:
    spec = ctx.spec
    outcomes: list[OutcomeIn] = []
    updates: list[tuple[SfChange, Any, dict[str, Any], dict[str, Any]]] = []
    creates: list[SfChange] = []
    fixes: list[WriteRecord] = []
    with ctx.hub.repos() as repos:
        links = repos.links.by_sf_ids(spec.name, [c.key for c in chunk])
        for change in chunk:
            link = links.get(change.key)
            raw = change.raw
            if not read.retrying and unchanged_since(change.modified,
                                                     read.open_records.parked.get(change.key)):
                change.done = True  # failed before and not changed since: stays parked
                continue
            if not change.errors:  # a value read fine may still not convert for SAP
                change.errors = spec.field_map.to_sap(change.values).errors
            if change.errors:
                outcomes.append(unmapped_change(spec, change, link.sap_key if link else None))
                change.done = True
                continue
            if link is None:
                wanted = raw.get("Type") in ctx.settings.account_types
                if raw.get(spec.salesforce_external_id) or not wanted or \
                        change.key in read.open_records.held:
                    change.done = True
                else:
                    creates.append(change)
                continue
            if raw.get(spec.salesforce_external_id) != link.sap_key:
                fixes.append(_cross_reference(spec.salesforce_external_id, change.key,
                                              link.sap_key))
            base = {k: v for k, v in (link.base_values or {}).items() if not k.startswith("__")}
            result = merge(base, dict(base), change.values, policy=ctx.policy,
                           owners=spec.field_map.owners())
            if result.to_sap:
                body = spec.field_map.to_sap(result.to_sap).values
                body.update(sync_stamp(change.key))
                updates.append((change, link, body, result.values))
            else:
                change.done = True
                if read.retrying:  # fixed back to what SAP holds: in sync, the error goes
                    outcomes.append(_out(spec.name, change.key, link.sap_key,
                                         OutcomeAction.SKIP, OutcomeStatus.SUCCEEDED))
    _write_updates(ctx, updates, outcomes)
    _write_creates(ctx, creates, outcomes)
    if fixes:
        writer.to_salesforce(ctx, spec.salesforce_object, "update", fixes)
    ctx.count(outcomes)
    for change in chunk:
        if change.done:
            read.tracker.done(change.position)
    with ctx.hub.repos() as repos:
        repos.outcomes.record(ctx.run_id, outcomes)
        for change, link, _, values in updates:
            if change.done and not any(o.sf_id == change.key and o.status is
                                       OutcomeStatus.FAILED for o in outcomes):
                link = repos.session.merge(link)
                kept = {k: v for k, v in (link.base_values or {}).items() if k.startswith("__")}
                link.base_values = {**kept, **values}
                repos.links.record_sync(link, sap_hash=record_hash(values),
                                        sf_hash=record_hash(values))
        if save:
            saved = cursor_after(read.tracker.checkpoint(), None, read.cursor)
            if saved is not None:
                repos.checkpoints.save(spec.name, DIRECTION, saved)


def _cross_reference(external_id: str, sf_id: str, code: str) -> WriteRecord:
    return WriteRecord(sf_id, {external_id: code, "AccountNumber": code}, sf_id)


def _write_updates(
    ctx: RunContext, updates: list[tuple[SfChange, Any, dict[str, Any], dict[str, Any]]],
    outcomes: list[OutcomeIn],
) -> None:
    spec = ctx.spec
    with_addresses = [link.sap_key for _, link, body, _ in updates
                      if addresses.needs_addresses(body)]
    current = addresses.current_addresses(ctx, with_addresses) if with_addresses else {}
    for _, link, body, _ in updates:
        addresses.identify(body, current.get(link.sap_key))
    records = [WriteRecord(c.key, body, link.sap_key) for c, link, body, _ in updates]
    results = writer.to_sap(ctx, spec.sap_entity, "update", records)
    for change, link, body, _ in updates:
        result = results[change.key]
        if result.pending:
            ctx.pending_reason = result.pending
            continue
        change.done = True
        if result.error is not None:
            record = messages.describe(label_of(spec), change.raw.get("Name"), "Salesforce",
                                       change.key)
            outcomes.append(_out(spec.name, change.key, link.sap_key, OutcomeAction.ERROR,
                                 OutcomeStatus.FAILED,
                                 messages.rejected(record, "SAP", "Salesforce", result.error),
                                 result.error.code, body, messages.fields_of(result.error)))
        else:
            outcomes.append(_out(spec.name, change.key, link.sap_key, OutcomeAction.UPDATE,
                                 OutcomeStatus.SUCCEEDED, payload=body))


def _existing_partners(ctx: RunContext, sf_ids: list[str]) -> dict[str, str]:
    """Partners already carrying these Salesforce Ids (a create that got through before
    a crash): sf id -> CardCode."""
    found: dict[str, str] = {}
    for start in range(0, len(sf_ids), 20):
        condition = " or ".join(f"{udfs.SFID} eq '{i}'" for i in sf_ids[start:start + 20])
        for page in ctx.sap.iter_pages("BusinessPartners", select=["CardCode", udfs.SFID],
                                       filter=condition):
            if not isinstance(page, list):
                raise Paused(page)
            found.update({str(r[udfs.SFID]): str(r["CardCode"]) for r in page})
    return found


def new_partner(ctx: RunContext, change: SfChange, code: str) -> dict[str, Any]:
    body = ctx.spec.field_map.to_sap(change.values).values
    body.update({"CardCode": code, "CardType": "cCustomer", **sync_stamp(change.key)})
    if ctx.settings.default_customer_group is not None:
        body["GroupCode"] = ctx.settings.default_customer_group
    if change.values.get("currency"):
        body["Currency"] = change.values["currency"]
    addresses.identify(body, None)
    return body


def _write_creates(ctx: RunContext, creates: list[SfChange], outcomes: list[OutcomeIn]) -> None:
    if not creates:
        return
    spec = ctx.spec
    existing = _existing_partners(ctx, [c.key for c in creates])
    codes: dict[str, str] = {c.key: existing[c.key] for c in creates if c.key in existing}
    todo = [c for c in creates if c.key not in existing]
    series: CodeSeries = ctx.cache.setdefault("codes", CodeSeries(ctx.sap, ctx.settings))
    errors: dict[str, tuple[Any, dict[str, Any]]] = {}
    for _attempt in range(3):
        if not todo:
            break
        bodies = {c.key: new_partner(ctx, c, code)
                  for c, code in zip(todo, series.take(len(todo)), strict=True)}
        ctx.report("write sap", 0, len(bodies))
        results = writer.to_sap(ctx, spec.sap_entity, "create",
                                [WriteRecord(k, b) for k, b in bodies.items()])
        retry: list[SfChange] = []
        for change in todo:
            result = results[change.key]
            if result.ok:
                codes[change.key] = str(bodies[change.key]["CardCode"])
            elif result.pending:
                ctx.pending_reason = result.pending
            elif result.error is not None and result.error.code == DUPLICATE:
                retry.append(change)
            elif result.error is not None:
                errors[change.key] = (result.error, bodies[change.key])
        if retry:
            series.refresh()
        todo = retry
    now = dt.datetime.now(dt.UTC)
    # the links are saved before the Salesforce accounts learn their SAP codes: a run killed
    # in between finds the accounts unchanged on its next read and adopts their partners by
    # Salesforce Id; written first, the code made them look linked from SAP while no link
    # existed, and being the hub's own edit they were never read again
    with ctx.hub.repos() as repos:
        for change in creates:
            if change.key in codes:
                code = codes[change.key]
                values = {**change.values, "account_number": code}
                link = repos.links.insert_or_get(spec.name, code, change.key, synced_at=now).link
                link.base_values = {**values, TYPE: change.raw.get("Type")}
                # a customer made from Salesforce is marked, so SAP edits flow back to it
                repos.selections.mark(spec.name, [SelectionEntry(
                    code, change.raw.get("Type"), change.raw.get("Name"))])
                repos.links.record_sync(link, sap_hash=record_hash(values),
                                        sf_hash=record_hash(values), synced_at=now)
                change.done = True
                outcomes.append(_out(spec.name, change.key, code, OutcomeAction.CREATE,
                                     OutcomeStatus.SUCCEEDED))
            elif change.key in errors:
                error, body = errors[change.key]
                record = messages.describe(label_of(spec), change.raw.get("Name"),
                                           "Salesforce", change.key)
                change.done = True
                outcomes.append(_out(spec.name, change.key, None, OutcomeAction.ERROR,
                                     OutcomeStatus.FAILED,
                                     messages.rejected(record, "SAP", "Salesforce", error),
                                     error.code, body, messages.fields_of(error)))
    fixes = [_cross_reference(spec.salesforce_external_id, k, code) for k, code in codes.items()]
    writer.to_salesforce(ctx, spec.salesforce_object, "update", fixes)


def _out(
    object_name: str, sf_id: str, sap_key: str | None, action: OutcomeAction,
    status: OutcomeStatus, message: str | None = None, code: str | None = None,
    payload: dict[str, Any] | None = None, fields: list[str] | None = None,
) -> OutcomeIn:
    return OutcomeIn(object_name, DIRECTION, action, status, sap_key=sap_key, sf_id=sf_id,
                     error_code=code, error_message=message, payload=payload,
                     error_fields=fields or [])
