"""What the contact and lead passes share: reading changes since a checkpoint (and
saving it chunk by chunk), loading records by key, and settling one linked pair (merge,
conflict log, review holds).

These objects are synced a *pair at a time*: a change on either side marks the pair
dirty, then both sides' current versions are merged against the link's base. A side
equal to the base did not change, so echoes of the hub's own writes settle to "nothing
to write" whatever their timing, and are told apart in memory, with the rows the change
reads hold: only pairs that really changed cost reads by key. After the first, full
read, Salesforce reads leave out the records the hub itself wrote last
(``LastModifiedById`` is its dedicated integration user, see :mod:`b1hub.sync.echo`),
so a read right after a large load stays one request; edits made by people logged in as
that user are therefore not seen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from b1hub.connectors.base import Checkpoint
from b1hub.connectors.service_layer.reading import record_checkpoint
from b1hub.store.models import Link
from b1hub.store.repositories import Repositories
from b1hub.store.repositories.outcomes import OutcomeIn
from b1hub.store.types import (
    ConflictResolution,
    Direction,
    ObjectDirection,
    OutcomeAction,
    OutcomeStatus,
)
from b1hub.sync import echo
from b1hub.sync.checkpoint import CheckpointTracker, Position, parse_utc
from b1hub.sync.context import Paused, RunContext
from b1hub.sync.hashing import record_hash
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


@dataclass(frozen=True)
class Flags:
    """Which ways a run of a two-way object writes (its direction setting)."""

    to_sf: bool
    to_sap: bool

    @classmethod
    def of(cls, direction: ObjectDirection) -> Flags:
        return cls(direction in (ObjectDirection.BOTH, ObjectDirection.SAP_TO_SALESFORCE),
                   direction in (ObjectDirection.BOTH, ObjectDirection.SALESFORCE_TO_SAP))


@dataclass
class Version:
    """One side's current canonical values of a record and when that side changed it."""

    values: dict[str, Any]
    modified: dt.datetime
    raw: dict[str, Any] = field(default_factory=dict)


class ChangeRead:
    """One side's changes since its checkpoint, and how far they are finished.

    Rows are observed in source order; the checkpoint is saved as soon as a prefix of
    them is done (after every finished chunk, not only at the end of the run), so a run
    cut short resumes after the last finished chunk. Saving this read's start time with a
    mid-run position is safe: every row at or before that position was visible to a read
    that began after it, so only rows later than ``read_at - overlap`` can still appear.

    ``after``: continue a finished read of this run strictly after where it ended, under
    its ``read_at`` (absorbing the echoes of the run's own writes without reading the
    overlap window again: the next run still re-reads it from that earlier ``read_at``).
    """

    def __init__(
        self, ctx: RunContext, direction: Direction, clock: Clock,
        after: ChangeRead | None = None, *, whole_when_full: bool = False,
    ) -> None:
        self.ctx, self.direction, self.clock = ctx, direction, clock
        if after is None:
            with ctx.hub.repos() as repos:
                self.cursor = repos.checkpoints.load(ctx.spec.name, direction)
            self.read_at = dt.datetime.now(dt.UTC)
        else:
            self.cursor, self.read_at = after.cursor, after.read_at
        self.start = (Position(str(self.cursor["timestamp"]), str(self.cursor["key"]))
                      if self.cursor else None)
        self.since = (read_start(self.cursor, ctx.overlap, clock) if after is None
                      else Checkpoint(self.start.timestamp, self.start.key) if self.start
                      else None)
        self.full = self.cursor is None
        """No checkpoint yet: the read covers every record of the source."""
        self.tracker = CheckpointTracker(start=self.start)
        self.state = ReadState()
        self.each = not (whole_when_full and self.full)
        """Rows finish one by one; else (a first read of every record, settled by account
        in the other side's order) the read finishes only as a whole (:meth:`finish`):
        its finished prefix barely moved before the end, and tracking it held a position
        per record."""
        self.last: Position | None = None

    def chunks(
        self, source: Any, entity: str, fields: Sequence[str], where: str | None,
        position_of: Callable[[dict[str, Any]], Position], *, chunk_size: int, page_size: int,
    ) -> Iterator[list[tuple[Position, dict[str, Any]]]]:
        """The rows in chunks of at most ``chunk_size`` (a large page is split), each
        observed by the tracker; pauses the run if the read stopped early (the rows of
        earlier chunks stay finished)."""
        for chunk in read_chunks(source, entity, fields, self.since, where=where,
                                 position_of=position_of, chunk_size=chunk_size,
                                 state=self.state, page_size=page_size):
            if self.each:
                for position, _ in chunk.rows:
                    self.tracker.observe(position)
            elif chunk.rows:
                self.last = chunk.rows[-1][0]
            for start in range(0, len(chunk.rows), chunk_size):
                yield chunk.rows[start:start + chunk_size]
        if self.state.stop is not None:
            raise Paused(self.state.stop)

    def done(self, positions: Iterable[Position]) -> None:
        if self.each:
            for position in positions:
                self.tracker.done(position)

    def finish(self) -> None:
        """Every row read is done: a read not tracked row by row may now move on."""
        if self.last is not None:
            self.tracker.observe(self.last)
            self.tracker.done(self.last)
            self.last = None

    def save(self) -> None:
        """Store the finished prefix; once the read is complete and nothing is left in
        flight, also when nothing advanced (a quiet run moves ``read_at`` on)."""
        position = self.tracker.checkpoint()
        if position is not None and self.start is not None:
            position = max(position, self.start)  # re-read overlap rows sit before it
        final = self.state.completed and not self.tracker.pending
        if not final and position == self.start:
            return
        saved = cursor_after(position, self.read_at, self.cursor)
        if saved is None or saved == self.cursor:
            return
        with self.ctx.hub.repos() as repos:
            repos.checkpoints.save(self.ctx.spec.name, self.direction, saved)
        self.cursor, self.start = saved, position


