"""Bounded retries with exponential backoff and full jitter, driven by stamina.

Transport and remote code raise :class:`TransientError` for failures worth another try;
:func:`call_with_retry` retries them within the policy's attempt and time budget and lets
the last one through, which the client turns into a ``Retryable`` outcome.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import stamina

from b1hub.connectors.counters import ClientCounters
from b1hub.connectors.outcomes import Retryable

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: at most ``attempts`` tries within ``total_seconds``.

    Backoff before retry n is uniform in [0, min(wait_max, wait_initial * 2**n)]
    ("full jitter"), so many workers hitting the same failure spread out.
    """

    attempts: int = 6
    total_seconds: float = 120.0
    wait_initial: float = 0.2
    wait_max: float = 10.0


class TransientError(Exception):
    """A failure that may go away by itself (timeout, 5xx, lock, expired session).

    With ``maybe_applied`` the request may have taken effect, so it is never re-sent
    blindly: the error goes straight back to the caller.
    """

    def __init__(
        self,
        reason: str,
        remote_code: str | None = None,
        *,
        retry_after: float | None = None,
        maybe_applied: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.remote_code = remote_code
        self.retry_after = retry_after
        self.maybe_applied = maybe_applied

    def outcome(self, key: str | None = None) -> Retryable:
        return Retryable(self.reason, self.remote_code, key, self.maybe_applied)


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy,
    counters: ClientCounters | None = None,
) -> T:
    """Run ``fn`` until it succeeds or the policy is spent (then re-raise its last error)."""
    backoffs = 0

    def backoff(exc: Exception) -> bool | float:
        nonlocal backoffs
        if not isinstance(exc, TransientError) or exc.maybe_applied:
            return False
        backoffs += 1
        wait = random.uniform(0, min(policy.wait_max, policy.wait_initial * 2**backoffs))
        if exc.retry_after is not None:
            wait = max(wait, min(exc.retry_after, policy.wait_max))
        return wait

    for attempt in stamina.retry_context(
        on=backoff,
        attempts=policy.attempts,
        timeout=policy.total_seconds,
        wait_initial=policy.wait_initial,
        wait_max=policy.wait_max,
    ):
        with attempt:
            if attempt.num > 1 and counters is not None:
                counters.retry()
            return fn()
    raise AssertionError("unreachable: stamina re-raises the last error")
