"""Field mappings, UDF integration, value maps and the Master Data Mapping Tool through the
console and the API, against a sandbox of their own (UDFs and custom fields are created in
it): refusals come back next to the form with the reason, every change is versioned and
audited, an uploaded template is reported row by row and its valid rows can be linked."""

from __future__ import annotations

import csv
import io
import re
import ssl
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from b1hub.connectors.salesforce.settings import SalesforceConnection
from b1hub.connectors.service_layer.settings import ServiceLayerConnection
from b1hub.hub import Hub
from b1hub.sandbox.process import SandboxProcess
from b1hub.store.types import Role

from .support import issue_token


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory, hub: Hub) -> Iterator[SandboxProcess]:
    """Its own sandbox with one UDF and two custom fields, connected to the module's hub."""
    with SandboxProcess(tmp_path_factory.mktemp("mapping-sandbox")) as proc:
        info = proc.info
        file = Path(proc.data_dir) / "sandbox.json"
        hub.save_connection(ServiceLayerConnection.from_sandbox_file(file))
        hub.save_connection(SalesforceConnection.from_sandbox_file(file))
        sl, sf = info["service_layer"], info["salesforce"]
        with httpx.Client(base_url=sl["url"] + "/", timeout=30,
                          verify=ssl.create_default_context(cafile=sl["ca_cert"])) as sap:
            login = sap.post("Login", json={"CompanyDB": sl["company_db"],
                                            "UserName": sl["username"],
                                            "Password": sl["password"]})
            assert login.status_code == 200, login.text
            made = sap.post("UserFieldsMD", json={"Name": "Region", "Type": "db_Alpha",
                                                  "Size": 50, "TableName": "OCRD"})
            assert made.status_code == 201, made.text
        with httpx.Client(base_url=sf["instance_url"], timeout=30,
                          verify=ssl.create_default_context(cafile=sf["ca_cert"])) as admin:
            for name, length in (("Region__c", 50), ("Region_Short__c", 10)):
                made = admin.post("/_sandbox/fields", json={
                    "sobject": "Account", "name": name, "type": "string", "length": length})
                assert made.status_code == 201, made.text
        yield proc


@pytest.fixture(scope="module")
def admin(clients: dict[Role, tuple[TestClient, str]],
          sandbox: SandboxProcess) -> tuple[TestClient, str]:
    return clients[Role.ADMIN]


@pytest.fixture(scope="module")
def api(app: FastAPI, hub: Hub) -> Iterator[TestClient]:
    with TestClient(app, headers={"Authorization": f"Bearer {issue_token(hub, Role.ADMIN)}"}
                    ) as client:
        yield client


def error_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"no #{element_id} on the page"
    return match.group(1).replace("&#39;", "'")


def audit_actions(hub: Hub) -> list[str]:
    with hub.repos() as repos:
        return [e.action for e in repos.audit.recent(200)]


def test_udf_refused_with_reason_then_mapped_and_unmapped(
    admin: tuple[TestClient, str], api: TestClient, hub: Hub
) -> None:
    client, csrf = admin
    retrieved = client.post("/udfs/retrieve", data={"csrf_token": csrf, "object": "account"},
                            follow_redirects=False)
    assert (retrieved.status_code, retrieved.headers["location"]) == (303, "/udfs/account")
    page = client.get("/udfs/account").text
    assert "retrieved 1 SAP user-defined field(s) and " in page
    assert '<tr data-field="U_Region"><td>OCRD</td><td>U_Region</td>' in page
    assert '<tr data-field="Region_Short__c"><td>Account</td>' in page

    refused = client.post("/udfs/account/map", data={
        "csrf_token": csrf, "udf": "Region", "field": "Region_Short__c"})
    assert refused.status_code == 400
    assert error_of(refused.text, "udf-error") == (
        "incompatible: SAP U_Region (text 50) to Salesforce Region_Short__c (text 10): "
        "text 50 to text 10 would cut values")
    assert 'value="Region_Short__c"' in refused.text  # what the user typed is kept
    assert api.get("/api/v1/mappings/account").json()["version"] == 0

    mapped = client.post("/udfs/account/map", data={
        "csrf_token": csrf, "udf": "Region", "field": "Region__c"}, follow_redirects=False)
    assert mapped.status_code == 303
    assert '<tr data-sap="U_Region"><td>U_Region</td><td>Region__c</td><td>both</td>' in \
        client.get("/udfs/account").text
    table = api.get("/api/v1/mappings/account").json()
    assert table["version"] == 1 and table["by"] == "admin"
    row = next(f for f in table["fields"] if f["sap"] == "U_Region")
    assert row == {"name": "U_Region", "sap": "U_Region", "salesforce": "Region__c",
                   "direction": "both", "value_map": None, "transform": "text",
                   "required": False, "udf": True, "source": "user"}
    listed = api.get("/api/v1/custom-fields", params={"object": "account"}).json()
    mine = {"U_Region", "Region__c", "Region_Short__c"}
    assert {(f["system"], f["name"]): f["mapped"] for f in listed if f["name"] in mine} == {
        ("sap", "U_Region"): ["account: U_Region <-> Region__c"],
        ("salesforce", "Region__c"): ["account: U_Region <-> Region__c"],
        ("salesforce", "Region_Short__c"): []}

    refused_api = api.post("/api/v1/mappings/account/udfs",
                           json={"udf": "U_Region", "field": "Region_Short__c"})
    assert refused_api.status_code == 400
    assert refused_api.json()["detail"].endswith("text 50 to text 10 would cut values")

    unmapped = client.post("/mappings/account/unmap", data={
        "csrf_token": csrf, "sap": "U_Region", "from": "udfs"}, follow_redirects=False)
    assert (unmapped.status_code, unmapped.headers["location"]) == (303, "/udfs/account")
    table = api.get("/api/v1/mappings/account").json()
    assert table["version"] == 2 and not [f for f in table["fields"] if f["sap"] == "U_Region"]
    actions = audit_actions(hub)
    assert actions.count("mapping.set") >= 1 and "mapping.unmap" in actions


