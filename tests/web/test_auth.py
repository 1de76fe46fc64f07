"""Login, lockout, sessions, tokens and the browser-side headers."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from b1hub.hub import Hub
from b1hub.store.models import ApiToken, AuditEntry, User
from b1hub.store.types import Role
from b1hub.web.config import WebSettings
from b1hub.web.factory import SESSION_COOKIE, create_console_app
from b1hub.web.services import accounts

from .support import PASSWORDS, csrf_of, issue_token


def _attempt(client: TestClient, username: str, password: str) -> int:
    csrf = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf},
                       follow_redirects=False).status_code


def test_passwords_are_argon2_hashes(hub: Hub) -> None:
    with hub.store.transaction() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "admin"))
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORDS[Role.ADMIN] not in stored


def test_lockout_after_repeated_failures(hub: Hub) -> None:
    accounts.create_user(hub, "locky", Role.OPERATOR, "locky-pass-Word-1", "test")
    app = create_console_app(hub, WebSettings(session_secret="s" * 32, lock_after_failures=3,
                                              lock_for=timedelta(minutes=5)))
    with TestClient(app) as client:
        assert [_attempt(client, "locky", "wrong-password!") for _ in range(3)] == [401] * 3
        # Locked now: even the right password is refused, with the same message.
        assert _attempt(client, "locky", "locky-pass-Word-1") == 401
        assert client.get("/", follow_redirects=False).status_code == 303
    with hub.store.transaction() as session:
        actions = list(session.scalars(select(AuditEntry.action)
                                       .where(AuditEntry.target == "locky")))
    assert "user.locked" in actions
    user = next(u for u in accounts.list_users(hub) if u.username == "locky")
    assert user.locked
    admin = next(u for u in accounts.list_users(hub) if u.username == "admin")
    accounts.update_user(hub, user.id, admin.id, "admin", unlock=True)
    with TestClient(app) as client:
        assert _attempt(client, "locky", "locky-pass-Word-1") == 303


def test_unknown_user_gets_the_same_answer(app: FastAPI) -> None:
    with TestClient(app) as client:
        assert _attempt(client, "nobody", "whatever-password") == 401


def test_session_cookie_is_signed_httponly_samesite(app: FastAPI) -> None:
    with TestClient(app) as client:
        csrf = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"username": "viewer",
                                               "password": PASSWORDS[Role.VIEWER],
                                               "csrf_token": csrf}, follow_redirects=False)
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=")
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        # A tampered cookie is not a session.
        value = client.cookies[SESSION_COOKIE]
        client.cookies.set(SESSION_COOKIE, value[:-4] + "AAAA")
        assert client.get("/", follow_redirects=False).status_code == 303


def test_open_redirect_is_refused(app: FastAPI) -> None:
    with TestClient(app) as client:
        csrf = csrf_of(client.get("/login").text)
        response = client.post("/login", data={"username": "viewer",
                                               "password": PASSWORDS[Role.VIEWER],
                                               "csrf_token": csrf,
                                               "next": "//evil.example/"},
                               follow_redirects=False)
        assert response.headers["location"] == "/"


def test_changing_a_password_ends_open_sessions(hub: Hub, app: FastAPI) -> None:
    accounts.create_user(hub, "rotate", Role.VIEWER, "rotate-pass-Word-1", "test")
    user = next(u for u in accounts.list_users(hub) if u.username == "rotate")
    with TestClient(app) as client:
        assert _attempt(client, "rotate", "rotate-pass-Word-1") == 303
        assert client.get("/").status_code == 200
        accounts.set_password(hub, user.id, "rotate-pass-Word-2", "admin")
        assert client.get("/", follow_redirects=False).status_code == 303


def test_disabled_user_loses_access_at_once(hub: Hub, app: FastAPI) -> None:
    accounts.create_user(hub, "leaver", Role.OPERATOR, "leaver-pass-Word-1", "test")
    user = next(u for u in accounts.list_users(hub) if u.username == "leaver")
    token = accounts.issue_token(hub, user.id, "job", "test")[1]
    admin = next(u for u in accounts.list_users(hub) if u.username == "admin")
    with TestClient(app) as client:
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json() \
            == {"username": "leaver", "role": "operator", "via": "token"}
        accounts.update_user(hub, user.id, admin.id, "admin", disabled=True)
        assert client.get("/api/v1/me",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_tokens_are_stored_as_hashes_and_can_be_revoked(hub: Hub, app: FastAPI) -> None:
    token = issue_token(hub, Role.OPERATOR)
    with hub.store.transaction() as session:
        hashes = list(session.scalars(select(ApiToken.token_hash)))
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    db_file = Path(hub.store.engine.url.database or "")
    assert token.encode() not in db_file.read_bytes()
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        mine = client.get("/api/v1/tokens", headers=headers).json()
        in_use = next(t for t in mine if t["prefix"] == token[:10])
        # The token cannot revoke itself (a script would lock itself out mid-run) ...
        assert client.delete(f"/api/v1/tokens/{in_use['id']}",
                             headers=headers).status_code == 409
        other = client.post("/api/v1/tokens", headers=headers, json={"name": "second"}).json()
        second = {"Authorization": f"Bearer {other['secret']}"}
        # ... but another one can.
        assert client.delete(f"/api/v1/tokens/{in_use['id']}", headers=second).json() == {
            "message": f"token {in_use['id']} revoked"}
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_security_headers_everywhere(app: FastAPI,
                                     clients: dict[Role, tuple[TestClient, str]]) -> None:
    anonymous = TestClient(app)
    for response in (anonymous.get("/healthz"), anonymous.get("/login"),
                     clients[Role.VIEWER][0].get("/"),
                     anonymous.get("/api/v1/objects")):
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"


def test_pages_have_no_inline_script_or_style(clients: dict[Role, tuple[TestClient, str]]) -> None:
    client, _ = clients[Role.ADMIN]
    for path in ("/", "/connections", "/settings", "/schedules", "/users", "/errors"):
        html = client.get(path).text
        assert "<script>" not in html and "<style" not in html and " style=" not in html
        assert " onclick=" not in html and "hx-on" not in html
        assert '<script src="/static/htmx.min.js" defer></script>' in html


def test_metrics_need_a_token(hub: Hub, app: FastAPI) -> None:
    client = TestClient(app)
    assert client.get("/metrics").status_code == 401
    response = client.get("/metrics",
                          headers={"Authorization": f"Bearer {issue_token(hub, Role.VIEWER)}"})
    assert response.status_code == 200
    assert 'b1hub_open_errors{integration="default",object="account"} 0.0' in response.text
    assert "b1hub_salesforce_api_calls_today" in response.text


def test_every_change_is_audited(hub: Hub, clients: dict[Role, tuple[TestClient, str]]) -> None:
    client, csrf = clients[Role.ADMIN]
    response = client.patch("/api/v1/settings", json={"multi_currency": True},
                            headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200 and response.json()["multi_currency"] is True
    entries = client.get("/api/v1/audit").json()
    latest = next(e for e in entries if e["action"] == "settings.update")
    assert latest["actor"] == "admin"
    assert latest["details"] == {"changed": {"multi_currency": True}}