def sap_changes(
    ctx: RunContext, fields: Sequence[str], where: str, direction: Direction, chunk_size: int,
    after: ChangeRead | None = None,
) -> tuple[ChangeRead, Iterator[list[tuple[Position, dict[str, Any]]]]]:
    """Business partners changed since the checkpoint (or since ``after`` ended), in
    chunks of ``chunk_size``, in pages as large as the Service Layer gives."""
    read = ChangeRead(ctx, direction, sap_clock(ctx.settings.time_zone), after)
    return read, read.chunks(ctx.sap, ctx.spec.sap_entity, fields, where, _sap_position,
                             chunk_size=chunk_size, page_size=0)


def sf_changes(
    ctx: RunContext, fields: Sequence[str], where: str | None, direction: Direction
) -> tuple[ChangeRead, list[tuple[Position, dict[str, Any]]]]:
    """Every Salesforce record changed since the checkpoint, in SOQL pages of 2,000."""
    read, chunks = sf_change_chunks(ctx, fields, where, direction)
    rows = [row for chunk in chunks for row in chunk]
    ctx.report("read salesforce", len(rows))
    return read, rows


def sf_change_chunks(
    ctx: RunContext, fields: Sequence[str], where: str | None, direction: Direction, *,
    whole_when_full: bool = False,
) -> tuple[ChangeRead, Iterator[list[tuple[Position, dict[str, Any]]]]]:
    """The Salesforce records changed since the checkpoint, a SOQL page of 2,000 at a time.

    After the first (full) read, records the hub itself wrote last are left out by the
    query (see :mod:`b1hub.sync.echo`): an idle poll stays one request even right after
    the hub wrote thousands of them.
    """
    read = ChangeRead(ctx, direction, salesforce_clock(), whole_when_full=whole_when_full)
    if not read.full:
        where = f"({where}) AND {echo.not_ours(ctx)}" if where else echo.not_ours(ctx)
    return read, read.chunks(
        ctx.sf, ctx.spec.salesforce_object, fields, where,
        lambda r: Position(str(r["SystemModstamp"]), str(r["Id"])), chunk_size=2000,
        page_size=2000)


def _sap_position(record: dict[str, Any]) -> Position:
    checkpoint = record_checkpoint(record, "CardCode")
    return Position(checkpoint.timestamp, checkpoint.key)


def base_of(link: Link) -> dict[str, Any]:
    """The link's merge base without the hub's own markers (``__`` keys)."""
    return {k: v for k, v in (link.base_values or {}).items() if not k.startswith("__")}


def unchanged(values: dict[str, Any], base: dict[str, Any] | None) -> bool:
    """One side's current values equal the pair's merge base: that side did not change
    since the pair was last settled (the hub's own writes land here)."""
    if base is None:
        return False
    return record_hash(values) == record_hash({k: base.get(k) for k in values})


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
    base = base_of(link)
    if "open_conflicts" not in ctx.cache:  # read once a run, not once a pair
        ctx.cache["open_conflicts"] = {c.sap_key for c in repos.conflicts.open(spec.name)}
    held: set[str] = ctx.cache["open_conflicts"]
    result = merge(base, sap.values, salesforce.values, policy=ctx.policy,
                   owners=spec.field_map.owners(), sap_modified=sap.modified,
                   salesforce_modified=salesforce.modified)
    if result.held or link.sap_key in held:
        conflict = repos.conflicts.hold(spec.name, link.sap_key, link.sf_id, sap.values,
                                        salesforce.values, ctx.run_id)
        held.add(link.sap_key)
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
