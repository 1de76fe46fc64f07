"""Salesforce error bodies: ``[{"message","errorCode","fields"}]`` and SaveResult errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

INVALID_SESSION = "INVALID_SESSION_ID"
LIMIT_EXCEEDED = "REQUEST_LIMIT_EXCEEDED"
LOCKED = "UNABLE_TO_LOCK_ROW"
TRANSIENT_RECORD_CODES = frozenset({LOCKED})


@dataclass(frozen=True)
class SalesforceError:
    code: str
    message: str
    fields: tuple[str, ...] = ()


def parse_errors(body: bytes) -> list[SalesforceError]:
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        text = body[:500].decode("utf-8", "replace")
        return [SalesforceError("UNKNOWN_ERROR", text)]
    items = payload if isinstance(payload, list) else [payload]
    errors = []
    for item in items:
        if not isinstance(item, dict):
            continue
        code = item.get("errorCode") or item.get("statusCode") or item.get("error") or "UNKNOWN"
        message = item.get("message") or item.get("error_description") or ""
        errors.append(SalesforceError(str(code), str(message), tuple(item.get("fields") or ())))
    return errors or [SalesforceError("UNKNOWN_ERROR", "")]


def parse_bulk_error(text: str) -> SalesforceError:
    """``CODE:message:fields --`` from a failedResults ``sf__Error`` cell."""
    code, _, rest = text.partition(":")
    message, _, fields = rest.rpartition(":")
    if not message:
        message, fields = rest, ""
    names = tuple(f for f in fields.replace("--", "").strip().split(",") if f)
    return SalesforceError(code.strip(), message.strip(), names)
