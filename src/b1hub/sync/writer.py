"""Batch writes to either side, turning connector outcomes into one decision per record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from b1hub.connectors.base import WriteOperation, WriteRecord
from b1hub.connectors.outcomes import RateLimited, RecordError, RecordOutcome, Retryable, Success
from b1hub.objects import udfs
from b1hub.sync.context import RunContext


@dataclass(frozen=True)
class Written:
    """The fate of one record: ``ok`` with the remote id, ``error``, or ``pending``
    (not finished: retried next run, so the checkpoint must not pass it)."""

    key: str
    remote_id: str | None = None
    error: RecordError | None = None
    pending: str | None = None
    created: bool | None = None
    """Whether the write created the record (None when the remote does not say)."""

    @property
    def ok(self) -> bool:
        return self.error is None and self.pending is None


def _decide(outcome: RecordOutcome) -> Written:
    if isinstance(outcome, Success):
        return Written(outcome.key, outcome.remote_id, created=outcome.created)
    if isinstance(outcome, RecordError):
        return Written(outcome.key, error=outcome)
    if isinstance(outcome, RateLimited):
        return Written(outcome.key or "", pending=f"API limit reached: {outcome.reason}")
    assert isinstance(outcome, Retryable)
    return Written(outcome.key or "", pending=f"remote unavailable: {outcome.reason}")


def to_salesforce(
    ctx: RunContext, sobject: str, operation: WriteOperation, records: Sequence[WriteRecord],
    external_id: str | None = None,
) -> dict[str, Written]:
    if not records:
        return {}
    _check_udfs(ctx, ctx.spec.sap_entity)  # before the first write of either side
    outcomes = ctx.sf.write_batch(sobject, operation, records, external_id=external_id)
    return {r.key: _decide(o) for r, o in zip(records, outcomes, strict=True)}


def to_sap(
    ctx: RunContext, entity: str, operation: WriteOperation, records: Sequence[WriteRecord]
) -> dict[str, Written]:
    if not records:
        return {}
    _check_udfs(ctx, entity)
    outcomes = ctx.sap.write_batch(entity, operation, records)
    ctx.sap_written += sum(1 for o in outcomes if isinstance(o, Success))
    return {r.key: _decide(o) for r, o in zip(records, outcomes, strict=True)}


def _check_udfs(ctx: RunContext, entity: str) -> None:
    """Raise MissingUdfs when the hub's UDFs on ``entity`` are gone: once per run and
    entity, and only when about to write, so an idle poll costs nothing and a missing
    field stops the run before any data moves on either side."""
    checked: set[str] = ctx.cache.setdefault("udfs_checked", set())
    if entity not in checked:
        udfs.check_udfs(ctx.sap, entity)
        checked.add(entity)