def test_field_row_validated_inline_reset_and_history(
    admin: tuple[TestClient, str], api: TestClient
) -> None:
    client, csrf = admin
    before = api.get("/api/v1/mappings/product").json()
    refused = client.post("/mappings/product", data={
        "csrf_token": csrf, "sap": "NoSuchField", "salesforce": "Name"})
    assert refused.status_code == 400
    assert error_of(refused.text, "mapping-error") == \
        "SAP Items has no field 'NoSuchField'"
    assert 'value="NoSuchField"' in refused.text
    refused = client.post("/mappings/product", data={
        "csrf_token": csrf, "sap": "ItemName", "salesforce": "Name",
        "direction": "salesforce_to_sap"})
    assert refused.status_code == 400
    assert "product syncs sap_to_salesforce only" in error_of(refused.text, "mapping-error")

    saved = client.post("/mappings/product", data={
        "csrf_token": csrf, "sap": "ForeignName", "salesforce": "Description",
        "required": "on"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = api.get("/api/v1/mappings/product").json()
    assert after["version"] == before["version"] + 1
    row = next(f for f in after["fields"] if f["sap"] == "ForeignName")
    assert (row["salesforce"], row["required"], row["source"]) == ("Description", True, "user")

    reset = client.post("/mappings/product/reset", data={"csrf_token": csrf},
                        follow_redirects=False)
    assert reset.status_code == 303
    assert api.get("/api/v1/mappings/product").json()["fields"] == before["fields"]
    history = api.get("/api/v1/mappings/product/history").json()
    assert [h["version"] for h in history][:2] == [after["version"] + 1, after["version"]]
    assert history[0]["fields"] == [] and history[1]["fields"][-1]["sap"] == "ForeignName"
    page = client.get("/mappings/product").text
    assert f'<tr><td>{after["version"] + 1}</td><td>admin</td>' in page

    put = api.put("/api/v1/mappings/product/fields", json={"sap": "Nope", "salesforce": "Name"})
    assert (put.status_code, put.json()) == (400, {"detail": "SAP Items has no field 'Nope'"})
    assert api.get("/api/v1/mappings/nothing").status_code == 404


def test_value_map_is_extended(admin: tuple[TestClient, str], api: TestClient) -> None:
    client, csrf = admin
    added = client.post("/value-maps", data={"csrf_token": csrf, "name": "countries",
                                             "pairs": "LU=Luxembourg\n\nMT = Malta"},
                        follow_redirects=False)
    assert added.status_code == 303
    countries = api.get("/api/v1/value-maps/countries").json()
    assert countries["pairs"][:2] == [{"sap": "LU", "salesforce": "Luxembourg"},
                                      {"sap": "MT", "salesforce": "Malta"}]
    assert "value map countries: 2 pair(s) added" in client.get("/value-maps").text

    bad = client.post("/value-maps", data={"csrf_token": csrf, "name": "countries",
                                           "pairs": "just text"}, follow_redirects=False)
    assert bad.status_code == 303
    assert "&#39;just text&#39; is not SAP=SALESFORCE" in client.get("/value-maps").text
    created = api.post("/api/v1/value-maps/delivery_terms",
                       json={"pairs": [{"sap": "1", "salesforce": "Ex Works"}]})
    assert created.status_code == 200
    assert created.json() == {"name": "delivery_terms",
                              "pairs": [{"sap": "1", "salesforce": "Ex Works"}]}
    refused = api.post("/api/v1/value-maps/Bad-Name",
                       json={"pairs": [{"sap": "1", "salesforce": "x"}]})
    assert refused.status_code == 400
    assert api.get("/api/v1/value-maps/none_such").status_code == 404


def _partners(sandbox: SandboxProcess, hub: Hub) -> dict[str, str]:
    """Customer name -> CardCode, for names that are unique among customers."""
    with hub.service_layer() as sl:
        rows = [r for page in sl.iter_pages("BusinessPartners",
                                            select=["CardCode", "CardName", "CardType"])
                if isinstance(page, list) for r in page]
    names = Counter(r["CardName"] for r in rows)
    return {r["CardName"]: r["CardCode"] for r in rows
            if r["CardType"] == "cCustomer" and names[r["CardName"]] == 1}


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def test_master_data_mapping_tool(
    admin: tuple[TestClient, str], api: TestClient, hub: Hub, sandbox: SandboxProcess
) -> None:
    client, csrf = admin
    xlsx = client.get("/link-tool/template/account", params={"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert xlsx.headers["content-disposition"] == \
        'attachment; filename="b1hub-account-links.xlsx"'
    template = client.get("/link-tool/template/customers", params={"format": "csv"})
    assert template.headers["content-type"] == "text/csv; charset=utf-8"
    header, *rows = list(csv.reader(io.StringIO(template.text)))
    assert header == ["Object", "Salesforce Id", "Name", "E-mail", "Phone", "Code", "CardCode"]
    by_name = _partners(sandbox, hub)
    pairable = [r for r in rows if r[2] in by_name and Counter(x[2] for x in rows)[r[2]] == 1]
    assert len(pairable) >= 4
    good = [[*r[:-1], by_name[r[2]]] for r in pairable[:3]]
    bad = [*pairable[3][:-1], "NOPE"]
    content = _csv(header, [*good, bad, rows[-1]])

    uploaded = client.post("/link-tool/upload", data={"csrf_token": csrf},
                           files={"file": ("accounts.csv", content, "text/csv")})
    assert uploaded.status_code == 200
    page = uploaded.text
    assert 'data-applied="no"' in page
    assert error_of(page, "count-invalid") == "1" and error_of(page, "count-valid") == "3"
    assert "no SAP business partner NOPE" in page
    with hub.repos() as repos:
        assert repos.links.count("account") == 0
    stash = re.search(r'name="upload" value="([^"]+)"', page)
    assert stash, "no 'link the valid rows only' form"
    applied = client.post("/link-tool/apply", data={"csrf_token": csrf,
                                                    "upload": stash.group(1)})
    assert applied.status_code == 200
    assert 'data-applied="yes"' in applied.text and error_of(applied.text, "count-linked") == "3"
    with hub.repos() as repos:
        links = repos.links.by_sf_ids("account", [r[1] for r in good])
    assert {sf_id: link.sap_key for sf_id, link in links.items()} == {r[1]: r[-1] for r in good}
    again = client.post("/link-tool/apply", data={"csrf_token": csrf, "upload": stash.group(1)},
                        follow_redirects=False)
    assert again.status_code == 303  # used up: refused, back to the tool with the reason

    fixed = [*pairable[3][:-1], by_name[pairable[3][2]]]
    report = api.post("/api/v1/link-uploads",
                      files={"file": ("fixed.csv", _csv(header, [fixed]), "text/csv")}).json()
    assert report == {"object": "account", "applied": True, "linked": 1, "unchanged": 0,
                      "skipped": 0, "invalid": 0, "valid": 0,
                      "rows": [{"row": 2, "salesforce_id": fixed[1], "sap_key": fixed[-1],
                                "status": "linked", "problems": []}]}
    wrong: dict[str, Any] = {"file": ("notes.txt", b"hello", "text/plain")}
    assert api.post("/api/v1/link-uploads", files=wrong).status_code == 400
    assert "link.upload" in audit_actions(hub)
