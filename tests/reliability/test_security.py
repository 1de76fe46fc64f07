"""Security under attack, end to end: password guessing is slowed per client and per
username and locks the account (and the throttle holds across console processes on
PostgreSQL); an operator cannot change connections or users by any route; a session cookie
from another instance is refused; no sandbox admin routes in the console; no secret or
record payload in the hub's info-level logs during a sync.

Secrets at rest (the database file, its WAL included, holds no secret in clear) are checked
in tests/web/test_secrets.py; the route walk, CSRF and the throttle's rules in tests/web.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from rel_world import open_world
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from b1hub.connectors.outcomes import Success
from b1hub.hub import Hub
from b1hub.store.models import ApiToken, AuditEntry, Connection, Feature, User
from b1hub.store.repositories import SelectionEntry
from b1hub.store.types import InitStatus, Role, RunStatus, System, utcnow
from b1hub.sync import api
from b1hub.web.config import WebSettings
from b1hub.web.factory import create_console_app
from b1hub.web.services import accounts

PG_ADMIN_URL = os.environ.get(
    "B1HUB_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

PASSWORD = "admin-pass-Word-1"
CANARY = "Canary Payload 7f3a9 GmbH"


def _csrf(client: TestClient, path: str = "/login") -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert token, f"no CSRF field on {path}"
    return token.group(1)


def _post_login(client: TestClient, username: str, password: str,
                csrf: str | None = None) -> Any:
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf or _csrf(client)},
                       follow_redirects=False)


def _login(client: TestClient, username: str = "admin", password: str = PASSWORD) -> int:
    return int(_post_login(client, username, password).status_code)


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hub:
    monkeypatch.setenv("B1HUB_HOME", str(tmp_path / "home"))
    opened = Hub.open()
    accounts.create_user(opened, "admin", Role.ADMIN, PASSWORD, "test")
    return opened


def test_a_session_cookie_from_another_instance_is_refused(hub: Hub) -> None:
    ours = create_console_app(hub, WebSettings(session_secret="a" * 40))
    theirs = create_console_app(hub, WebSettings(session_secret="b" * 40))
    with TestClient(theirs) as foreign, TestClient(ours) as client:
        assert _login(foreign) == 303
        assert foreign.get("/", follow_redirects=False).status_code == 200
        client.cookies.update(foreign.cookies)
        assert client.get("/", follow_redirects=False).status_code == 303
        assert client.get("/api/v1/objects").status_code == 401


def test_the_console_never_mounts_the_sandbox_admin_routes(hub: Hub) -> None:
    app = create_console_app(hub, WebSettings(session_secret="c" * 40))
    assert not [r for r in app.routes if getattr(r, "path", "").startswith("/_sandbox")]
    with TestClient(app) as client:
        assert _login(client) == 303
        for method, path in (("GET", "/_sandbox/counters"), ("POST", "/_sandbox/faults"),
                             ("POST", "/_sandbox/reset"), ("GET", "/_sandbox/config")):
            assert client.request(method, path).status_code in (401, 403, 404), path


def test_info_logs_carry_no_secret_and_no_record_payload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("B1HUB_HOME", str(tmp_path / "home"))
    caplog.set_level(logging.INFO)
    with open_world(tmp_path / "sandbox", "default", customers=5, items=2) as world:
        info = world.proc.info
        secrets = [info["service_layer"]["password"], info["salesforce"]["client_secret"],
                   info["salesforce"]["password"], info["salesforce"]["security_token"]]
        assert api.initialize(world.hub, "account").status is InitStatus.DONE
        code = world.all_customers[-1]
        with world.hub.service_layer() as sl:
            assert isinstance(sl.update("BusinessPartners", code, {
                "CardName": CANARY, "EmailAddress": "canary.7f3a9@example.com"}), Success)
        with world.hub.repos() as repos:
            repos.selections.mark("account", [SelectionEntry(code, "Customer - Direct")])
        world.create_account({"Name": "Canary Account 7f3a9 AG", "Type": "Customer - Direct",
                              "Phone": "+49 7f3a9"})
        summary = api.run_object(world.hub, "account")
        assert summary.status is RunStatus.SUCCEEDED, summary
        assert summary.created + summary.updated >= 2, summary
        assert world.soql(f"SELECT Id FROM Account WHERE Name = '{CANARY}'")
    out, err = capfd.readouterr()
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {getattr(r, '__dict__', {})!r}"
                       for r in caplog.records if r.levelno >= logging.INFO) + out + err
    for secret in secrets:
        assert secret not in logged
    for value in (CANARY, "canary.7f3a9@example.com", "Canary Account 7f3a9", "+49 7f3a9"):
        assert value not in logged, value


BRUTE_FORCE = WebSettings(
    session_secret="d" * 40, lock_after_failures=3, lock_for=timedelta(seconds=5),
    login_free_attempts_per_client=8, login_free_attempts_per_username=3,
    login_first_delay=timedelta(seconds=2), login_max_delay=timedelta(seconds=8),
)


def test_password_guessing_is_slowed_and_locks_the_account(
    hub: Hub, figures: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    accounts.create_user(hub, "alice", Role.OPERATOR, "alice-pass-Word-1", "test")
    accounts.create_user(hub, "bob", Role.VIEWER, "bob-pass-Word-1", "test")
    app = create_console_app(hub, BRUTE_FORCE)
    # Three guesses at alice, then a spray over real and made-up names (carol, ghost).
    targets = (["alice"] * 3 + ["bob", "carol", "admin", "ghost"] * 5)[:20]
    with TestClient(app, client=("127.0.0.31", 41000)) as attacker, \
            TestClient(app, client=("127.0.0.32", 41000)) as office:
        started = time.monotonic()
        codes, checked_at, waits = [], [], []
        for i, name in enumerate(targets):
            answer = _post_login(attacker, name, f"guess-{i}-Password")
            codes.append(answer.status_code)
            if answer.status_code == 401:
                checked_at = [time.monotonic()]  # when the last checked guess was answered
            elif not waits:
                waits.append(int(answer.headers["retry-after"]))
        spray_s = time.monotonic() - started
        # Eight free attempts and the ninth, which starts the first wait, reach the password
        # check; the eleven after it are refused unchecked.
        assert codes == [401] * 9 + [429] * 11
        alice = next(u for u in accounts.list_users(hub) if u.username == "alice")
        assert alice.locked
        assert _login(office, "alice", "alice-pass-Word-1") == 401
        # bob's password was guessed twice from the attacker; from his own client he logs in.
        assert _login(office, "bob", "bob-pass-Word-1") == 303

        # An attacker who waits as told: each wait is twice the one before.
        refused = _post_login(attacker, "dave", "guess-again-Password")
        for name in ("erin", "frank"):
            assert refused.status_code == 429
            left = int(refused.headers["retry-after"])
            assert f"Too many login attempts: try again in {left} s." in refused.text
            time.sleep(left)
            assert _post_login(attacker, name, "guess-again-Password").status_code == 401
            checked_at.append(time.monotonic())
            refused = _post_login(attacker, name, "guess-again-Password")
            waits.append(int(refused.headers["retry-after"]))
        assert refused.status_code == 429
        assert waits == [2, 4, 8]
        gaps = [round(b - a, 1) for a, b in itertools.pairwise(checked_at)]
        assert gaps[0] > 1.5 and gaps[1] > 3.5  # the waits, less the jitter of argon2 checks

        # The lock ends after its time, and alice's right password works again.
        with hub.store.transaction() as session:
            locked_until = session.scalar(select(User.locked_until)
                                          .where(User.username == "alice"))
            locked = session.scalar(select(AuditEntry.id).where(
                AuditEntry.action == "user.locked", AuditEntry.target == "alice"))
        assert locked_until is not None and locked is not None
        time.sleep(max(0.0, (locked_until - utcnow()).total_seconds()) + 0.1)
        assert _login(office, "alice", "alice-pass-Word-1") == 303

    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("client 127.0.0.31 must wait" in m for m in warnings), warnings
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "guess-" not in logged and "alice-pass" not in logged
    assert "carol" not in logged and "ghost" not in logged
    figures.record("Security", brute_force_attempts=len(targets),
                   reached_password_check=codes.count(401), throttled=codes.count(429),
                   spray_wall_s=round(spray_s, 2), retry_after_s=waits,
                   measured_gaps_between_checked_guesses_s=gaps,
                   account_locked_after_failures=BRUTE_FORCE.lock_after_failures,
                   lock_s=BRUTE_FORCE.lock_for.total_seconds(),
                   other_client_login_during_attack="303 (bob)",
                   login_after_lock_ended="303 (alice)")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database: the store of a distributed hub."""
    name = f"b1hub_rel_security_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.fail(f"PostgreSQL is required for this test ({PG_ADMIN_URL}): {exc}")
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_throttle_holds_across_console_processes_and_parallel_guesses(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, figures: Any
) -> None:
    monkeypatch.setenv("B1HUB_HOME", str(tmp_path / "home"))
    # Two hubs with their own engines and pools on one database: two `b1hub serve` processes.
    hubs = [Hub.open(url=pg_url), Hub.open(url=pg_url)]
    try:
        settings = WebSettings(session_secret="e" * 40, login_free_attempts_per_client=4,
                               login_free_attempts_per_username=100,
                               login_first_delay=timedelta(minutes=1),
                               login_max_delay=timedelta(minutes=1))
        apps = [create_console_app(h, settings) for h in hubs]
        alternating = [TestClient(app, client=("127.0.0.41", 42000)) for app in apps]
        codes = [_post_login(alternating[i % 2], f"user{i}", "wrong-Password-1").status_code
                 for i in range(7)]
        assert codes == [401] * 5 + [429] * 2

        parallel = 12
        barrier = threading.Barrier(parallel)

        def guess(i: int) -> int:
            client = TestClient(apps[i % 2], client=("127.0.0.42", 42000 + i))
            csrf = _csrf(client)
            barrier.wait(timeout=60)
            return int(_post_login(client, f"name{i}", "wrong-Password-1", csrf).status_code)

        with ThreadPoolExecutor(parallel) as pool:
            results = list(pool.map(guess, range(parallel)))
        # Counted before the password check: all twelve at once still get only the four
        # free attempts and the one that starts the wait.
        assert sorted(results) == [401] * 5 + [429] * 7
    finally:
        for opened in hubs:
            opened.close()
    figures.record("Security", processes_sharing_the_count=2,
                   parallel_guesses=parallel,
                   parallel_reached_password_check=results.count(401))


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
API_BODIES: dict[str, dict[str, Any]] = {
    "/api/v1/connections/sap": {"url": "https://127.0.0.1:2/b1s/v2",
                                "password": "operator-Secret-9"},
    "/api/v1/connections/salesforce": {"client_secret": "operator-Secret-9"},
    "/api/v1/users": {"username": "mole", "role": "admin", "password": "mole-pass-Word-1"},
    "/api/v1/users/{user_id}": {"role": "admin", "disabled": True, "unlock": True},
    "/api/v1/users/{user_id}/tokens": {"name": "backdoor"},
}
FORMS: dict[str, list[dict[str, str]]] = {
    "/connections/{system}": [{"url": "https://127.0.0.1:2/b1s/v2",
                               "password": "operator-Secret-9"}],
    "/users": [{"username": "mole", "role": "admin", "password": "mole-pass-Word-1"}],
    "/users/{user_id}": [{"action": "role", "role": "admin"}, {"action": "disable"},
                         {"action": "unlock"},
                         {"action": "password", "password": "taken-over-Word-1"}],
}


