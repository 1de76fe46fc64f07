"""The org's daily API allocation, read from ``Sforce-Limit-Info`` on every response.

The client stops before it would spend the share reserved for the org's other users,
instead of running the org into REQUEST_LIMIT_EXCEEDED for everyone.
"""

from __future__ import annotations

import math
import re
import threading
from datetime import UTC, datetime

from b1hub.connectors.outcomes import RateLimited

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class ApiBudget:
    def __init__(self, reserve: float) -> None:
        self.reserve = reserve
        self.used: int | None = None
        self.limit: int | None = None
        self.seen_at: datetime | None = None
        self._lock = threading.Lock()

    def observe(self, header: str | None) -> None:
        if not header:
            return
        match = _USAGE.search(header)
        if match is None:
            return
        with self._lock:
            self.used, self.limit = int(match.group(1)), int(match.group(2))
            self.seen_at = datetime.now(UTC)

    def last_seen(self) -> tuple[int, int, datetime] | None:
        """(used, limit, when) of the last header read; None before the first one."""
        with self._lock:
            if self.used is None or self.limit is None or self.seen_at is None:
                return None
            return self.used, self.limit, self.seen_at

    @property
    def ceiling(self) -> int | None:
        """The usage this client may reach: the allocation minus the reserve."""
        if self.limit is None:
            return None
        return math.floor(self.limit * (1 - self.reserve))

    def check(self, calls: int = 1) -> RateLimited | None:
        """RateLimited when ``calls`` more requests would pass the ceiling."""
        with self._lock:
            ceiling, used = self.ceiling, self.used
        if ceiling is None or used is None or used + calls <= ceiling:
            return None
        return RateLimited(
            f"API budget reached: {used}/{self.limit} used, ceiling {ceiling} "
            f"({self.reserve:.0%} kept for other users)",
            used,
            self.limit,
        )

    def exhausted(self, message: str) -> RateLimited:
        return RateLimited(f"REQUEST_LIMIT_EXCEEDED: {message}", self.used, self.limit)
