"""`b1hub activate`: creates the hub's SAP UDFs once, checks Salesforce, switches the
connector on. Runs on its own sandbox so the UDF counts are this module's alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from b1hub import activation
from b1hub.hub import Hub
from b1hub.sandbox.process import SandboxProcess, free_port
from b1hub.store.repositories import SALESFORCE_CONNECTOR
from commands.cli_helpers import ServiceLayer, assert_no_secrets, ok, ok_json, run

HUB_UDFS = ["B1H_SFID", "B1H_SYNCED", "B1H_STATUS"]


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(tmp_path_factory.mktemp("activate-sandbox")) as proc:
        yield proc


@pytest.fixture
def sap(own_sandbox: SandboxProcess) -> Iterator[ServiceLayer]:
    client = ServiceLayer(own_sandbox.info)
    yield client
    client.close()


@pytest.fixture
def connected_own(own_sandbox: SandboxProcess) -> dict[str, Any]:
    ok("connect", "--from-sandbox", str(own_sandbox.data_dir / "sandbox.json"))
    return own_sandbox.info


def hub_udfs(sap: ServiceLayer) -> list[tuple[str, str, int, str]]:
    rows = sap.all("UserFieldsMD", **{"$filter": "TableName eq 'OCRD' or TableName eq 'OITM' "
                                                 "or TableName eq 'OOPR'"})
    return sorted((r["TableName"], r["Name"], r["Size"], r["Description"]) for r in rows
                  if r["Name"] in HUB_UDFS)


def connector_active() -> bool:
    hub = Hub.open("default")
    try:
        with hub.repos() as repos:
            return repos.features.is_active(SALESFORCE_CONNECTOR)
    finally:
        hub.close()


def test_missing_external_id_is_refused_by_name_before_anything_changes(
    connected_own: dict[str, Any], sap: ServiceLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sap.all("UserFieldsMD")
    required = [*activation.required_external_ids(), ("Account", "SAP_Legacy_Id__c"),
                ("Account", "Name")]
    monkeypatch.setattr(activation, "required_external_ids", lambda: required)
    result = run("activate")
    assert result.exit_code == 1
    assert "Account.SAP_Legacy_Id__c (field does not exist)" in result.stderr
    assert "Account.Name (exists but is not marked External ID)" in result.stderr
    assert "SAP_CardCode__c" not in result.stderr
    assert sap.all("UserFieldsMD") == before
    assert connector_active() is False
    assert ok_json("settings", "show")["default_customer_group"] is None


def test_activate_creates_udfs_seeds_settings_and_is_idempotent(
    connected_own: dict[str, Any], sap: ServiceLayer
) -> None:
    first = ok_json("activate")
    tables = ("OCRD", "OITM", "OOPR")
    assert first["udfs_created"] == [f"{t}.U_{n}" for t in tables for n in HUB_UDFS]
    assert hub_udfs(sap) == sorted(
        (t, n, s, d) for t in tables for n, s, d in (
            ("B1H_SFID", 18, "Salesforce Id"), ("B1H_SYNCED", 25, "Last sync (UTC)"),
            ("B1H_STATUS", 254, "Sync status")))
    partner = sap.http.get("BusinessPartners('C000001')").json()
    assert {"U_B1H_SFID", "U_B1H_SYNCED", "U_B1H_STATUS"} <= set(partner)
    item = sap.http.get("Items('A00001')", params={"$select": "ItemCode,U_B1H_SFID"})
    assert item.status_code == 200 and item.json()["U_B1H_SFID"] is None
    assert connector_active() is True
    settings = ok_json("settings", "show")
    assert settings["account_types"] == ["Customer - Direct", "Customer - Channel"]
    assert settings["default_customer_group"] == 100
    assert first["settings_seeded"]["default_customer_group"] == 100

    count = len(sap.all("UserFieldsMD"))
    ok("settings", "set", "default_customer_group", "103")
    again = ok_json("activate")
    assert again["udfs_created"] == []
    assert len(again["udfs_existing"]) == 9
    assert len(sap.all("UserFieldsMD")) == count
    assert ok_json("settings", "show")["default_customer_group"] == 103
    assert "default_customer_group" not in again["settings_seeded"]

    hub = Hub.open("default")
    try:
        with hub.repos() as repos:
            entries = repos.audit.recent(action="feature.activate")
    finally:
        hub.close()
    assert len(entries) == 2
    assert entries[1].details["udfs_created"] == first["udfs_created"]


def test_activate_text_output_has_no_secrets(connected_own: dict[str, Any]) -> None:
    result = ok("activate")
    assert "Salesforce connector activated" in result.stdout
    assert_no_secrets(result, connected_own)


def test_activate_refuses_when_a_connection_fails(
    connected_own: dict[str, Any], tmp_path: Path
) -> None:
    sl = connected_own["service_layer"]
    ok("connect", "sap", "--url", f"https://127.0.0.1:{free_port()}/b1s/v2",
       "--company-db", sl["company_db"], "--username", sl["username"],
       "--password", sl["password"], "--ca-cert", sl["ca_cert"])
    result = run("activate")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: sap connection failed: Service Layer at https://")
    assert "connection refused" in result.stderr
    assert connector_active() is False


def test_activate_without_connections_says_connect_first() -> None:
    result = run("activate")
    assert result.exit_code == 1
    assert "no sap connection for integration 'default'; run `b1hub connect` first" in (
        result.stderr)
    assert "Traceback" not in result.output


def test_activation_is_per_integration(
    connected_own: dict[str, Any], own_sandbox: SandboxProcess
) -> None:
    ok("activate")
    ok("connect", "--from-sandbox", str(own_sandbox.data_dir / "sandbox.json"),
       "--integration", "second")
    hub = Hub.open("second")
    try:
        with hub.repos() as repos:
            assert repos.features.is_active(SALESFORCE_CONNECTOR) is False
    finally:
        hub.close()
