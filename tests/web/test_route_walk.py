"""Walk every route of the app: nothing but the probes (and the login form and the static
files, which hold no data) answers an anonymous caller; a viewer can change nothing; every
state-changing form request needs the session's CSRF token."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from b1hub.hub import Hub
from b1hub.store.types import Role
from b1hub.web.factory import create_console_app

from .support import issue_token, login

OPEN = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/login"), ("POST", "/login")}
SAMPLE = {"object_name": "account", "system": "sap", "kind": "customers", "run_id": "1",
          "outcome_id": "1", "user_id": "1", "token_id": "1", "number": "1",
          "key": "C000001", "conflict_id": "1", "map_name": "countries"}
PARAM = re.compile(r"{(\w+)}")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def all_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        if route.path == "/static":
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                found.append((method, PARAM.sub(lambda m: SAMPLE[m.group(1)], route.path)))
    return found


def is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/metrics"


def test_the_walk_covers_the_whole_app(app: FastAPI) -> None:
    routes = all_routes(app)
    assert len(routes) > 70
    assert set(routes) >= OPEN
    mounts = [r.path for r in iter_route_contexts(app.routes) if not getattr(r, "methods", None)]
    assert mounts == ["/static"]


def test_anonymous_is_refused_everywhere_but_the_open_routes(app: FastAPI) -> None:
    client = TestClient(app)
    for method, path in all_routes(app):
        if (method, path) in OPEN:
            continue
        response = client.request(method, path, follow_redirects=False)
        if is_api(path):
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["www-authenticate"] == "Bearer"
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/login"), (method, path)


def test_open_routes_answer_anonymously(app: FastAPI) -> None:
    client = TestClient(app)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "store": "sqlite"}
    assert client.get("/login").status_code == 200
    assert client.get("/static/htmx.min.js").text.startswith("/*! htmx.org 2.0.11")


def test_a_bad_token_is_refused(app: FastAPI) -> None:
    client = TestClient(app)
    response = client.get("/api/v1/objects", headers={"Authorization": "Bearer b1h_forged"})
    assert response.status_code == 401


def test_viewer_session_cannot_change_anything(
    app: FastAPI, clients: dict[Role, tuple[TestClient, str]]
) -> None:
    client, csrf = clients[Role.VIEWER]
    unsafe = [(m, p) for m, p in all_routes(app) if m in UNSAFE and (m, p) not in OPEN]
    assert len(unsafe) > 30
    for method, path in unsafe:
        if path == "/logout":
            continue  # a viewer may end their own session (tested below)
        response = client.request(method, path, headers={"X-CSRF-Token": csrf},
                                  follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)


def test_viewer_token_cannot_change_anything(app: FastAPI, hub: Hub) -> None:
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {issue_token(hub, Role.VIEWER)}"}
    for method, path in all_routes(app):
        if method in UNSAFE and is_api(path):
            response = client.request(method, path, headers=headers, json={})
            assert response.status_code == 403, (method, path, response.status_code)
    assert client.get("/api/v1/objects", headers=headers).status_code == 200


def test_operator_cannot_reach_admin_routes(
    app: FastAPI, clients: dict[Role, tuple[TestClient, str]]
) -> None:
    client, csrf = clients[Role.OPERATOR]
    for method, path in [("GET", "/users"), ("GET", "/audit"), ("POST", "/settings"),
                         ("POST", "/connections/sap"), ("POST", "/schedules/account"),
                         ("POST", "/initialization/account"), ("GET", "/api/v1/users"),
                         ("PUT", "/api/v1/schedules/account"), ("PATCH", "/api/v1/settings")]:
        response = client.request(method, path, headers={"X-CSRF-Token": csrf},
                                  follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_csrf_is_enforced_on_every_state_change(
    app: FastAPI, clients: dict[Role, tuple[TestClient, str]], token: str | None
) -> None:
    """An admin session (allowed everything) is still refused without the right token, as
    a form post and as a JSON call."""
    client, _ = clients[Role.ADMIN]
    checked = 0
    for method, path in all_routes(app):
        if method not in UNSAFE or (method, path) in OPEN:
            continue
        form = {"csrf_token": token} if token else {}
        response = client.request(method, path, data=form, follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        headers = {"X-CSRF-Token": token} if token else {}
        response = client.request(method, path, json={}, headers=headers,
                                  follow_redirects=False)
        assert response.status_code == 403, (method, path, response.status_code)
        checked += 1
    assert checked > 30


def test_login_itself_needs_the_csrf_token(app: FastAPI) -> None:
    client = TestClient(app)
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": "x" * 12})
    assert response.status_code == 403


def test_viewer_may_log_out(hub: Hub) -> None:
    app = create_console_app(hub)
    with TestClient(app) as client:
        csrf = login(client, Role.VIEWER)
        response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 303
        assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
