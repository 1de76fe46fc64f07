"""Fault injection and request counters shared by both sandboxes.

Everything here lives under ``/_sandbox/``, clearly outside the emulated APIs. A test
or a benchmark adds rules ("10 % of GET .../BusinessPartners* answer 503", "every
request to ... hangs") and reads per-route counters to assert how many calls a
client really made.

Rules match a glob against ``"METHOD /path"``, for example ``"GET /b1s/v2/Items*"``
or ``"* /services/data/*/composite/*"``.
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_PREFIX = "/_sandbox"

FaultAction = Literal["error", "hang", "latency", "late_answer"]


@dataclass
class FaultRule:
    """One injected misbehaviour.

    ``rate`` is the probability that a matching request is hit; ``remaining`` (when set)
    limits the rule to that many hits, after which it is dropped; ``every`` hits only the
    Nth, 2Nth, ... matching request (deterministic alternative to ``rate``).
    ``latency`` waits before the request is handled; ``late_answer`` handles it (the
    write is done) and waits ``latency_ms`` before answering: a lost answer.
    """

    match: str
    action: FaultAction = "error"
    status: int = 503
    rate: float = 1.0
    every: int | None = None
    latency_ms: int = 0
    hang_seconds: float = 600.0
    remaining: int | None = None
    body: Any = None
    seen: int = 0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return fnmatch.fnmatchcase(f"{method} {path}", self.match)


@dataclass
class SandboxControl:
    """Mutable fault and counter state of one sandbox app (thread-safe)."""

    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    counters: Counter[str] = field(default_factory=Counter)
    faults_injected: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def add_rule(self, rule: FaultRule) -> None:
        with self._lock:
            self.rules.append(rule)

    def clear_rules(self) -> None:
        with self._lock:
            self.rules.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self.counters.clear()
            self.faults_injected.clear()

    def count(self, route: str) -> None:
        with self._lock:
            self.counters[route] += 1

    def injected(self, kind: str) -> None:
        """Count a fault the app injected itself (not through a rule), e.g. a lock error."""
        with self._lock:
            self.faults_injected[kind] += 1

    def pick(self, method: str, path: str) -> list[FaultRule]:
        """Return the rules that fire for this request, updating their budgets."""
        fired: list[FaultRule] = []
        with self._lock:
            for rule in list(self.rules):
                if not rule.matches(method, path):
                    continue
                rule.seen += 1
                if rule.every is not None:
                    hit = rule.seen % rule.every == 0
                else:
                    hit = self._random.random() < rule.rate
                if not hit:
                    continue
                rule.hits += 1
                kind = str(rule.status) if rule.action == "error" else rule.action
                self.faults_injected[kind] += 1
                fired.append(rule)
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
        return fired

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self.counters.values()),
                "routes": dict(sorted(self.counters.items())),
                "faults_injected": dict(self.faults_injected),
            }


ErrorBody = Callable[[int, str], tuple[bytes, str]]
"""Builds ``(body, content_type)`` of an injected error in the emulated API's own shape."""

RouteKey = Callable[[str, str], str]
"""Normalises ``(method, path)`` into a counter key such as ``GET BusinessPartners``."""


class FaultMiddleware:
    """ASGI middleware: counts every API request and applies the fault rules to it."""

    def __init__(
        self,
        app: ASGIApp,
        control: SandboxControl,
        error_body: ErrorBody,
        route_key: RouteKey,
    ) -> None:
        self.app = app
        self.control = control
        self.error_body = error_body
        self.route_key = route_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        self.control.count(self.route_key(method, path))
        for rule in self.control.pick(method, path):
            if rule.action == "late_answer":
                send = _answer_late(send, rule.latency_ms / 1000)
            elif rule.action == "latency":
                await asyncio.sleep(rule.latency_ms / 1000)
            elif rule.action == "hang":
                await asyncio.sleep(rule.hang_seconds)
                await _respond(send, 504, b"", "text/plain")
                return
            else:
                if rule.body is not None:
                    body, ctype = orjson.dumps(rule.body), "application/json"
                else:
                    body, ctype = self.error_body(rule.status, path)
                await _respond(send, rule.status, body, ctype)
                return
        await self.app(scope, receive, send)


def _answer_late(send: Send, seconds: float) -> Send:
    async def late(message: Message) -> None:
        if message["type"] == "http.response.start":
            await asyncio.sleep(seconds)
        await send(message)

    return late


async def _respond(send: Send, status: int, body: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


Hook = Callable[[dict[str, Any]], Awaitable[dict[str, Any]] | dict[str, Any]]


def control_routes(control: SandboxControl, hooks: dict[str, Hook] | None = None) -> list[Route]:
    """The ``/_sandbox/`` admin routes common to both sandboxes.

    ``hooks`` adds app-specific POST routes, ``/_sandbox/<name>``, each taking and
    returning JSON (for example ``reset`` or ``sessions/expire``).
    """

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            payload = await request.json()
            for item in payload if isinstance(payload, list) else [payload]:
                control.add_rule(FaultRule(**item))
        elif request.method == "DELETE":
            control.clear_rules()
        return JSONResponse([asdict(r) for r in control.rules])

    async def counters(request: Request) -> Response:
        if request.method == "DELETE":
            control.reset_counters()
        return JSONResponse(control.snapshot())

    routes = [
        Route(f"{ADMIN_PREFIX}/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{ADMIN_PREFIX}/counters", counters, methods=["GET", "DELETE"]),
    ]
    for name, hook in (hooks or {}).items():
        routes.append(Route(f"{ADMIN_PREFIX}/{name}", _hook_endpoint(hook), methods=["POST"]))
    return routes


def _hook_endpoint(hook: Hook) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        payload = orjson.loads(raw) if raw else {}
        result = hook(payload)
        if asyncio.iscoroutine(result):
            result = await result
        return JSONResponse(result)

    return endpoint
