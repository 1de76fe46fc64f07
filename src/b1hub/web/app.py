"""The FastAPI application served by `b1hub serve`: the console, the REST API, /metrics, and
the two unauthenticated probes, /healthz (the process answers) and /readyz (the store answers).

Everything except the probes, the login form and the static files needs a session or an
API token; see b1hub.web.factory.
"""

from __future__ import annotations

from fastapi import FastAPI

from b1hub.hub import Hub
from b1hub.store import Store, open_store
from b1hub.store.repositories import ensure_integration
from b1hub.web.config import WebSettings
from b1hub.web.factory import create_console_app


def create_app(store: Store | None = None) -> FastAPI:
    """The app over ``store`` (default: the configured store, migrated on open)."""
    opened = store or open_store()
    settings = WebSettings.from_env()
    with opened.transaction() as session:
        integration_id = ensure_integration(session, settings.integration).id
    app = create_console_app(Hub(opened, settings.integration, integration_id), settings)
    app.state.store = opened
    return app
