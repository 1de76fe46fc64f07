"""Checkpoint logic, split out of the engine so it can be tested alone.

A source is read in ``(timestamp, key)`` order. The checkpoint may only advance past a
record once that record is *done* (written, skipped, or failed and parked in the error
log); a record still in flight when the process dies must be read again on the next run.
The next read starts ``overlap`` before the checkpoint, because both systems can commit
a change with a modification time earlier than changes already visible (long
transactions, SAP's second-granular ``UpdateTime``); records re-read inside the overlap
are recognised by their hashes and skipped.

>>> t = CheckpointTracker(start=None)
>>> a, b = Position("2026-11-25T10:00:00Z", "C1"), Position("2026-11-25T10:00:05Z", "C2")
>>> t.observe(a); t.observe(b)
>>> t.done(b); t.checkpoint() is None          # C1 still in flight
True
>>> t.done(a); t.checkpoint() == b
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True, slots=True)
class Position:
    """Where a record sits in a source's change order.

    ``timestamp`` is an ISO-8601 UTC string in one fixed format per source, so string
    order is time order; ``key`` breaks ties between records changed in the same second.
    """

    timestamp: str
    key: str


@dataclass
class CheckpointTracker:
    """Tracks the records of one read and the highest position safe to resume from."""

    start: Position | None
    _in_flight: set[Position] = field(default_factory=set)
    _observed: list[Position] = field(default_factory=list)
    """Observed positions from the first one not known finished (a finished prefix is
    dropped: a read of 100,000 records keeps only what is still in flight)."""
    _last: Position | None = None
    _safe: Position | None = None

    def observe(self, position: Position) -> None:
        """Register a record as read; positions must arrive in non-decreasing order."""
        if self._last is not None and position < self._last:
            raise ValueError(
                f"source returned {position} after {self._last}: reads must be "
                "ordered by (timestamp, key) for the checkpoint to be safe"
            )
        self._last = position
        self._observed.append(position)
        self._in_flight.add(position)

    def done(self, position: Position) -> None:
        """Mark a record finished (succeeded, skipped, or failed and parked)."""
        self._in_flight.discard(position)

    def checkpoint(self) -> Position | None:
        """The highest observed position with nothing in flight at or before it."""
        finished = 0
        while (
            finished < len(self._observed)
            and self._observed[finished] not in self._in_flight
        ):
            finished += 1
        if finished:
            self._safe = self._observed[finished - 1]
            del self._observed[:finished]
        return self.start if self._safe is None else self._safe

    @property
    def pending(self) -> int:
        return len(self._in_flight)


def read_from(checkpoint: Position | None, overlap: dt.timedelta) -> dt.datetime | None:
    """The modification time the next read starts at: ``overlap`` before the checkpoint."""
    if checkpoint is None:
        return None
    return parse_utc(checkpoint.timestamp) - overlap


def parse_utc(value: str) -> dt.datetime:
    """Parse the ISO forms both systems use (``Z``, ``+0000``, ``+00:00``) as aware UTC."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)
