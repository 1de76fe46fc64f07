"""Typed results of remote calls, one per record written and one per read that stops.

Failures are values, not exceptions, so the engine can store each one with its record
and decide what happens next: retry later (``Retryable``), stop the run and keep the
checkpoint (``RateLimited``), or park the record for the user (``RecordError``). Every
write outcome carries the caller's ``key`` so nothing is lost or counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Success:
    """The record was written. ``created`` is None when the remote does not say."""

    key: str
    remote_id: str | None
    created: bool | None = None
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class Retryable:
    """A transient failure (timeout, 5xx, lock, session) that outlived the retry budget.

    ``maybe_applied`` is True when the request may have reached the remote and been
    applied (a non-idempotent create that timed out): the caller must look the record up
    by its key before sending it again.
    """

    reason: str
    remote_code: str | None = None
    key: str | None = None
    maybe_applied: bool = False


@dataclass(frozen=True)
class RateLimited:
    """The API budget is spent (or would be by the next call): stop and resume later.

    ``remaining`` is how many records of the current write were not attempted.
    """

    reason: str
    used: int | None = None
    limit: int | None = None
    retry_after: float | None = None
    key: str | None = None
    remaining: int = 0


@dataclass(frozen=True)
class RecordError:
    """The remote rejected the record (validation): keep it for the user, don't retry."""

    key: str
    code: str
    message: str
    fields: tuple[str, ...] = field(default_factory=tuple)
    status: int | None = None


RecordOutcome = Success | Retryable | RateLimited | RecordError
"""One per record written, in input order."""

StopOutcome = Retryable | RateLimited | RecordError
"""Why a read or a single call stopped (RecordError: the request itself was rejected)."""


def with_key(outcome: Retryable | RateLimited, key: str) -> Retryable | RateLimited:
    """Attach a record's key to a call-level outcome that applies to every record sent."""
    if isinstance(outcome, Retryable):
        return Retryable(outcome.reason, outcome.remote_code, key, outcome.maybe_applied)
    return RateLimited(
        outcome.reason, outcome.used, outcome.limit, outcome.retry_after, key, outcome.remaining
    )
