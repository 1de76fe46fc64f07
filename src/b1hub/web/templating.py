"""Jinja2 pages: every page gets the user, the CSRF token, the navigation and flash messages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from b1hub.store.types import Role
from b1hub.web.security.csrf import csrf_token

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

NAV: tuple[tuple[str, str, Role], ...] = (
    ("/", "Dashboard", Role.VIEWER),
    ("/connections", "Connections", Role.VIEWER),
    ("/settings", "General settings", Role.VIEWER),
    ("/initialization", "Initialization", Role.VIEWER),
    ("/selection/customers", "Set Customers", Role.VIEWER),
    ("/selection/items", "Set Items", Role.VIEWER),
    ("/schedules", "Schedules", Role.VIEWER),
    ("/price-lists", "Price lists", Role.VIEWER),
    ("/mappings", "Field mappings", Role.VIEWER),
    ("/udfs", "UDFs", Role.VIEWER),
    ("/value-maps", "Value maps", Role.VIEWER),
    ("/link-tool", "Mapping Tool", Role.VIEWER),
    ("/runs", "Runs", Role.VIEWER),
    ("/errors", "Errors", Role.VIEWER),
    ("/users", "Users", Role.ADMIN),
    ("/tokens", "API tokens", Role.OPERATOR),
    ("/audit", "Audit log", Role.ADMIN),
)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


TEMPLATES.env.filters["when"] = _when


def flash(request: Request, message: str, level: str = "ok") -> None:
    """A message shown once on the next page (kept in the signed session)."""
    messages = list(request.session.get("flash", []))
    messages.append([level, message[:500]])
    request.session["flash"] = messages[-5:]


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    nav = [(href, label) for href, label, role in NAV
           if principal is not None and principal.can(role)]
    # Only full pages consume flash messages: a polled fragment must not swallow them.
    messages = request.session.pop("flash", []) if template.startswith("pages/") else []
    return TEMPLATES.TemplateResponse(
        request, template,
        {"principal": principal, "csrf": csrf_token(request), "nav": nav,
         "messages": messages, "path": request.url.path, **context},
        status_code=status_code,
    )
