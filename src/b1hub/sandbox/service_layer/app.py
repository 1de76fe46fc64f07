"""The SAP Business One Service Layer sandbox as a Starlette app (``/b1s/v1``, ``/b1s/v2``).

All database work happens in short synchronous calls on the event-loop thread, over a
single SQLite connection: requests are serialised, which is simple and deterministic.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from b1hub.sandbox.config import ServiceLayerSettings
from b1hub.sandbox.faults import FaultMiddleware, SandboxControl, control_routes
from b1hub.sandbox.service_layer import batch
from b1hub.sandbox.service_layer.api import Api, ApiRequest
from b1hub.sandbox.service_layer.seed import seed
from b1hub.sandbox.service_layer.service import Service
from b1hub.sandbox.service_layer.sessions import Sessions
from b1hub.sandbox.service_layer.store import Store
from b1hub.sandbox.service_layer.wire import (
    MSG_SESSION,
    Reply,
    SLError,
    Version,
    error_body,
    error_reply,
)

DB_FILE = "service_layer.sqlite3"
KEY_PREDICATE = re.compile(r"\([^)]*\)")


def route_key(method: str, path: str) -> str:
    """``PATCH /b1s/v2/BusinessPartners('C1')`` counts as ``PATCH BusinessPartners(key)``."""
    rest = path.split("/", 3)[3] if path.startswith("/b1s/") and path.count("/") >= 3 else path
    return f"{method} {KEY_PREDICATE.sub('(key)', rest)}"


def fault_body(status: int, path: str) -> tuple[bytes, str]:
    version: Version = "v1" if path.startswith("/b1s/v1/") else "v2"
    phrase = {500: "Internal Server Error", 502: "Proxy Error", 503: "Service Unavailable"}
    return error_body(version, -1, phrase.get(status, "Error")), "application/json"


class ServiceLayerApp:
    def __init__(self, settings: ServiceLayerSettings) -> None:
        self.settings = settings
        self.store = Store(settings.data_dir / DB_FILE)
        if self.store.meta("seed") is None:
            seed(self.store, settings.seed, settings.size)
        self.service = Service(self.store)
        self.api = Api(self.service)
        self.sessions = Sessions(settings.session_timeout_minutes)
        self.control = SandboxControl(seed=settings.seed)
        self.page_size = settings.default_page_size
        self.expire_every: int | None = None
        self.api_requests = 0

    # -- admin hooks -------------------------------------------------------------
    def reset(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.control.clear_rules()
        self.control.reset_counters()
        self.configure({"session_timeout_minutes": self.settings.session_timeout_minutes,
                        "expire_sessions_every": None,
                        "default_page_size": self.settings.default_page_size})
        if payload.get("data"):
            seed(self.store, self.settings.seed, self.settings.size)
            self.service.forget_udfs()
        return {"reset": True, "data": bool(payload.get("data"))}

    def expire_sessions(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"expired": self.sessions.expire_all()}

    def configure(self, payload: dict[str, Any]) -> dict[str, Any]:
        if "session_timeout_minutes" in payload:
            self.sessions.timeout_minutes = float(payload["session_timeout_minutes"])
        if "expire_sessions_every" in payload:
            every = payload["expire_sessions_every"]
            self.expire_every = int(every) if every else None
            self.api_requests = 0
        if "default_page_size" in payload:
            self.page_size = int(payload["default_page_size"])
        return {"session_timeout_minutes": self.sessions.timeout_minutes,
                "expire_sessions_every": self.expire_every,
                "default_page_size": self.page_size}

    # -- the API -----------------------------------------------------------------
    async def endpoint(self, request: Request) -> Response:
        version = request.path_params["version"]
        if version not in ("v1", "v2"):
            return Response(status_code=404)
        body = await request.body()
        path = request.path_params["path"]
        try:
            reply = self._dispatch(request, version, path, body)
        except SLError as err:
            reply = error_reply(version, err)
        response = Response(reply.body, reply.status, reply.headers)
        for cookie in reply.cookies:
            response.raw_headers.append((b"set-cookie", cookie.encode()))
        return response

    def _dispatch(self, request: Request, version: Version, path: str, body: bytes) -> Reply:
        method = request.method
        override = request.headers.get("x-http-method-override")
        if method == "POST" and override:
            method = override.upper()
        if path == "Login" and method == "POST":
            return self.sessions.login(self.settings, version, body)
        self.api_requests += 1
        if self.expire_every and self.api_requests % self.expire_every == 0:
            self.sessions.expire_all()
        session = request.cookies.get("B1SESSION")
        if not self.sessions.touch(session):
            raise SLError(401, 301, MSG_SESSION)
        if path == "Logout" and method == "POST":
            self.sessions.logout(session)
            return Reply(204)
        headers = {k.lower(): v for k, v in request.headers.items()}
        if path == "$batch" and method == "POST":
            return self._batch(version, headers, body)
        return self._execute(method, path, request.url.query, headers, body, version)

    def _execute(self, method: str, path: str, query: str, headers: dict[str, str],
                 body: bytes, version: Version) -> Reply:
        req = ApiRequest(method, path, query, headers, body, version,
                         self.settings.base_url, self.page_size)
        try:
            if method == "GET":
                return self.api.handle(req)
            with self.store.atomic():
                return self.api.handle(req)
        except SLError as err:
            if method != "GET":
                self.service.forget_udfs()
            return error_reply(version, err)

    def _batch(self, version: Version, headers: dict[str, str], body: bytes) -> Reply:
        try:
            parts = batch.parse(headers.get("content-type", ""), body)
        except batch.BatchError as exc:
            raise SLError(400, -1000, str(exc)) from exc

        def changeset(run: Any) -> list[tuple[Reply, str | None]]:
            try:
                with self.store.atomic():
                    result: list[tuple[Reply, str | None]] = run()
                    return result
            except batch.ChangesetFailed as failed:
                self.service.forget_udfs()
                return [(failed.reply, failed.content_id)]

        content_type, payload = batch.run(parts, version, self._execute, changeset)
        return Reply(200, payload, {"Content-Type": content_type})


def create_app(settings: ServiceLayerSettings) -> Starlette:
    sandbox = ServiceLayerApp(settings)
    hooks = {"reset": sandbox.reset, "sessions/expire": sandbox.expire_sessions,
             "config": sandbox.configure}
    methods = ["GET", "POST", "PATCH", "PUT", "MERGE", "DELETE"]
    routes = [*control_routes(sandbox.control, hooks),  # type: ignore[arg-type]
              Route("/b1s/{version}/{path:path}", sandbox.endpoint, methods=methods)]
    app = Starlette(routes=routes)
    app.add_middleware(FaultMiddleware, control=sandbox.control, error_body=fault_body,
                       route_key=route_key)
    app.state.sandbox = sandbox
    return app
