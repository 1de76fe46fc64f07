"""No configured secret appears in clear in the database file, the logs, or any answer of
the API or the console, even after the secrets were used to test both connections."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from b1hub.hub import Hub
from b1hub.store.types import Role

from .support import issue_token

SAMPLE = {"object_name": "account", "system": "sap", "kind": "customers", "run_id": "1",
          "outcome_id": "1", "user_id": "1", "token_id": "1", "number": "1",
          "key": "C000001", "conflict_id": "1", "map_name": "countries"}


def _get_routes(app: FastAPI) -> list[str]:
    paths = []
    for route in iter_route_contexts(app.routes):
        if "GET" in (route.methods or ()) and route.path not in ("/static",):
            paths.append(re.sub(r"{(\w+)}", lambda m: SAMPLE[m.group(1)], route.path))
    return paths


def test_no_secret_in_clear_anywhere(
    app: FastAPI, hub: Hub, sandbox_info: dict[str, Any],
    clients: dict[Role, tuple[TestClient, str]], caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    sap, sf = sandbox_info["service_layer"], sandbox_info["salesforce"]
    secrets = [sap["password"], sf["client_secret"], sf["password"], sf["security_token"]]
    assert all(len(s) >= 6 for s in secrets)
    api = TestClient(app)
    headers = {"Authorization": f"Bearer {issue_token(hub, Role.ADMIN)}"}
    bodies: list[str] = []

    def call(method: str, path: str, **kwargs: Any) -> Any:
        response = api.request(method, path, headers=headers, **kwargs)
        bodies.append(response.text)
        assert response.status_code < 500, (path, response.text)
        return response

    saved = call("PUT", "/api/v1/connections/sap", json={
        "url": sap["url"], "company_db": sap["company_db"], "username": sap["username"],
        "password": sap["password"], "ca_cert": sap["ca_cert"]}).json()
    assert saved["secrets_set"] == ["password"]
    call("PUT", "/api/v1/connections/salesforce", json={
        "instance_url": sf["instance_url"], "login_url": sf["login_url"],
        "auth_flow": "password", "client_id": sf["client_id"],
        "client_secret": sf["client_secret"], "username": sf["username"],
        "password": sf["password"], "security_token": sf["security_token"],
        "ca_cert": sf["ca_cert"]})
    # The stored secrets really work: both systems accept them.
    for system in ("sap", "salesforce"):
        tested = call("POST", f"/api/v1/connections/{system}/test").json()
        assert tested["last_test_ok"] is True, tested
    # Changing a URL without resending the password keeps the password.
    call("PUT", "/api/v1/connections/sap", json={"username": sap["username"]})
    assert call("POST", "/api/v1/connections/sap/test").json()["last_test_ok"] is True

    for path in _get_routes(app):
        if path.startswith("/api/") or path == "/metrics":
            call("GET", path)
    browser, _ = clients[Role.ADMIN]
    for path in _get_routes(app):
        if not path.startswith("/api/") and path not in ("/metrics", "/login"):
            response = browser.get(path)
            assert response.status_code < 500, path
            bodies.append(response.text)
    bodies.append(call("GET", "/api/v1/audit").text)

    db_path = Path(hub.store.engine.url.database or "")
    files = [p for p in db_path.parent.glob(db_path.name + "*") if p.is_file()]
    assert db_path in files
    stored = b"".join(p.read_bytes() for p in files)
    out, err = capfd.readouterr()
    logs = "\n".join(r.getMessage() for r in caplog.records) + out + err
    assert len(bodies) > 40
    for secret in secrets:
        assert secret.encode() not in stored, "secret in the database file"
        assert secret not in logs, "secret in the logs"
        for body in bodies:
            assert secret not in body, "secret in an answer"
