"""Reading one side's changes since the checkpoint, in chunks the engine can finish.

The stored cursor is the last finished position plus the wall time of the read that
produced it (``read_at``). Changes can commit up to ``overlap`` late, so a read must
cover everything after ``read_at - overlap`` again; but once that moment is past the
last finished position, nothing before the position can still appear and the read
continues strictly after it. That is what makes a quiet run one empty request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from b1hub.connectors.base import ChangeSource, Checkpoint, Page
from b1hub.connectors.outcomes import StopOutcome
from b1hub.sync.checkpoint import Position, parse_utc

SF_FORMAT = "%Y-%m-%dT%H:%M:%S.000+0000"
SAP_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True)
class Clock:
    """How one source writes its timestamps: format and time zone (SAP: company time)."""

    fmt: str
    zone: dt.tzinfo

    def parse(self, stamp: str) -> dt.datetime:
        if self.fmt == SF_FORMAT:
            return parse_utc(stamp)
        return dt.datetime.fromisoformat(stamp[:19]).replace(tzinfo=self.zone)

    def format(self, moment: dt.datetime) -> str:
        return moment.astimezone(self.zone).strftime(self.fmt)


def salesforce_clock() -> Clock:
    return Clock(SF_FORMAT, dt.UTC)


def sap_clock(zone: str) -> Clock:
    return Clock(SAP_FORMAT, ZoneInfo(zone))


def read_start(
    cursor: dict[str, Any] | None, overlap: dt.timedelta, clock: Clock
) -> Checkpoint | None:
    """Where the next read starts (strictly after the returned checkpoint)."""
    if cursor is None:
        return None
    position = Checkpoint(str(cursor["timestamp"]), str(cursor["key"]))
    read_at = cursor.get("read_at")
    floor = (parse_utc(read_at) if read_at else clock.parse(position.timestamp)) - overlap
    if floor >= clock.parse(position.timestamp):
        return position
    return Checkpoint(clock.format(floor), "")


def cursor_after(
    position: Position | None, read_at: dt.datetime | None, previous: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The cursor to store: the safe position, and ``read_at`` once the read completed."""
    if position is None:
        return previous
    if read_at is None:
        stamp = previous.get("read_at") if previous else None
    else:
        stamp = read_at.isoformat()
    return {"timestamp": position.timestamp, "key": position.key, "read_at": stamp}


@dataclass
class Chunk:
    """Records read, in source order, each with its position."""

    rows: list[tuple[Position, dict[str, Any]]]


@dataclass
class ReadState:
    stop: StopOutcome | None = None
    completed: bool = False


def read_chunks(
    source: ChangeSource,
    entity: str,
    fields: Sequence[str],
    since: Checkpoint | None,
    *,
    where: str | None,
    position_of: Callable[[dict[str, Any]], Position],
    chunk_size: int,
    state: ReadState,
    page_size: int,
) -> Iterator[Chunk]:
    """Chunks of about ``chunk_size`` records; ``state`` says how the read ended."""
    rows: list[tuple[Position, dict[str, Any]]] = []
    for item in source.read_changes(entity, fields, since, overlap=dt.timedelta(0),
                                    page_size=page_size, where=where):
        if not isinstance(item, Page):
            state.stop = item
            break
        rows.extend((position_of(r), r) for r in item.records)
        if len(rows) >= chunk_size:
            yield Chunk(rows)
            rows = []
    else:
        state.completed = True
    if rows:
        yield Chunk(rows)
