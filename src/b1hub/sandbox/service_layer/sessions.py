"""Login, logout and idle timeout of ``B1SESSION`` sessions (shared by v1 and v2)."""

from __future__ import annotations

import secrets
import string
import time

import orjson

from b1hub.sandbox.config import ServiceLayerSettings
from b1hub.sandbox.service_layer.wire import (
    MSG_LOGIN,
    Reply,
    SLError,
    Version,
    annotation,
    json_type,
    protocol_headers,
)

SL_VERSION = "1000340"
ALPHABET = string.ascii_letters + string.digits


def _session_id() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(n)) for n in (8, 4, 4, 4, 12))


class Sessions:
    """In memory: a restarted sandbox forgets sessions and clients log in again on 401."""

    def __init__(self, timeout_minutes: float) -> None:
        self.timeout_minutes = timeout_minutes
        self._last_used: dict[str, float] = {}

    def login(self, settings: ServiceLayerSettings, version: Version, body: bytes) -> Reply:
        try:
            creds = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError as exc:
            raise SLError(400, -1000, "Invalid JSON in request body") from exc
        if not isinstance(creds, dict):
            raise SLError(400, -1000, "Invalid JSON in request body")
        if creds.get("CompanyDB") != settings.company_db:
            raise SLError(401, -306, MSG_LOGIN)
        if creds.get("UserName") != settings.username or creds.get("Password") != settings.password:
            raise SLError(401, -304, MSG_LOGIN)
        session = _session_id()
        self._last_used[session] = time.monotonic()
        context = (f"{settings.base_url}/b1s/v1/$metadata#B1Sessions/@Element" if version == "v1"
                   else f"{settings.base_url}/b1s/v2/$metadata#B1Sessions/$entity")
        payload = {annotation(version, "metadata"): context, "SessionId": session,
                   "Version": SL_VERSION, "SessionTimeout": int(self.timeout_minutes)}
        headers = {"Content-Type": json_type(version), **protocol_headers(version)}
        reply = Reply(200, orjson.dumps(payload), headers)
        reply.cookies = [f"B1SESSION={session};HttpOnly;", "ROUTEID=.node1; path=/b1s"]
        return reply

    def touch(self, session: str | None) -> bool:
        """Valid sessions count this use as activity: the timeout runs from the last use."""
        if session is None or session not in self._last_used:
            return False
        now = time.monotonic()
        if now - self._last_used[session] > self.timeout_minutes * 60:
            del self._last_used[session]
            return False
        self._last_used[session] = now
        return True

    def logout(self, session: str | None) -> None:
        self._last_used.pop(session or "", None)

    def expire_all(self) -> int:
        count = len(self._last_used)
        self._last_used.clear()
        return count
