"""Login, lockout, the login throttle, sessions, tokens and the browser-side headers."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from b1hub.hub import Hub
from b1hub.store.models import ApiToken, AuditEntry, LoginThrottle, User
from b1hub.store.repositories import users as users_repository
from b1hub.store.types import Role, utcnow
from b1hub.web.config import WebSettings
from b1hub.web.factory import SESSION_COOKIE, create_console_app
from b1hub.web.security.throttle import client_key
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


class Clock:
    """The store's notion of now, moved by hand: throttle waits without sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(users_repository, "utcnow", fake)
    return fake


def _throttled_app(hub: Hub, **limits: Any) -> FastAPI:
    settings: dict[str, Any] = {"login_free_attempts_per_client": 4,
                                "login_free_attempts_per_username": 3,
                                "login_first_delay": timedelta(seconds=1),
                                "login_max_delay": timedelta(seconds=8)} | limits
    return create_console_app(hub, WebSettings(session_secret="t" * 32, **settings))


def _guess(client: TestClient, username: str, password: str = "wrong-password!") -> Response:
    csrf = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf}, follow_redirects=False)


def test_a_client_spraying_usernames_waits_longer_each_time(hub: Hub, clock: Clock) -> None:
    app = _throttled_app(hub)
    with TestClient(app, client=("127.0.0.21", 40000)) as attacker:
        names = [f"spray{i}" for i in range(12)]  # never the same name twice: only the
        # per-client count can stop this
        assert [_guess(attacker, n).status_code for n in names[:5]] == [401] * 5
        waits = []
        for name in names[5:]:
            refused = _guess(attacker, name)
            assert refused.status_code == 429
            wait = int(refused.headers["retry-after"])
            assert f"Too many login attempts: try again in {wait} s." in refused.text
            waits.append(wait)
            clock.advance(wait)
            assert _guess(attacker, name).status_code == 401
        # Doubling from the first delay, then held at the maximum.
        assert waits == [1, 2, 4, 8, 8, 8, 8]
        # Waiting the window out forgets the client.
        clock.advance(15 * 60 + 8)
        assert [_guess(attacker, n).status_code for n in names[:4]] == [401] * 4


def test_the_throttle_answers_alike_for_real_and_unknown_usernames(
    hub: Hub, clock: Clock
) -> None:
    accounts.create_user(hub, "realname", Role.VIEWER, "realname-pass-Word-1", "test")
    app = _throttled_app(hub, lock_after_failures=5)
    answers = {}
    for name, address in (("realname", "127.0.0.22"), ("madeupname", "127.0.0.23")):
        seen = []
        with TestClient(app, client=(address, 40000)) as client:
            for _ in range(6):
                response = _guess(client, name)
                seen.append((response.status_code, response.headers.get("retry-after"),
                             response.text.count("Wrong username or password")))
                if response.status_code == 429:
                    clock.advance(int(response.headers["retry-after"]))
        answers[name] = seen
    assert answers["realname"] == answers["madeupname"]
    assert [code for code, _, _ in answers["realname"]] == [401, 401, 401, 401, 429, 401]


def test_a_correct_password_resets_the_username_but_not_the_client(
    hub: Hub, clock: Clock
) -> None:
    accounts.create_user(hub, "typo", Role.VIEWER, "typo-pass-Word-1", "test")
    app = _throttled_app(hub, login_free_attempts_per_client=5)
    with TestClient(app, client=("127.0.0.24", 40000)) as client:
        assert [_guess(client, "typo").status_code for _ in range(3)] == [401] * 3
        assert _guess(client, "typo", "typo-pass-Word-1").status_code == 303
        # The username starts afresh: three more misses before any wait ...
        assert [_guess(client, "typo").status_code for _ in range(2)] == [401] * 2
        # ... but the client keeps its five misses: the sixth attempt starts a wait.
        assert _guess(client, "typo").status_code == 401
        assert _guess(client, "typo", "typo-pass-Word-1").status_code == 429


def test_unlocking_a_user_ends_their_wait(hub: Hub, clock: Clock) -> None:
    accounts.create_user(hub, "stuck", Role.VIEWER, "stuck-pass-Word-1", "test")
    app = _throttled_app(hub, lock_after_failures=4, login_free_attempts_per_username=2)
    with TestClient(app, client=("127.0.0.25", 40000)) as client:
        assert [_guess(client, "stuck").status_code for _ in range(3)] == [401, 401, 401]
        assert _guess(client, "stuck", "stuck-pass-Word-1").status_code == 429
        user = next(u for u in accounts.list_users(hub) if u.username == "stuck")
        admin = next(u for u in accounts.list_users(hub) if u.username == "admin")
        accounts.update_user(hub, user.id, admin.id, "admin", unlock=True)
        assert _guess(client, "stuck", "stuck-pass-Word-1").status_code == 303


def test_throttle_rows_keep_no_username_in_clear(hub: Hub, clock: Clock) -> None:
    app = _throttled_app(hub)
    with TestClient(app, client=("127.0.0.26", 40000)) as client:
        assert _guess(client, "pasted-Secret-1234").status_code == 401
    with hub.store.transaction() as session:
        keys = list(session.scalars(select(LoginThrottle.key)))
    assert "127.0.0.26" in keys
    assert not [k for k in keys if "pasted" in k.lower()]


def test_ipv6_clients_are_counted_per_64() -> None:
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") \
        == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:127.0.0.7") == client_key("127.0.0.7") == "127.0.0.7"
    assert client_key(None) == "unknown"


def test_login_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("B1HUB_SESSION_KEY", "k" * 32)
    monkeypatch.setenv("B1HUB_LOGIN_ATTEMPTS_PER_CLIENT", "25")
    monkeypatch.setenv("B1HUB_LOGIN_MAX_DELAY_SECONDS", "60")
    settings = WebSettings.from_env()
    assert settings.login_free_attempts_per_client == 25
    assert settings.login_max_delay == timedelta(seconds=60)
    assert settings.login_free_attempts_per_username == 3
    monkeypatch.setenv("B1HUB_LOGIN_ATTEMPTS_PER_USERNAME", "many")
    with pytest.raises(ValueError, match="B1HUB_LOGIN_ATTEMPTS_PER_USERNAME is 'many': give "
                                         "a whole number of at least 1"):
        WebSettings.from_env()
