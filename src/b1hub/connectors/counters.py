"""Per-client counters for the run log and the benchmarks."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ClientCounters:
    """What one client did: requests by kind, billable API calls, retries, re-logins, bytes.

    ``api_calls`` counts the requests the remote bills (on Salesforce every REST call except
    the token endpoint; on the Service Layer every request except login and logout).
    Thread-safe: worker threads share one client.
    """

    requests: Counter[str] = field(default_factory=Counter)
    api_calls: int = 0
    retries: int = 0
    relogins: int = 0
    logins: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def request(self, kind: str, *, billable: bool, sent: int, received: int) -> None:
        with self._lock:
            self.requests[kind] += 1
            if billable:
                self.api_calls += 1
            self.bytes_sent += sent
            self.bytes_received += received

    def retry(self) -> None:
        with self._lock:
            self.retries += 1

    def login(self, *, relogin: bool) -> None:
        with self._lock:
            self.logins += 1
            if relogin:
                self.relogins += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "total_requests": sum(self.requests.values()),
                "api_calls": self.api_calls,
                "retries": self.retries,
                "logins": self.logins,
                "relogins": self.relogins,
                "bytes_sent": self.bytes_sent,
                "bytes_received": self.bytes_received,
            }
