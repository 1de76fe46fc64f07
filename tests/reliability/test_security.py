"""Security checks not covered by tests/web (route walk, CSRF, lockout, secrets at rest,
operator limits live there): sessions across instances, no sandbox admin routes in the
console, and no secret or record payload in the hub's info-level logs during a sync."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rel_world import open_world

from b1hub.connectors.outcomes import Success
from b1hub.hub import Hub
from b1hub.store.repositories import SelectionEntry
from b1hub.store.types import InitStatus, Role, RunStatus
from b1hub.sync import api
from b1hub.web.config import WebSettings
from b1hub.web.factory import create_console_app
from b1hub.web.services import accounts

PASSWORD = "admin-pass-Word-1"
CANARY = "Canary Payload 7f3a9 GmbH"


def _login(client: TestClient) -> int:
    import re

    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return client.post("/login", data={"username": "admin", "password": PASSWORD,
                                       "csrf_token": token.group(1)},
                       follow_redirects=False).status_code


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
