"""The retry policy: bounded attempts and time, no blind re-send of uncertain writes."""

from __future__ import annotations

import itertools
import time

import pytest

from b1hub.connectors.counters import ClientCounters
from b1hub.connectors.retry import RetryPolicy, TransientError, call_with_retry

QUICK = RetryPolicy(attempts=4, total_seconds=5, wait_initial=0.01, wait_max=0.02)


def test_transient_errors_are_retried_up_to_the_attempt_limit() -> None:
    calls: list[float] = []
    counters = ClientCounters()

    def fail() -> None:
        calls.append(time.monotonic())
        raise TransientError("HTTP 503", "503")

    with pytest.raises(TransientError):
        call_with_retry(fail, QUICK, counters)
    assert len(calls) == 4 and counters.retries == 3
    assert all(b - a < 0.5 for a, b in itertools.pairwise(calls))


def test_success_after_failures_returns_the_value() -> None:
    answers = iter([TransientError("timeout"), TransientError("timeout"), "ok"])

    def flaky() -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert call_with_retry(flaky, QUICK) == "ok"


def test_a_write_that_may_have_been_applied_is_not_retried() -> None:
    calls = 0

    def uncertain() -> None:
        nonlocal calls
        calls += 1
        raise TransientError("no answer: ReadTimeout", maybe_applied=True)

    with pytest.raises(TransientError) as err:
        call_with_retry(uncertain, QUICK)
    assert calls == 1 and err.value.outcome("k").maybe_applied


def test_other_exceptions_pass_through_at_once() -> None:
    calls = 0

    def broken() -> None:
        nonlocal calls
        calls += 1
        raise KeyError("bug")

    with pytest.raises(KeyError):
        call_with_retry(broken, QUICK)
    assert calls == 1


def test_total_time_bounds_the_retries() -> None:
    policy = RetryPolicy(attempts=1000, total_seconds=0.3, wait_initial=0.05, wait_max=0.05)
    started = time.monotonic()
    with pytest.raises(TransientError):
        call_with_retry(lambda: (_ for _ in ()).throw(TransientError("503")), policy)
    assert time.monotonic() - started < 1.0
