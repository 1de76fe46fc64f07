"""The Salesforce sandbox application: login, REST, Composite, Bulk, Apex REST and admin."""

from __future__ import annotations

import importlib.util

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from b1hub.sandbox.config import SalesforceSettings
from b1hub.sandbox.faults import FaultMiddleware, SandboxControl, control_routes
from b1hub.sandbox.salesforce import collections, composite, describe, records
from b1hub.sandbox.salesforce.admin import Admin
from b1hub.sandbox.salesforce.api import ApiRequest, RestApi
from b1hub.sandbox.salesforce.auth import Authenticator
from b1hub.sandbox.salesforce.leadconvert import LeadConverter
from b1hub.sandbox.salesforce.middleware import ApiGate
from b1hub.sandbox.salesforce.org import Org
from b1hub.sandbox.salesforce.query import QueryRunner
from b1hub.sandbox.salesforce.seed import seed_if_empty
from b1hub.sandbox.salesforce.sessions import ApiUsage, Sessions


def error_body(status: int, path: str) -> tuple[bytes, str]:
    """An injected failure in Salesforce's error shape."""
    code = {503: "SERVER_UNAVAILABLE", 500: "UNKNOWN_EXCEPTION", 502: "UNKNOWN_EXCEPTION",
            429: "REQUEST_LIMIT_EXCEEDED", 403: "REQUEST_LIMIT_EXCEEDED",
            401: "INVALID_SESSION_ID"}.get(status, "UNKNOWN_EXCEPTION")
    message = {503: "Server is unavailable or overloaded.",
               401: "Session expired or invalid",
               403: "TotalRequests Limit exceeded."}.get(
        status, "An unexpected error occurred. Please include this ErrorId if you contact "
        "support: 1234567890-12345 (-1234567890)")
    return orjson.dumps([{"message": message, "errorCode": code}]), "application/json"


def route_key(method: str, path: str) -> str:
    """``GET /services/data/v59.0/sobjects/Account/001...`` -> ``GET sobjects/Account/{id}``."""
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[:2] == ["services", "data"]:
        rest = parts[3:]
        out = []
        for i, part in enumerate(rest):
            if i >= 1 and rest[0] == "sobjects" and i == 2 and part not in (
                    "describe", "updated", "deleted"):
                out.append("{id}" if len(rest) == 3 else part)
            elif i >= 3 and rest[0] == "sobjects":
                out.append("{value}")
            elif rest[0] in ("query", "queryAll") and i == 1:
                out.append("{cursor}")
            elif rest[0] == "jobs" and i == 2:
                out.append("{id}")
            else:
                out.append(part)
        return f"{method} " + "/".join(out)
    return f"{method} {path}"


def _bulk_routes(org: Org) -> list[BaseRoute]:
    if importlib.util.find_spec("b1hub.sandbox.salesforce.bulk") is None:
        return []
    from b1hub.sandbox.salesforce.bulk import bulk_routes

    return list(bulk_routes(org))


def create_app(settings: SalesforceSettings) -> Starlette:
    org = Org(settings)
    seed_if_empty(org)
    sessions, usage = Sessions(org), ApiUsage(org)
    control = SandboxControl(seed=settings.seed)
    org.on_fault = control.injected
    admin = Admin(org, sessions, usage, control)
    api = RestApi()
    describe.register(api, org, usage)
    records.register(api, org)
    QueryRunner(org).register(api)
    collections.register(api, org)
    composite.register(api, org)

    async def versions(_: Request) -> Response:
        return JSONResponse(describe.versions_body())

    async def rest(request: Request) -> Response:
        api_request = ApiRequest(
            method=request.method, path=request.path_params["rest"],
            query=dict(request.query_params), body=await request.body(),
            ctx=request.state.call_context, version=request.path_params["version"],
            headers={k.lower(): v for k, v in request.headers.items()},
        )
        result = await api.dispatch(api_request)
        if result.body is None:
            return Response(status_code=result.status, headers=result.headers)
        return Response(orjson.dumps(result.body), status_code=result.status,
                        headers=result.headers, media_type="application/json;charset=UTF-8")

    routes: list[BaseRoute] = [
        Route("/services/data", versions, methods=["GET"]),
        Route("/services/data/latest", versions, methods=["GET"]),
        *Authenticator(org, sessions).routes(),
        Route("/services/apexrest/b1hub/leadconvert", LeadConverter(org).endpoint,
              methods=["POST"]),
        *_bulk_routes(org),
        Route("/services/data/v{version}", rest,
              methods=["GET", "POST", "PATCH", "DELETE", "PUT"]),
        Route("/services/data/v{version}/{rest:path}", rest,
              methods=["GET", "POST", "PATCH", "DELETE", "PUT"]),
        *admin.routes(),
        *control_routes(control, admin.hooks()),
    ]
    gated = [r for r in routes if isinstance(r, Route)]
    return Starlette(routes=routes, middleware=[
        Middleware(FaultMiddleware, control=control, error_body=error_body,
                   route_key=route_key),
        Middleware(ApiGate, sessions=sessions, usage=usage, routes=gated),
    ])
