"""Salesforce-specific ``/_sandbox/`` routes: runtime config, API usage, custom fields,
validation and duplicate rules, session expiry and reset."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from b1hub.sandbox.faults import ADMIN_PREFIX, Hook, SandboxControl
from b1hub.sandbox.salesforce.describe import field_describe
from b1hub.sandbox.salesforce.objects import standard_registry
from b1hub.sandbox.salesforce.org import Org
from b1hub.sandbox.salesforce.schema import FIELD_TYPES, FieldSpecInput
from b1hub.sandbox.salesforce.seed import seed_if_empty
from b1hub.sandbox.salesforce.sessions import ApiUsage, Sessions

Endpoint = Callable[[Request], Awaitable[Response]]


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


class Admin:
    def __init__(self, org: Org, sessions: Sessions, usage: ApiUsage,
                 control: SandboxControl) -> None:
        self.org, self.sessions, self.usage, self.control = org, sessions, usage, control

    def hooks(self) -> dict[str, Hook]:
        return {"reset": self.reset, "sessions/expire": self.expire_sessions,
                "undelete": self.undelete}

    def routes(self) -> list[Route]:
        p = ADMIN_PREFIX
        return [
            Route(f"{p}/config", self.config, methods=["GET", "POST"]),
            Route(f"{p}/usage", self.usage_route, methods=["GET", "POST", "DELETE"]),
            Route(f"{p}/fields", self.fields, methods=["GET", "POST", "DELETE"]),
            Route(f"{p}/validation-rules", self._rules("validation"),
                  methods=["GET", "POST", "DELETE"]),
            Route(f"{p}/duplicate-rules", self._rules("duplicate"),
                  methods=["GET", "POST", "DELETE"]),
        ]

    async def config(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self.org.runtime.update(await request.json())
            except (ValueError, TypeError) as exc:
                return _bad(str(exc))
        return JSONResponse(self.org.runtime.snapshot())

    async def usage_route(self, request: Request) -> Response:
        """GET reads; DELETE resets to 0; POST {"used": N} sets the counter."""
        if request.method == "DELETE":
            self.usage.set_used(0)
        elif request.method == "POST":
            payload = await request.json()
            self.usage.set_used(int(payload.get("used", 0)))
        return JSONResponse(self.usage.snapshot())

    async def fields(self, request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({s.name: [field_describe(f) for f in s.fields.values()
                                          if f.custom] for s in self.org.schemas.all()})
        payload = await request.json()
        if request.method == "DELETE":
            try:
                self.org.remove_custom_field(str(payload.get("sobject", "")),
                                             str(payload.get("name", "")))
            except ValueError as exc:
                return _bad(str(exc))
            return JSONResponse({"deleted": True})
        try:
            spec = FieldSpecInput(**payload)
            if spec.type not in FIELD_TYPES or spec.type == "id":
                raise ValueError(f"unsupported field type {spec.type!r}")
            made = self.org.add_custom_field(spec)
        except (TypeError, ValueError) as exc:
            return _bad(str(exc))
        return JSONResponse(field_describe(made), status_code=201)

    def _rules(self, kind: Any) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            if request.method == "DELETE":
                self.org.rules.clear(kind)
            elif request.method == "POST":
                payload = await request.json()
                try:
                    if self.org.schemas.get(str(payload.get("sobject", ""))) is None:
                        raise ValueError(f"unknown sobject {payload.get('sobject')!r}")
                    return JSONResponse(self.org.rules.add(kind, payload), status_code=201)
                except (TypeError, ValueError) as exc:
                    return _bad(str(exc))
            return JSONResponse(self.org.rules.listing(kind))

        return endpoint

    def expire_sessions(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Expire every session, or only ``{"token": ...}``."""
        token = payload.get("token")
        return {"expired": self.sessions.expire(str(token) if token else None)}

    def undelete(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``{"id": ...}``: restore a deleted record from the Recycle Bin."""
        try:
            return {"restored": self.org.undelete(str(payload.get("id", "")))}
        except ValueError as exc:
            return {"error": str(exc)}

    def reset(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Back to the seeded org: records, custom fields, rules and config (sessions and
        API usage stay, so connected clients keep working)."""
        org = self.org
        with org.transaction():
            for table in ("records", "id_seq", "custom_fields", "rules"):
                org.conn.execute(f"DELETE FROM {table}")
            org.conn.execute("DELETE FROM kv WHERE key LIKE 'config.%'")
        org.ids.forget()
        org.schemas = standard_registry()
        org.rules.load()
        org.runtime.load()
        self.control.clear_rules()
        self.control.reset_counters()
        seed_if_empty(org)
        return {"reset": True, "records": org.conn.execute(
            "SELECT COUNT(*) FROM records").fetchone()[0]}

