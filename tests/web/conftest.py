"""A console app over a fresh store, with one user per role and logged-in clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from b1hub.hub import Hub
from b1hub.store.types import Role
from b1hub.web.config import WebSettings
from b1hub.web.factory import create_console_app
from b1hub.web.services import accounts

from .support import PASSWORDS, login


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """Shared by the tests of one module (they only read, or change what they own)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("B1HUB_HOME", str(tmp_path_factory.mktemp("home")))
        patch.delenv("B1HUB_DATABASE_URL", raising=False)
        hub = Hub.open()
        for role in Role:
            accounts.create_user(hub, role.value, role, PASSWORDS[role], "test")
        yield hub
        hub.close()


@pytest.fixture(scope="module")
def app(hub: Hub) -> FastAPI:
    return create_console_app(hub, WebSettings(session_secret="test-session-secret-0123456789"))


@pytest.fixture(scope="module")
def clients(app: FastAPI) -> Iterator[dict[Role, tuple[TestClient, str]]]:
    """One logged-in client (and its CSRF token) per role."""
    opened: dict[Role, tuple[TestClient, str]] = {}
    for role in Role:
        client = TestClient(app, base_url="http://testserver")
        client.__enter__()
        opened[role] = (client, login(client, role))
    yield opened
    for client, _ in opened.values():
        client.__exit__(None, None, None)
