"""A tiny in-process router for the REST resources under ``/services/data/vXX.X/``.

HTTP requests and Composite subrequests share it: a Composite call runs its subrequests
through :meth:`RestApi.dispatch` directly, so they behave exactly like separate calls
but cost one API request, as in a real org.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

from b1hub.sandbox.salesforce.results import NOT_FOUND_MESSAGE, CallContext


@dataclass
class ApiRequest:
    method: str
    path: str
    """The part after ``/services/data/vXX.X/``, without surrounding slashes."""
    query: dict[str, str]
    body: bytes
    ctx: CallContext
    version: str
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The parsed body; raises ApiFailure(400 JSON_PARSER_ERROR) on bad JSON."""
        try:
            return orjson.loads(self.body or b"null")
        except orjson.JSONDecodeError as exc:
            raise ApiFailure(400, "JSON_PARSER_ERROR", _json_message(exc)) from None

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise ApiFailure(400, "JSON_PARSER_ERROR",
                             "Cannot deserialize instance of object from START_ARRAY value "
                             "or request may be missing a required field")
        return data

    @property
    def prefix(self) -> str:
        return f"/services/data/v{self.version}"


@dataclass
class ApiResponse:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiFailure(Exception):
    """A request-level error: answered as ``[{"message","errorCode","fields"}]``."""

    def __init__(self, status: int, code: str, message: str,
                 fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields

    def response(self) -> ApiResponse:
        error: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            error["fields"] = self.fields
        return ApiResponse(self.status, [error])


def not_found() -> ApiFailure:
    return ApiFailure(404, "NOT_FOUND", NOT_FOUND_MESSAGE)


def _json_message(exc: orjson.JSONDecodeError) -> str:
    return (f"Unexpected character in JSON input: {exc.msg} "
            f"at [line:{exc.lineno}, column:{exc.colno}]")


Handler = Callable[[ApiRequest], Awaitable[ApiResponse]]


class RestApi:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        """Register ``pattern`` (``{name}`` = one path segment) for ``method``."""
        regex = re.compile(
            "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$", re.IGNORECASE
        )

        def decorate(handler: Handler) -> Handler:
            self._routes.append((method, regex, handler))
            return handler

        return decorate

    async def dispatch(self, request: ApiRequest) -> ApiResponse:
        path = request.path.strip("/")
        allowed = False
        for method, regex, handler in self._routes:
            match = regex.match(path)
            if match is None:
                continue
            allowed = True
            if method != request.method:
                continue
            request.params = match.groupdict()
            try:
                return await handler(request)
            except ApiFailure as failure:
                return failure.response()
        if allowed:
            return ApiFailure(405, "METHOD_NOT_ALLOWED",
                              f"HTTP Method '{request.method}' not allowed. Allowed are "
                              "GET,HEAD,POST,PATCH,DELETE").response()
        return not_found().response()


def split_url(url: str) -> tuple[str, str, dict[str, str]] | None:
    """``/services/data/v59.0/sobjects/X?a=b`` -> ('59.0', 'sobjects/X', {'a': 'b'})."""
    match = re.match(r"^/services/data/v(\d+\.\d+)/?([^?]*)(?:\?(.*))?$", url)
    if match is None:
        return None
    return match.group(1), match.group(2), dict(parse_qsl(match.group(3) or ""))
