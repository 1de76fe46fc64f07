"""End to end through the CLI on a fresh sandbox: connect, activate, select, init, sync,
runs, errors (with a record Salesforce rejects, fixed and retried) and link show."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from b1hub.hub import Hub
from b1hub.runner.locks import object_lock
from b1hub.sandbox.process import SandboxProcess
from commands.cli_helpers import ServiceLayer, assert_no_secrets, ok, ok_json, run

CUSTOMERS = ["C000002", "C000003", "C000005"]
ITEMS = ["A00002", "A00003"]


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(tmp_path_factory.mktemp("e2e-sandbox")) as proc:
        yield proc


def salesforce_query(info: dict[str, Any], soql: str) -> list[dict[str, Any]]:
    sf = info["salesforce"]
    verify = ssl.create_default_context(cafile=sf["ca_cert"])
    with httpx.Client(base_url=sf["instance_url"], verify=verify, timeout=30) as http:
        token = http.post("/services/oauth2/token", data={
            "grant_type": "password", "client_id": sf["client_id"],
            "client_secret": sf["client_secret"], "username": sf["username"],
            "password": sf["password"] + sf["security_token"]}).json()["access_token"]
        r = http.get(f"/services/data/v{sf['api_version']}/query", params={"q": soql},
                     headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        records: list[dict[str, Any]] = r.json()["records"]
        return records


def test_connect_activate_select_init_sync_runs_errors_retry(
    own_sandbox: SandboxProcess
) -> None:
    info = own_sandbox.info
    ok("connect", "--from-sandbox", str(own_sandbox.data_dir / "sandbox.json"))

    assert ok_json("status")["active"] is False
    not_active = run("sync", "account")
    assert not_active.exit_code == 1
    assert "the Salesforce connector is not activated; run `b1hub activate`" in (
        not_active.stderr)

    ok("activate")
    ok("select", "customers", "--code-from", "C000001", "--code-to", "C000009",
       "--codes", ",".join(CUSTOMERS), "--account-type", "Customer - Direct")
    ok("select", "items", "--code-from", "A00001", "--code-to", "A00009",
       "--codes", ",".join(ITEMS))

    not_initialized = run("sync", "account")
    assert not_initialized.exit_code == 1
    assert "account is not initialized; run `b1hub init account`" in not_initialized.stderr

    before = ok_json("status")
    assert before["active"] is True
    assert [(o["object"], o["init_status"], o["marked"]) for o in before["objects"]
            if o["object"] in ("account", "product")] == [
        ("account", "not_started", 3), ("product", "not_started", 2)]

    inits = ok_json("init", "all")
    assert [(i["object"], i["status"]) for i in inits] == [
        ("account", "done"), ("product", "done"), ("contact", "done"), ("lead", "done")]
    after = {o["object"]: o for o in ok_json("status")["objects"]}
    for init in inits:
        assert after[init["object"]]["init_status"] == "done"
        assert (after[init["object"]]["linked"], after[init["object"]]["created"]) == (
            init["linked"], init["created"])
    accounts = {r["SAP_CardCode__c"]: r for r in salesforce_query(
        info, "SELECT Id, SAP_CardCode__c FROM Account WHERE SAP_CardCode__c IN ("
        + ",".join(f"'{c}'" for c in CUSTOMERS) + ")")}
    assert sorted(accounts) == CUSTOMERS

    sap = ServiceLayer(info)
    try:
        bad = sap.http.patch("BusinessPartners('C000003')",
                             json={"EmailAddress": "not-an-address@"})
        assert bad.status_code == 204, bad.text
        synced = run("sync", "account", "--json")
        assert synced.exit_code == 0, synced.output
        summary = ok_json("runs", "--object", "account", "--limit", "1")[0]
        assert summary["failed"] == 1

        errors = ok_json("errors", "--object", "account")
        assert len(errors) == 1
        error = errors[0]
        assert error["sap_key"] == "C000003"
        assert error["code"] == "INVALID_EMAIL_ADDRESS"
        assert "C000003" in error["message"] and "Email__c" in error["message"]

        fixed = sap.http.patch("BusinessPartners('C000003')",
                               json={"EmailAddress": "orders@example.com"})
        assert fixed.status_code == 204, fixed.text
        retried = ok_json("errors", "--retry", "all")
        assert sum(r["failed"] for r in retried) == 0
        assert ok_json("errors") == []
    finally:
        sap.close()
    emails = salesforce_query(
        info, "SELECT Email__c FROM Account WHERE SAP_CardCode__c = 'C000003'")
    assert emails == [{"attributes": emails[0]["attributes"], "Email__c": "orders@example.com"}]

    ok_json("sync", "all")  # first run of the objects that need no initialization
    quiet = ok_json("sync", "all")
    assert {"account", "product"} <= {s["object"] for s in quiet}
    assert all(s["status"] == "succeeded" for s in quiet), quiet
    assert all(s["created"] == s["updated"] == s["failed"] == 0 for s in quiet), [
        (s["object"], s["created"], s["updated"], s["failed"]) for s in quiet]

    link = ok_json("link", "show", "account", "C000003")
    assert link["link"]["sf_id"] == accounts["C000003"]["Id"]
    assert link["history"][-1]["status"] == "succeeded"
    assert any(h["status"] == "failed" for h in link["history"])
    assert ok_json("link", "show", "account", accounts["C000003"]["Id"]) == link

    text = ok("sync", "all", "--no-progress")
    assert "account: run" in text.stdout and "created 0" in text.stdout
    for result in (text, ok("runs"), ok("connect", "show")):
        assert_no_secrets(result, info)


def test_sync_of_a_busy_object_says_it_is_running(own_sandbox: SandboxProcess) -> None:
    ok("connect", "--from-sandbox", str(own_sandbox.data_dir / "sandbox.json"))
    ok("activate")
    ok("init", "product")
    hub = Hub.open("default")
    try:
        with object_lock(hub, "product", run_id=None):
            busy = run("sync", "items")
    finally:
        hub.close()
    assert busy.exit_code == 1
    assert busy.stderr.startswith("error: product is already running")
    assert "b1hub runs" in busy.stderr


def test_unknown_or_not_yet_synced_objects_are_refused() -> None:
    unknown = run("sync", "invoice")
    assert unknown.exit_code == 1 and "unknown object 'invoice'" in unknown.stderr
    plural = run("init", "invoices")
    assert plural.exit_code == 1 and "unknown object 'invoices'" in plural.stderr
