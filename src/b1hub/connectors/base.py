"""The small typed interface the sync engine consumes; no sync logic lives here.

A source reads records changed since a checkpoint, page by page; a sink writes a batch
and returns one outcome per record in input order. Both expose their counters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, Protocol

from b1hub.connectors.counters import ClientCounters
from b1hub.connectors.outcomes import RateLimited, RecordError, RecordOutcome, Retryable


@dataclass(frozen=True, order=True)
class Checkpoint:
    """A position in a change stream: a sortable UTC timestamp string and the record key.

    Service Layer: ``"YYYY-MM-DDTHH:MM:SS"`` from UpdateDate + UpdateTime; Salesforce:
    ``SystemModstamp`` as returned (``"YYYY-MM-DDTHH:MM:SS.000+0000"``).
    """

    timestamp: str
    key: str


@dataclass(frozen=True)
class Page:
    """One page of changed records, and the highest (timestamp, key) seen so far."""

    records: list[dict[str, Any]]
    high_water: Checkpoint | None


ReadItem = Page | Retryable | RateLimited | RecordError
"""A read yields pages; a non-page item is the reason it stopped and is always last."""

WriteOperation = Literal["create", "update", "upsert"]


@dataclass(frozen=True)
class WriteRecord:
    """One record to write. ``key`` is the caller's identity for it (echoed on its outcome).

    ``remote_id`` addresses the remote record for updates (SAP key or Salesforce Id).
    """

    key: str
    data: dict[str, Any]
    remote_id: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


class ChangeSource(Protocol):
    counters: ClientCounters

    def read_changes(
        self,
        entity: str,
        fields: Sequence[str],
        since: Checkpoint | None,
        *,
        overlap: timedelta = ...,
        page_size: int = ...,
        where: str | None = None,
    ) -> Iterator[ReadItem]: ...


class RecordSink(Protocol):
    counters: ClientCounters

    def write_batch(
        self,
        entity: str,
        operation: WriteOperation,
        records: Iterable[WriteRecord],
        *,
        external_id: str | None = None,
    ) -> list[RecordOutcome]: ...
