"""What differs between ``/b1s/v1`` (OData V3) and ``/b1s/v2`` (OData V4) on the wire.

Errors (number vs string ``code``), annotation prefixes (``odata.*`` vs ``@odata.*``),
content types and date serialisation are all decided here, so handlers stay
version-agnostic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

Version = Literal["v1", "v2"]

JSON_V2 = "application/json;odata.metadata=minimal;charset=utf-8"
JSON_V1 = "application/json;odata=minimalmetadata;charset=utf-8"

MSG_NOT_FOUND = "No matching records found (ODBC -2028)"
MSG_SESSION = "Invalid session or session already timeout."
MSG_LOGIN = "Fail to NONE-SSO login from SLD."


class SLError(Exception):
    """A Service Layer error answer: HTTP status, SAP code and message."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def invalid_property(name: str, type_name: str) -> SLError:
    return SLError(400, -1000, f"Property '{name}' of '{type_name}' is invalid")


def query_error(message: str) -> SLError:
    return SLError(400, 201, message)


@dataclass
class Reply:
    """A response before it becomes HTTP (also used for ``$batch`` sub-responses)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)
    """Raw ``Set-Cookie`` values, kept verbatim (SAP's ``B1SESSION`` cookie is unusual)."""


def error_body(version: Version, code: int, message: str) -> bytes:
    if version == "v1":
        return orjson.dumps(
            {"error": {"code": code, "message": {"lang": "en-us", "value": message}}})
    return orjson.dumps({"error": {"code": str(code), "message": message,
                                   "details": [{"code": "", "message": ""}]}})


def error_reply(version: Version, err: SLError) -> Reply:
    return Reply(err.status, error_body(version, err.code, err.message),
                 {"Content-Type": json_type(version)})


def json_type(version: Version) -> str:
    return JSON_V1 if version == "v1" else JSON_V2


def protocol_headers(version: Version) -> dict[str, str]:
    if version == "v1":
        return {"DataServiceVersion": "3.0"}
    return {"OData-Version": "4.0"}


def annotation(version: Version, name: str) -> str:
    """``odata.nextLink`` in v1, ``@odata.nextLink`` in v2; ``metadata`` maps to context."""
    if version == "v1":
        return f"odata.{name}"
    return "@odata.context" if name == "metadata" else f"@odata.{name}"


def context_url(version: Version, base: str, set_name: str, entity: bool) -> str:
    if version == "v1":
        suffix = "/@Element" if entity else ""
        return f"{base}/b1s/v1/$metadata#{set_name}{suffix}"
    suffix = "/$entity" if entity else ""
    return f"{base}/b1s/v2/$metadata#{set_name}{suffix}"


def wire_date(version: Version, value: str | None) -> str | None:
    """Dates are stored as ``YYYY-MM-DD``; v2 sends them as midnight UTC timestamps."""
    if value is None or version == "v1":
        return value
    return f"{value}T00:00:00Z"


def json_reply(version: Version, status: int, payload: dict[str, Any],
               headers: dict[str, str] | None = None) -> Reply:
    out = {"Content-Type": json_type(version), **protocol_headers(version)}
    out.update(headers or {})
    return Reply(status, orjson.dumps(payload), out)
