"""Session tokens (OAuth access tokens and SOAP session ids are the same thing) and API usage.

Sessions expire after the configured idle time, like a real org's session timeout. Usage
counts every API request of the current UTC day against the daily allocation; both
survive a restart because they live in the store.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from b1hub.sandbox.salesforce.org import Org

TOUCH_PERSIST_SECONDS = 30.0


@dataclass
class Session:
    token: str
    user_id: str
    last_used: float
    persisted: float


class Sessions:
    def __init__(self, org: Org) -> None:
        self._org = org
        self._cache: dict[str, Session] = {}

    def create(self, user_id: str) -> str:
        token = f"{self._org.settings.org_id[:15]}!{secrets.token_urlsafe(48)}"
        now = time.time()
        self._org.conn.execute(
            "INSERT INTO sessions(token, user_id, created_at, last_used) VALUES (?, ?, ?, ?)",
            (token, user_id, now, now),
        )
        self._cache[token] = Session(token, user_id, now, now)
        return token

    def resolve(self, token: str) -> str | None:
        """The user of a live session (touching it), or None when unknown or expired."""
        session = self._cache.get(token)
        if session is None:
            row = self._org.conn.execute(
                "SELECT user_id, last_used FROM sessions WHERE token = ?", (token,)
            ).fetchone()
            if row is None:
                return None
            session = Session(token, row[0], row[1], row[1])
            self._cache[token] = session
        now = time.time()
        if now - session.last_used > self._org.runtime.session_timeout_hours * 3600:
            self.expire(token)
            return None
        session.last_used = now
        if now - session.persisted > TOUCH_PERSIST_SECONDS:
            self._org.conn.execute(
                "UPDATE sessions SET last_used = ? WHERE token = ?", (now, token)
            )
            session.persisted = now
        return session.user_id

    def expire(self, token: str | None = None) -> int:
        """End one session, or all of them; returns how many ended."""
        if token is None:
            count = self._org.conn.execute("DELETE FROM sessions").rowcount
            self._cache.clear()
        else:
            count = self._org.conn.execute(
                "DELETE FROM sessions WHERE token = ?", (token,)
            ).rowcount
            self._cache.pop(token, None)
        return int(count)

    def clear_cache(self) -> None:
        self._cache.clear()


class ApiUsage:
    """The daily API request counter behind ``Sforce-Limit-Info`` and ``/limits/``."""

    def __init__(self, org: Org) -> None:
        self._org = org

    def _state(self) -> dict[str, Any]:
        today = datetime.now(UTC).date().isoformat()
        state: dict[str, Any] = self._org.kv.get("api_usage", {"day": today, "used": 0})
        if state["day"] != today:
            state = {"day": today, "used": 0}
        return state

    @property
    def used(self) -> int:
        return int(self._state()["used"])

    @property
    def max(self) -> int:
        return self._org.runtime.daily_api_limit

    def try_count(self) -> bool:
        """Count one request; False (nothing counted) when the allocation is spent."""
        state = self._state()
        if state["used"] >= self.max:
            return False
        state["used"] += 1
        self._org.kv.set("api_usage", state)
        return True

    def set_used(self, used: int) -> None:
        state = self._state()
        state["used"] = used
        self._org.kv.set("api_usage", state)

    def header(self) -> str:
        return f"api-usage={self.used}/{self.max}"

    def snapshot(self) -> dict[str, int]:
        return {"used": self.used, "max": self.max}
