"""Service Layer error bodies (v1 and v2 shapes) and what they mean for the caller."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import orjson

SESSION_EXPIRED = "301"
"""401 with this code: the session is invalid or timed out; log in again."""

_LOCK_HINTS = ("deadlock", "lock request time out", "locked by another")


@dataclass(frozen=True)
class ServiceLayerError:
    status: int
    code: str
    message: str

    @property
    def session_expired(self) -> bool:
        return self.status == 401 and self.code == SESSION_EXPIRED

    @property
    def transient(self) -> bool:
        """5xx, and database lock conflicts that a later try resolves."""
        lowered = self.message.lower()
        return self.status >= 500 or any(hint in lowered for hint in _LOCK_HINTS)


def parse_error(status: int, body: bytes) -> ServiceLayerError:
    """Read ``{"error":{"code":..,"message":..}}``: v1 number + {lang,value}, v2 string + string."""
    try:
        error = orjson.loads(body)["error"]
        code = str(error.get("code", ""))
        message = error.get("message", "")
        if isinstance(message, dict):
            message = message.get("value", "")
        return ServiceLayerError(status, code, str(message))
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        text = body[:500].decode("utf-8", "replace").strip()
        return ServiceLayerError(status, str(status), text or httpx.codes.get_reason_phrase(status))


def response_error(response: httpx.Response) -> ServiceLayerError:
    return parse_error(response.status_code, response.content)
