"""The Master Data Mapping Tool through the CLI on a medium sandbox: a template of 1,000
filled rows with 20 bad rows of each kind is refused row by row; the fixed file links
exactly its rows, and the next sync creates no duplicates for them."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from b1hub.hub import Hub
from b1hub.sandbox.process import SandboxProcess
from b1hub.store.repositories import SelectionEntry
from commands.cli_helpers import ServiceLayer, ok, ok_json, run

GOOD = 880
BAD = 20


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(tmp_path_factory.mktemp("template-sandbox"), size="medium") as proc:
        yield proc


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


def read_xlsx(path: Path) -> tuple[list[str], list[list[Any]]]:
    sheet = load_workbook(path).worksheets[0]
    table = [["" if v is None else v for v in r] for r in sheet.iter_rows(values_only=True)]
    return [str(h) for h in table[0]], [list(r) for r in table[1:]]


def sap_partners(sap: ServiceLayer) -> list[dict[str, Any]]:
    return sap.all("BusinessPartners", **{"$select": "CardCode,CardName,CardType"})


def sf_accounts(hub: Hub) -> list[dict[str, Any]]:
    with hub.salesforce() as sf:
        return [r for page in sf.query("SELECT Id, Name, SAP_CardCode__c FROM Account",
                                       page_size=2000) if isinstance(page, list) for r in page]


def test_template_upload_rejects_bad_rows_then_links_exactly_the_fixed_file(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    ok("connect", "--from-sandbox", str(sandbox.data_dir / "sandbox.json"))
    ok("activate")
    sap = ServiceLayer(sandbox.info)
    try:
        partners = sap_partners(sap)
        items = [r["ItemCode"] for r in sap.all("Items", **{"$select": "ItemCode",
                                                            "$top": "10"})]
    finally:
        sap.close()
    template = tmp_path / "accounts.xlsx"
    ok("link", "template", "account", "--out", str(template))
    header, rows = read_xlsx(template)
    assert header == ["Object", "Salesforce Id", "Name", "E-mail", "Phone", "Code", "CardCode"]
    assert all(r[0] == "account" and r[-1] == "" for r in rows)
    # Pair every account with the customer of the same name, where both names are unique.
    customers = Counter(p["CardName"] for p in partners if p["CardType"] == "cCustomer")
    by_name = {p["CardName"]: p["CardCode"] for p in partners if p["CardType"] == "cCustomer"}
    names = Counter(r[2] for r in rows)
    pairable = [i for i, r in enumerate(rows) if names[r[2]] == 1 and customers[r[2]] == 1]
    assert len(pairable) >= GOOD + 6 * BAD + 2 * BAD
    leads = [p["CardCode"] for p in partners if p["CardType"] == "cLid"]
    hub = Hub.open()

    # 20 links made beforehand (a first, small upload) for the "already linked" rows.
    pre, rest = pairable[:BAD], pairable[BAD:]
    first = tmp_path / "first.csv"
    first.write_text("Object,Salesforce Id,CardCode\n" + "".join(
        f"account,{rows[i][1]},{by_name[rows[i][2]]}\n" for i in pre))
    assert ok_json("link", "upload", str(first))["linked"] == BAD

    filled = [list(r) for r in rows]
    good = rest[:GOOD]
    bad = {kind: rest[GOOD + n * BAD: GOOD + (n + 1) * BAD] for n, kind in enumerate(
        ("unknown_sap_key", "sap_key_linked", "unknown_salesforce_id",
         "salesforce_id_linked", "type_mismatch", "duplicate_in_file"))}
    spare = rest[GOOD + 6 * BAD:]
    for i in good:
        filled[i][-1] = by_name[rows[i][2]]
    for n, i in enumerate(bad["unknown_sap_key"]):
        filled[i][-1] = f"ZZ{n:05d}"
    for n, i in enumerate(bad["sap_key_linked"]):
        filled[i][-1] = by_name[rows[pre[n]][2]]
    for n, i in enumerate(bad["unknown_salesforce_id"]):
        filled[i][1] = f"0015S0000099{n:03d}"
        filled[i][-1] = by_name[rows[i][2]]
    for n, i in enumerate(bad["salesforce_id_linked"]):
        filled[i][1] = rows[pre[n]][1]
        filled[i][-1] = by_name[rows[spare[n]][2]]
    for n, i in enumerate(bad["type_mismatch"]):
        filled[i][-1] = leads[n] if n % 2 else items[n // 2]
    for n, i in enumerate(bad["duplicate_in_file"]):
        filled[i][-1] = by_name[rows[spare[BAD + n // 2]][2]]
    assert sum(1 for r in filled if r[-1]) == GOOD + 6 * BAD == 1000
    upload = tmp_path / "filled.xlsx"
    write_xlsx(upload, header, filled)

    refused = run("link", "upload", str(upload), "--json")
    assert refused.exit_code == 1, refused.output
    report = json.loads(refused.stdout)
    assert report["applied"] is False and report["linked"] == 0
    assert report["invalid"] == 6 * BAD and report["valid"] == GOOD
    problems = {r["row"]: r["problems"] for r in report["rows"] if r["problems"]}
    assert all(len(p) == 1 for p in problems.values())
    for kind, indexes in bad.items():
        assert [problems[i + 2][0]["code"] for i in indexes] == [kind] * BAD, kind
    assert set(problems) == {i + 2 for indexes in bad.values() for i in indexes}
    sample = {kind: problems[indexes[1] + 2][0]["reason"] for kind, indexes in bad.items()}
    assert sample["unknown_sap_key"] == "no SAP business partner ZZ00001"
    assert sample["type_mismatch"] == f"{leads[1]} is a lead, not a customer"
    assert problems[bad["type_mismatch"][0] + 2][0]["reason"] == (
        f"{items[0]} is an item, not a business partner")
    assert "is already linked to Salesforce" in sample["sap_key_linked"]
    assert "is already linked to SAP" in sample["salesforce_id_linked"]
    assert sample["unknown_salesforce_id"].startswith("no Account with Id 0015S0000099001")
    assert "appears on rows" in sample["duplicate_in_file"]
    with hub.repos() as repos:
        assert len(repos.links.by_sf_ids("account", [r[1] for r in rows])) == BAD

    for indexes in bad.values():
        for i in indexes:
            filled[i] = list(rows[i])  # the fix: leave these rows out
    write_xlsx(upload, header, filled)
    accounts_before = len(sf_accounts(hub))
    sap = ServiceLayer(sandbox.info)
    try:
        partners_before = len(sap_partners(sap))
    finally:
        sap.close()
    applied = ok_json("link", "upload", str(upload))
    assert (applied["applied"], applied["linked"], applied["invalid"]) == (True, GOOD, 0)
    expected = {by_name[rows[i][2]]: rows[i][1] for i in pre + good}
    with hub.repos() as repos:
        links = repos.links.by_sap_keys("account", by_name.values())
        assert {k: v.sf_id for k, v in links.items()} == expected
        assert all(v.base_values is None for v in links.values())
        repos.selections.mark("account", [SelectionEntry(code, "Customer - Direct")
                                          for code in expected])
    init = ok_json("init", "account")[0]
    assert (init["status"], init["created"]) == ("done", 0), init
    after = sf_accounts(hub)
    sap = ServiceLayer(sandbox.info)
    try:
        assert len(sap_partners(sap)) == partners_before
    finally:
        sap.close()
    assert len(after) == accounts_before
    codes = {r["Id"]: r["SAP_CardCode__c"] for r in after}
    assert all(codes[sf_id] == code for code, sf_id in expected.items())
    hub.close()