def _rows(hub: Hub) -> dict[str, list[tuple[str, ...]]]:
    """Users, tokens, connections, features and the audit log, as stored (a token's
    last use aside: the operator's own token is used by the attempts)."""
    tables = [User.__table__, ApiToken.__table__, Connection.__table__, Feature.__table__,
              AuditEntry.__table__]
    with hub.store.transaction() as session:
        return {t.name: sorted(tuple(str(v) for k, v in row._mapping.items()
                                     if k != "last_used_at")
                               for row in session.execute(select(t)))
                for t in tables}


def test_an_operator_cannot_change_connections_or_users(hub: Hub, figures: Any) -> None:
    oper, _ = accounts.create_user(hub, "oper", Role.OPERATOR, "oper-pass-Word-1", "test")
    viewer, _ = accounts.create_user(hub, "victim", Role.VIEWER, "victim-pass-Word-1", "test")
    admin = next(u for u in accounts.list_users(hub) if u.username == "admin")
    admin_token = accounts.issue_token(hub, admin.id, "setup", "test")[1]
    oper_token = {"Authorization": f"Bearer {accounts.issue_token(hub, oper.id, 'job', 'test')[1]}"}
    app: FastAPI = create_console_app(hub, WebSettings(session_secret="f" * 40))
    with TestClient(app) as api, TestClient(app) as browser:
        seeded = api.put("/api/v1/connections/sap",
                         headers={"Authorization": f"Bearer {admin_token}"},
                         json={"url": "https://127.0.0.1:1/b1s/v2", "company_db": "SBO",
                               "username": "manager", "password": "seeded-Secret-1"})
        assert seeded.status_code == 200, seeded.text
        assert _login(browser, "oper", "oper-pass-Word-1") == 303
        csrf = _csrf(browser, "/")
        before = _rows(hub)
        tried = []
        for route in iter_route_contexts(app.routes):
            path = route.path
            if not any(part in path for part in ("/connections", "/users", "/features")):
                continue
            for method in sorted(set(route.methods or ()) & UNSAFE):
                for user_id in (viewer.id, oper.id):  # another user, and oneself
                    url = path.replace("{system}", "sap").replace("{user_id}", str(user_id))
                    if path.startswith("/api/"):
                        body = API_BODIES.get(path)
                        answers = [api.request(method, url, headers=oper_token, json=body),
                                   browser.request(method, url, json=body,
                                                   headers={"X-CSRF-Token": csrf})]
                    else:
                        answers = [browser.request(method, url, follow_redirects=False,
                                                   data={"csrf_token": csrf, **form})
                                   for form in FORMS.get(path, [{}])]
                    for answer in answers:
                        assert answer.status_code == 403, (method, url, answer.status_code)
                    tried.append(f"{method} {url}")
        assert len(tried) >= 24, tried
        assert _rows(hub) == before
        # The seeded secret is untouched: the connection still holds the admin's password.
        with hub.repos() as repos:
            stored = repos.connections.get(System.SAP)
        assert stored is not None and stored.secrets == {"password": "seeded-Secret-1"}
    figures.record("Security", operator_change_attempts_refused=len(tried))
