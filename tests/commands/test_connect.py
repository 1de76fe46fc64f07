"""`b1hub connect`: connections stored with secrets encrypted, tested with precise messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from b1hub.hub import Hub
from b1hub.sandbox.process import free_port
from b1hub.sandbox.tls import ensure_tls
from b1hub.store.types import System
from commands.cli_helpers import assert_no_secrets, ok, ok_json, run, secrets_of


def test_from_sandbox_then_test_logs_in_to_both_and_records_the_result(
    sandbox_file: Path, sandbox_info: dict[str, Any], home: Path
) -> None:
    saved = ok("connect", "--from-sandbox", str(sandbox_file))
    assert "saved SAP connection" in saved.stdout
    assert "saved Salesforce connection" in saved.stdout
    tested = ok_json("connect", "test")
    assert [(r["system"], r["ok"]) for r in tested] == [("sap", True), ("salesforce", True)]
    shown = ok_json("connect", "show")
    assert [r["last_test_ok"] for r in shown] == [True, True]
    assert shown[0]["secrets_set"] == ["password"]
    assert shown[0]["settings"]["company_db"] == sandbox_info["service_layer"]["company_db"]
    assert set(shown[1]["secrets_set"]) >= {"client_secret", "password", "security_token"}
    for args in (["connect", "show"], ["connect", "show", "--json"], ["connect", "test"],
                 ["connect", "test", "--json"]):
        assert_no_secrets(ok(*args), sandbox_info)
    raw = b"".join(p.read_bytes() for p in home.glob("b1hub.db*"))
    assert sandbox_info["service_layer"]["password"].encode() not in raw
    assert sandbox_info["salesforce"]["client_secret"].encode() not in raw


def test_wrong_sap_password_is_named_and_recorded(
    connected: Path, sandbox_info: dict[str, Any]
) -> None:
    sl = sandbox_info["service_layer"]
    ok("connect", "sap", "--url", sl["url"], "--company-db", sl["company_db"],
       "--username", sl["username"], "--password", "not-the-password",
       "--ca-cert", sl["ca_cert"])
    result = run("connect", "test")
    assert result.exit_code == 1
    sap_line = next(line for line in result.stdout.splitlines() if line.startswith("sap:"))
    assert "FAILED" in sap_line
    assert "login refused" in sap_line and "check the user, password" in sap_line
    assert "salesforce: ok" in result.stdout
    assert "not-the-password" not in result.output
    shown = ok_json("connect", "show")
    assert shown[0]["last_test_ok"] is False


def test_password_from_environment_variable_and_from_hidden_prompt(
    sandbox_info: dict[str, Any]
) -> None:
    sl = sandbox_info["service_layer"]
    base = ["connect", "sap", "--url", sl["url"], "--company-db", sl["company_db"],
            "--username", sl["username"], "--ca-cert", sl["ca_cert"]]
    ok(*base, "--password-env", "SAP_PW", env={"SAP_PW": sl["password"]})
    assert sap_test()["ok"] is True
    prompted = ok(*base, input=sl["password"] + "\n")
    assert sl["password"] not in prompted.output
    assert sap_test()["ok"] is True
    missing = run(*base, "--password-env", "B1HUB_TEST_UNSET_VARIABLE")
    assert missing.exit_code == 1
    assert "B1HUB_TEST_UNSET_VARIABLE" in missing.stderr


def sap_test() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(run("connect", "test", "--json").stdout)[0]
    return result


def test_wrong_salesforce_client_secret_is_named(
    connected: Path, sandbox_info: dict[str, Any]
) -> None:
    sf = sandbox_info["salesforce"]
    ok("connect", "salesforce", "--instance-url", sf["instance_url"], "--auth", "password",
       "--client-id", sf["client_id"], "--client-secret", "wrong-secret",
       "--username", sf["username"], "--password", sf["password"],
       "--security-token", sf["security_token"], "--ca-cert", sf["ca_cert"])
    result = run("connect", "test", "--json")
    assert result.exit_code == 1
    sap, salesforce = json.loads(result.stdout)
    assert sap["ok"] is True and salesforce["ok"] is False
    assert "refused the password login" in salesforce["message"]
    assert "invalid_client" in salesforce["message"]
    assert "wrong-secret" not in result.output


def test_unreachable_host_says_nothing_listens(sandbox_info: dict[str, Any]) -> None:
    sl = sandbox_info["service_layer"]
    port = free_port()
    ok("connect", "sap", "--url", f"https://127.0.0.1:{port}/b1s/v2", "--company-db", "X",
       "--username", "u", "--password", "p", "--ca-cert", sl["ca_cert"])
    sap = sap_test()
    assert sap["ok"] is False
    assert f"connection refused at 127.0.0.1:{port}: nothing listens there" in sap["message"]


def test_certificate_from_another_ca_is_not_trusted(
    sandbox_info: dict[str, Any], tmp_path: Path
) -> None:
    other_ca = ensure_tls(tmp_path / "other-ca").ca_cert
    sl = sandbox_info["service_layer"]
    ok("connect", "sap", "--url", sl["url"], "--company-db", sl["company_db"],
       "--username", sl["username"], "--password", sl["password"], "--ca-cert", str(other_ca))
    sap = sap_test()
    assert sap["ok"] is False
    assert "TLS certificate not trusted" in sap["message"]
    assert str(other_ca) in sap["message"] and "--ca-cert" in sap["message"]


def test_salesforce_needs_username_for_password_flow_and_key_for_jwt() -> None:
    no_user = run("connect", "salesforce", "--instance-url", "https://x.example.com",
                  "--client-id", "c", "--auth", "password", "--client-secret", "s")
    assert no_user.exit_code == 1 and "needs --username" in no_user.stderr
    no_key = run("connect", "salesforce", "--instance-url", "https://x.example.com",
                 "--client-id", "c", "--auth", "jwt_bearer", "--username", "u")
    assert no_key.exit_code == 1 and "needs --jwt-key" in no_key.stderr
    bad_flow = run("connect", "salesforce", "--instance-url", "https://x.example.com",
                   "--client-id", "c", "--auth", "saml")
    assert bad_flow.exit_code == 1 and "--auth must be one of" in bad_flow.stderr


def test_jwt_bearer_connection_works(sandbox_info: dict[str, Any]) -> None:
    sf = sandbox_info["salesforce"]
    ok("connect", "salesforce", "--instance-url", sf["instance_url"],
       "--login-url", sf["login_url"], "--auth", "jwt_bearer", "--client-id", sf["client_id"],
       "--username", sf["username"], "--jwt-key", sf["jwt_private_key"],
       "--ca-cert", sf["ca_cert"])
    result = run("connect", "test", "--json")
    salesforce = json.loads(result.stdout)[1]
    assert salesforce == {"system": "salesforce", "ok": True,
                          "message": f"logged in (jwt_bearer) to {sf['instance_url']}"}


def test_test_without_connections_says_what_to_run() -> None:
    result = run("connect", "test")
    assert result.exit_code == 1
    assert "sap: FAILED — not configured — run `b1hub connect sap ...`" in result.stdout


def test_integrations_keep_their_own_connections(
    sandbox_file: Path, sandbox_info: dict[str, Any]
) -> None:
    ok("connect", "--from-sandbox", str(sandbox_file), "--integration", "acme")
    assert ok_json("connect", "show", "--integration", "other") == []
    assert len(ok_json("connect", "show", "--integration", "acme")) == 2
    assert ok_json("connect", "show") == []
    hub = Hub.open("acme")
    try:
        with hub.repos() as repos:
            assert repos.connections.get(System.SAP) is not None
            details = json.dumps([e.details for e in repos.audit.recent(
                action="connection.save")])
        assert "SBODEMOUS" in details
        for secret in secrets_of(sandbox_info):
            assert secret not in details
    finally:
        hub.close()
