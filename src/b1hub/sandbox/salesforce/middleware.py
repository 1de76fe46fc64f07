"""The API gate every REST, Composite, Bulk and Apex REST request passes.

It authenticates the bearer token (401 INVALID_SESSION_ID as a JSON array, which
simple-salesforce requires), counts the request against the daily allocation (403
REQUEST_LIMIT_EXCEEDED once spent), puts the caller's CallContext on
``request.state.call_context`` and adds ``Sforce-Limit-Info`` to the response. It also
tolerates a trailing slash on any route, as Salesforce does.
"""

from __future__ import annotations

import re

import orjson
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from b1hub.sandbox.salesforce.results import CallContext
from b1hub.sandbox.salesforce.sessions import ApiUsage, Sessions

GATED = re.compile(r"^/services/(data/v\d+\.\d+|apexrest/)")
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_EXCEEDED = [{"message": "TotalRequests Limit exceeded.",
                   "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def call_context(user_id: str, headers: dict[str, str]) -> CallContext:
    options = headers.get("sforce-call-options", "")
    client = re.search(r"client\s*=\s*([^,;]+)", options)
    duplicate = headers.get("sforce-duplicate-rule-header", "")
    allow = re.search(r"allowSave\s*=\s*true", duplicate, re.IGNORECASE) is not None
    return CallContext(user_id, client.group(1).strip() if client else None, allow)


class ApiGate:
    def __init__(self, app: ASGIApp, sessions: Sessions, usage: ApiUsage,
                 routes: list[Route]) -> None:
        self.app = app
        self.sessions = sessions
        self.usage = usage
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self._fix_slash(scope)
        if not GATED.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        user_id = (self.sessions.resolve(token.strip())
                   if scheme.lower() in ("bearer", "oauth") else None)
        if user_id is None:
            await _json(send, 401, INVALID_SESSION, [])
            return
        if not self.usage.try_count():
            await _json(send, 403, LIMIT_EXCEEDED, [self._limit_header()])
            return
        scope.setdefault("state", {})["call_context"] = call_context(user_id, headers)

        async def send_with_usage(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), self._limit_header()]
            await send(message)

        await self.app(scope, receive, send_with_usage)

    def _limit_header(self) -> tuple[bytes, bytes]:
        return (b"sforce-limit-info", self.usage.header().encode())

    def _fix_slash(self, scope: Scope) -> None:
        """Try the path with the trailing slash toggled when it matches no route."""
        path: str = scope["path"]
        if any(r.matches(scope)[0] == Match.FULL for r in self.routes):
            return
        other = path[:-1] if path.endswith("/") else path + "/"
        probe = dict(scope, path=other)
        if any(r.matches(probe)[0] == Match.FULL for r in self.routes):
            scope["path"] = other
            scope["raw_path"] = other.encode()


async def _json(send: Send, status: int, body: object, extra: list[tuple[bytes, bytes]]) -> None:
    raw = orjson.dumps(body)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json;charset=UTF-8"),
        (b"content-length", str(len(raw)).encode()), *extra]})
    await send({"type": "http.response.body", "body": raw})
