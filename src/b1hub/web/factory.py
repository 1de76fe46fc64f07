"""The console and API application: security middleware, routers, error handling.

Only /healthz, /readyz, the login form and the static files (CSS, vendored htmx: no data)
answer without a session or a token; every other route declares the role it needs.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from b1hub.hub import Hub
from b1hub.web.config import WebSettings, session_secret
from b1hub.web.security.csrf import CsrfFailed
from b1hub.web.security.headers import SecurityHeadersMiddleware
from b1hub.web.security.principal import Forbidden, NotAuthenticated
from b1hub.web.services.errors import ActionRefused, InvalidInput, NotFound
from b1hub.web.state import ConsoleState, console_state
from b1hub.web.templating import flash, render

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "b1hub_session"
API_PREFIX = "/api/v1"


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/metrics"


def _back(request: Request) -> str:
    """Where a failed form goes back to: the page it was posted from (same origin only)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.url.netloc and referer.path.startswith("/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def _install_error_handlers(app: FastAPI) -> None:
    async def not_authenticated(request: Request, exc: Exception) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "authentication required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    async def forbidden(request: Request, exc: Exception) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=403)
        return render(request, "pages/error.html", status_code=403, title="Not allowed",
                      message=str(exc))

    def refusal(status: int) -> Any:
        async def handler(request: Request, exc: Exception) -> Response:
            if _wants_json(request):
                return JSONResponse({"detail": str(exc)}, status_code=status)
            if request.method == "GET":
                return render(request, "pages/error.html", status_code=status,
                              title="Cannot show this", message=str(exc))
            flash(request, str(exc), "error")
            return RedirectResponse(_back(request), status_code=303)

        return handler

    app.add_exception_handler(NotAuthenticated, not_authenticated)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(CsrfFailed, forbidden)
    app.add_exception_handler(ActionRefused, refusal(409))
    app.add_exception_handler(InvalidInput, refusal(400))
    app.add_exception_handler(NotFound, refusal(404))


def _health_routes(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> Response:
        engine = console_state(request).hub.store.engine
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("store not reachable: %s", exc)
            return JSONResponse({"status": "unavailable", "store": engine.dialect.name},
                                status_code=503)
        return JSONResponse({"status": "ready", "store": engine.dialect.name})


def create_console_app(
    hub: Hub | None = None, settings: WebSettings | None = None, *, health: bool = True
) -> FastAPI:
    """The whole console. ``hub`` defaults to the configured store's integration; pass
    ``health=False`` when the caller's app already serves /healthz and /readyz."""
    from b1hub.web.api import router as api_router
    from b1hub.web.metrics import router as metrics_router
    from b1hub.web.pages.routes import router as pages_router

    settings = settings or WebSettings.from_env()
    owned = hub is None
    hub = hub or Hub.open(settings.integration)
    state = ConsoleState(hub=hub, settings=settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        state.jobs.shutdown()
        if owned:
            hub.close()

    app = FastAPI(title="b1hub", version="1", lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.state.console = state
    app.add_middleware(
        SessionMiddleware, secret_key=settings.session_secret or session_secret(),
        session_cookie=SESSION_COOKIE, max_age=int(settings.session_max_age.total_seconds()),
        same_site="lax", https_only=settings.cookie_secure,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    _install_error_handlers(app)
    if health:
        _health_routes(app)
    app.include_router(api_router, prefix=API_PREFIX)
    app.include_router(metrics_router)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
